import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { connect } from '../src/lib/document.js';
import { currentFindings, placeMarkers, publishBlocker } from '../src/lib/markers.js';
import { registry, supportLine } from './helpers.js';

const reg = registry();
const f = (severity, code, node = null, port = null) => ({ severity, code, node, port, message: code });

describe('placeMarkers', () => {
  it('groups by node and port with the worst severity', () => {
    const m = placeMarkers(
      [
        f('warning', 'missing-hangup-path', 'main', 'timeout'),
        f('error', 'dead-end', 'main', 'invalid'),
        f('error', 'invalid-parameter', 'welcome'),
      ],
      supportLine(),
    );
    assert.equal(m.errors, 2);
    assert.equal(m.warnings, 1);
    assert.equal(m.nodes.main.severity, 'error');
    assert.equal(m.nodes.main.ports.timeout.severity, 'warning');
    assert.equal(m.nodes.main.ports.invalid.severity, 'error');
    assert.equal(m.nodes.welcome.severity, 'error');
    assert.equal(m.nodes.bye, undefined);
  });

  it('greys unreachable nodes instead of painting them red', () => {
    const m = placeMarkers([f('error', 'unreachable', 'bye')], supportLine());
    assert.equal(m.nodes.bye.unreachable, true);
    assert.equal(m.nodes.bye.severity, null);
    assert.equal(m.errors, 1, 'still counts as an error');
  });

  it('keeps flow-level findings apart and lists errors first in document order', () => {
    const m = placeMarkers(
      [f('warning', 'w', 'welcome'), f('error', 'no-main-menu'), f('error', 'x', 'bye'), f('error', 'y', 'welcome')],
      supportLine(),
    );
    assert.deepEqual(m.general.map((x) => x.code), ['no-main-menu']);
    assert.deepEqual(m.list.map((x) => x.code), ['no-main-menu', 'y', 'x', 'w']);
  });

  it('drops findings made stale by later edits', () => {
    const doc = supportLine();
    const findings = [f('error', 'dead-end', 'main', 'invalid'), f('error', 'unreachable', 'gone')];
    assert.equal(currentFindings(findings, doc).length, 1, 'deleted node');
    const fixed = connect(doc, reg, 'main', 'invalid', 'bye');
    assert.equal(currentFindings(findings, fixed).length, 0, 'the dead end was connected');
    assert.equal(placeMarkers(findings, fixed).errors, 0);
  });

  it('says why publishing is blocked', () => {
    assert.match(publishBlocker({ errors: 2 }), /Fix 2 errors/);
    assert.match(publishBlocker({ errors: 1 }), /Fix 1 error before/);
    assert.equal(publishBlocker({ errors: 0 }), null);
    assert.match(publishBlocker({ errors: 0 }, { saveState: 'conflict' }), /conflict/);
    assert.match(
      publishBlocker({ errors: 0 }, { checkError: { message: 'name: must not be empty' } }),
      /could not be checked: name/,
    );
  });
});
