import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { diffCounts, diffItems, diffOverlay, diffSummary, formatValue, ghostId, isEmptyDiff, sideLabel } from '../src/lib/diffview.js';
import { registry, serverDiff, supportLine } from './helpers.js';

const reg = registry();

// Version 1 is the support line; the draft changes the welcome text, removes
// "bye" (timeout now goes to a new goodbye announcement) and adds a hang-up.
function edited() {
  const doc = structuredClone(supportLine());
  doc.nodes = doc.nodes.filter((n) => n.id !== 'bye');
  doc.nodes.find((n) => n.id === 'welcome').data.text = 'Hello and welcome.';
  doc.nodes.push(
    { id: 'goodbye', type: 'say', data: { text: 'Goodbye.' }, position: { x: 900, y: 300 } },
    { id: 'end', type: 'hangup', position: { x: 1200, y: 300 } },
  );
  doc.edges = doc.edges.filter((e) => e.to !== 'bye');
  doc.edges.push(
    { from: 'main', port: '2', to: 'goodbye' },
    { from: 'main', port: 'timeout', to: 'goodbye' },
    { from: 'goodbye', to: 'end' },
  );
  return doc;
}

describe('diff overlay', () => {
  const before = supportLine();
  const after = edited();
  const diff = serverDiff(before, after);

  it('marks added nodes green and changed ones amber on the newer side', () => {
    const overlay = diffOverlay(diff, after, before);
    assert.deepEqual(overlay.nodes.goodbye, { tone: 'added', badge: 'new', title: 'Added' });
    assert.deepEqual(overlay.nodes.end.tone, 'added');
    assert.deepEqual(overlay.nodes.welcome, { tone: 'changed', badge: 'changed', title: 'Changed: text' });
    assert.equal(overlay.nodes.main, undefined, 'main only had its edges re-pointed');
    assert.deepEqual(overlay.edges, { 'main:2': 'added', 'main:timeout': 'added', 'goodbye:next': 'added' });
  });

  it('keeps removed nodes as ghosts at their old positions, with their old edges', () => {
    const overlay = diffOverlay(diff, after, before);
    assert.deepEqual(
      overlay.ghosts.nodes.map((n) => [n.id, n.position]),
      [['bye', { x: 900, y: 200 }]],
    );
    assert.deepEqual(
      overlay.ghosts.edges.map((e) => [e.id, e.source, e.sourceHandle, e.target]),
      [
        ['ghost:main:2', 'main', '2', ghostId('bye')],
        ['ghost:main:timeout', 'main', 'timeout', ghostId('bye')],
      ],
    );
  });

  it('takes a removed node position from the older document when the diff lacks it', () => {
    const diffNoPos = structuredClone(diff);
    delete diffNoPos.nodes.removed[0].position;
    assert.deepEqual(diffOverlay(diffNoPos, after, before).ghosts.nodes[0].position, { x: 900, y: 200 });
    assert.deepEqual(diffOverlay(diffNoPos, after, null).ghosts.nodes, []);
  });

  it('lists the changes with parameter titles and short values', () => {
    const items = diffItems(diff, reg, after);
    assert.deepEqual(
      items.map((i) => [i.id, i.tone]),
      [
        ['goodbye', 'added'],
        ['end', 'added'],
        ['welcome', 'changed'],
        ['bye', 'removed'],
      ],
    );
    assert.deepEqual(items[2].changes, [{ param: 'text', label: 'Text', from: '“Welcome to Acme.”', to: '“Hello and welcome.”' }]);
  });

  it('summarises and counts', () => {
    assert.deepEqual(diffCounts(diff), { added: 2, removed: 1, changed: 1, edgesAdded: 3, edgesRemoved: 2, meta: 0 });
    assert.equal(diffSummary(diff), '2 steps added, 1 removed, 1 changed; 5 connections changed');
    const same = serverDiff(before, before);
    assert.equal(isEmptyDiff(same), true);
    assert.equal(diffSummary(same), 'No changes');
    const renamed = serverDiff(before, { ...before, name: 'Other' });
    assert.equal(diffSummary(renamed), 'flow settings changed');
  });

  it('formats values and sides', () => {
    assert.equal(formatValue(null), '—');
    assert.equal(formatValue(['1', '2']), '1, 2');
    assert.equal(formatValue([]), '(none)');
    assert.equal(formatValue(3000), '3000');
    assert.equal(formatValue({ a: 1 }), '{"a":1}');
    assert.equal(formatValue('x'.repeat(200)).length, 80);
    assert.equal(sideLabel('draft'), 'the draft');
    assert.equal(sideLabel(3), 'version 3');
  });
});
