import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { EditError, reconnect } from '../src/lib/document.js';
import { createHistory, record, undo } from '../src/lib/history.js';
import { frozen, registry, supportLine } from './helpers.js';

const reg = registry();

const triples = (doc) => doc.edges.map((e) => [e.from, e.port ?? 'next', e.to]);

describe('reconnect: dragging an edge end elsewhere', () => {
  it('re-points the target end in place, without mutating the document', () => {
    const doc = frozen(supportLine());
    const next = reconnect(doc, reg, { from: 'main', port: '2', to: 'bye' }, { from: 'main', port: '2', to: 'sales' });
    assert.deepEqual(triples(next), [
      ['start', 'next', 'welcome'],
      ['welcome', 'next', 'main'],
      ['main', '1', 'sales'],
      ['main', '2', 'sales'],
      ['main', 'timeout', 'bye'],
    ]);
    assert.equal(next.edges[0], doc.edges[0], 'untouched edges are shared');
    assert.equal(next.nodes, doc.nodes);
  });

  it('moves the source end to a free port of another node', () => {
    const doc = frozen(supportLine());
    const next = reconnect(doc, reg, { from: 'main', port: 'timeout', to: 'bye' }, { from: 'main', port: 'invalid', to: 'bye' });
    assert.deepEqual(triples(next)[4], ['main', 'invalid', 'bye']);
    assert.equal(next.edges.length, doc.edges.length);
    assert.deepEqual(next.edges[4], { from: 'main', port: 'invalid', to: 'bye' });
  });

  it('writes the default port the short way', () => {
    const doc = frozen(supportLine());
    const next = reconnect(doc, reg, { from: 'main', port: '2', to: 'bye' }, { from: 'sales', port: 'answered', to: 'bye' });
    assert.deepEqual(next.edges[3], { from: 'sales', port: 'answered', to: 'bye' });
    const back = reconnect(next, reg, { from: 'start', port: 'next', to: 'welcome' }, { from: 'start', port: 'next', to: 'bye' });
    assert.deepEqual(back.edges[0], { from: 'start', to: 'bye' });
  });

  it('replaces the edge of an occupied port instead of doubling it (one edge per port)', () => {
    const doc = frozen(supportLine());
    // main:2 -> bye dragged by its source end onto main's "1" port, which leads to sales.
    const next = reconnect(doc, reg, { from: 'main', port: '2', to: 'bye' }, { from: 'main', port: '1', to: 'bye' });
    const fromMain = next.edges.filter((e) => e.from === 'main');
    assert.deepEqual(
      fromMain.map((e) => [e.port, e.to]),
      [
        ['1', 'bye'],
        ['timeout', 'bye'],
      ],
    );
    const ports = next.edges.map((e) => `${e.from}:${e.port ?? 'next'}`);
    assert.equal(new Set(ports).size, ports.length, 'no port carries two edges');
  });

  it('moves the source end to another node, replacing what that port had', () => {
    const doc = frozen(supportLine());
    const next = reconnect(doc, reg, { from: 'main', port: 'timeout', to: 'bye' }, { from: 'start', port: 'next', to: 'bye' });
    assert.deepEqual(triples(next), [
      ['welcome', 'next', 'main'],
      ['main', '1', 'sales'],
      ['main', '2', 'bye'],
      ['start', 'next', 'bye'],
    ]);
  });

  it('keeps the document when the edge is dropped where it was', () => {
    const doc = frozen(supportLine());
    assert.equal(reconnect(doc, reg, { from: 'main', port: '1', to: 'sales' }, { from: 'main', port: '1', to: 'sales' }), doc);
    assert.equal(reconnect(doc, reg, { from: 'welcome', to: 'main' }, { from: 'welcome', to: 'main' }), doc);
  });

  it('keeps other fields of the moved edge', () => {
    const doc = supportLine();
    doc.edges[1] = { ...doc.edges[1], note: 'greeting first' };
    const next = reconnect(frozen(doc), reg, { from: 'welcome', to: 'main' }, { from: 'welcome', to: 'bye' });
    assert.deepEqual(next.edges[1], { from: 'welcome', to: 'bye', note: 'greeting first' });
  });

  it('refuses what connect refuses, with a message that names the problem', () => {
    const doc = frozen(supportLine());
    const old = { from: 'main', port: '2', to: 'bye' };
    assert.throws(() => reconnect(doc, reg, old, { from: 'main', port: '2', to: 'start' }), /start node/);
    assert.throws(() => reconnect(doc, reg, old, { from: 'main', port: '9', to: 'bye' }), /no port "9"/);
    assert.throws(() => reconnect(doc, reg, old, { from: 'main', port: '2', to: 'ghost' }), EditError);
    assert.throws(
      () => reconnect(doc, reg, { from: 'main', port: 'invalid', to: 'bye' }, { from: 'main', port: 'invalid', to: 'sales' }),
      /no connection from "main" \(invalid\)/,
    );
  });

  it('is one undoable step', () => {
    const doc = supportLine();
    let h = createHistory(doc);
    h = record(h, reconnect(h.present, reg, { from: 'main', port: '2', to: 'bye' }, { from: 'main', port: '1', to: 'bye' }), { now: 1 });
    assert.equal(h.present.edges.length, 4);
    h = undo(h);
    assert.equal(h.present, doc);
    assert.deepEqual(triples(h.present), triples(supportLine()));
  });
});
