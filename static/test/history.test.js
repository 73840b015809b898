import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { COALESCE_MS, canRedo, canUndo, createHistory, LIMIT, record, redo, seal, undo } from '../src/lib/history.js';

const d = (n) => ({ n });

describe('history', () => {
  it('undoes and redoes documents in order', () => {
    let h = createHistory(d(0));
    h = record(h, d(1));
    h = record(h, d(2));
    assert.equal(h.present.n, 2);
    h = undo(h);
    assert.equal(h.present.n, 1);
    h = undo(h);
    assert.equal(h.present.n, 0);
    assert.equal(canUndo(h), false);
    assert.equal(undo(h), h, 'undo at the bottom is a no-op');
    h = redo(redo(h));
    assert.equal(h.present.n, 2);
    assert.equal(canRedo(h), false);
  });

  it('a new edit drops the redo branch', () => {
    let h = record(record(createHistory(d(0)), d(1)), d(2));
    h = record(undo(h), d(3));
    assert.equal(canRedo(h), false);
    assert.deepEqual(h.past.map((x) => x.n), [0, 1]);
  });

  it('recording the same document is a no-op', () => {
    const doc = d(0);
    const h = createHistory(doc);
    assert.equal(record(h, doc), h);
  });

  it('coalesces keystrokes of one field', () => {
    let h = createHistory(d(0));
    h = record(h, d(1), { key: 'param:a:text', now: 1000 });
    h = record(h, d(2), { key: 'param:a:text', now: 1100 });
    h = record(h, d(3), { key: 'param:a:text', now: 1200 });
    assert.equal(h.past.length, 1, 'three keystrokes, one undo step');
    h = undo(h);
    assert.equal(h.present.n, 0);
  });

  it('does not coalesce across fields, pauses or a seal', () => {
    let h = createHistory(d(0));
    h = record(h, d(1), { key: 'a', now: 0 });
    h = record(h, d(2), { key: 'b', now: 10 });
    h = record(h, d(3), { key: 'b', now: 10 + COALESCE_MS + 1 });
    h = record(seal(h), d(4), { key: 'b', now: 10 + COALESCE_MS + 2 });
    assert.equal(h.past.length, 4);
  });

  it('keeps at most LIMIT steps', () => {
    let h = createHistory(d(-1));
    for (let i = 0; i < LIMIT + 25; i += 1) h = record(h, d(i));
    assert.equal(h.past.length, LIMIT);
    assert.equal(h.past[0].n, 24);
  });
});
