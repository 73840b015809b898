import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { COLUMN, fallbackLayout, missingPositions, ROW } from '../src/lib/layout.js';
import { supportLine } from './helpers.js';

describe('fallbackLayout', () => {
  it('places unpositioned nodes in columns by distance from start', () => {
    const doc = supportLine();
    doc.nodes = doc.nodes.map(({ position, ...n }) => n);
    doc.nodes.push({ id: 'orphan', type: 'hangup' });
    assert.ok(missingPositions(doc));
    const pos = fallbackLayout(doc);
    assert.deepEqual(pos.start, { x: 0, y: 0 });
    assert.deepEqual(pos.welcome, { x: COLUMN, y: 0 });
    assert.deepEqual(pos.main, { x: 2 * COLUMN, y: 0 });
    assert.deepEqual(pos.sales, { x: 3 * COLUMN, y: 0 });
    assert.deepEqual(pos.bye, { x: 3 * COLUMN, y: ROW });
    assert.deepEqual(pos.orphan, { x: 4 * COLUMN, y: 0 }, 'unreachable nodes go last');
  });

  it('leaves positioned nodes alone and puts new ones to their right', () => {
    const doc = supportLine();
    doc.nodes.push({ id: 'later', type: 'hangup' });
    const pos = fallbackLayout(doc);
    assert.deepEqual(Object.keys(pos), ['later']);
    assert.ok(pos.later.x > 900);
    assert.equal(missingPositions(supportLine()), false);
  });
});
