import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { initialSave, needsSave, saveLabel, saveReducer } from '../src/lib/autosave.js';

const a = { v: 'a' };
const b = { v: 'b' };
const c = { v: 'c' };

describe('autosave', () => {
  it('goes unsaved -> saving -> saved', () => {
    let s = initialSave(a, '"1"');
    assert.equal(needsSave(s, a), false);
    s = saveReducer(s, { type: 'edited', doc: b });
    assert.equal(s.status, 'unsaved');
    assert.equal(needsSave(s, b), true);
    s = saveReducer(s, { type: 'started', doc: b });
    assert.equal(s.status, 'saving');
    assert.equal(needsSave(s, b), false, 'one request at a time');
    s = saveReducer(s, { type: 'succeeded', doc: b, etag: '"2"', current: b });
    assert.equal(s.status, 'saved');
    assert.equal(s.etag, '"2"');
    assert.equal(saveLabel(s).text, 'All changes saved');
  });

  it('stays unsaved when edits arrived during the request', () => {
    let s = saveReducer(initialSave(a, '"1"'), { type: 'started', doc: b });
    s = saveReducer(s, { type: 'edited', doc: c });
    s = saveReducer(s, { type: 'succeeded', doc: b, etag: '"2"', current: c });
    assert.equal(s.status, 'unsaved');
    assert.equal(needsSave(s, c), true);
  });

  it('undoing back to the saved document is clean again', () => {
    let s = saveReducer(initialSave(a, '"1"'), { type: 'edited', doc: b });
    s = saveReducer(s, { type: 'edited', doc: a });
    assert.equal(s.status, 'saved');
  });

  it('a conflict stops autosave until the user resumes', () => {
    let s = saveReducer(initialSave(a, '"1"'), { type: 'started', doc: b });
    s = saveReducer(s, { type: 'conflict' });
    assert.equal(s.status, 'conflict');
    assert.equal(saveLabel(s).tone, 'bad');
    assert.equal(needsSave(s, b), false, 'never overwrites silently');
    s = saveReducer(s, { type: 'edited', doc: c });
    assert.equal(s.status, 'conflict', 'editing does not clear the conflict');
    s = saveReducer(s, { type: 'resume', etag: '"7"' });
    assert.equal(s.etag, '"7"');
    assert.equal(needsSave(s, c), true);
  });

  it('reports failures and recovers on the next edit', () => {
    let s = saveReducer(initialSave(a, '"1"'), { type: 'started', doc: b });
    s = saveReducer(s, { type: 'failed', error: 'server unreachable' });
    assert.equal(saveLabel(s).text, 'Not saved: server unreachable');
    s = saveReducer(s, { type: 'edited', doc: c });
    assert.equal(s.status, 'unsaved');
    s = saveReducer(s, { type: 'loaded', doc: c, etag: '"9"' });
    assert.equal(s.status, 'saved');
    assert.equal(s.saved, c);
  });
});
