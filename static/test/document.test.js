import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  addNode,
  applyLayout,
  addNote,
  connect,
  copyItems,
  copyName,
  disconnect,
  duplicateItems,
  EditError,
  edgeFrom,
  firstFreePort,
  moveItems,
  NAME_MAX,
  newDocument,
  normalize,
  pasteItems,
  removeItems,
  renameNode,
  setLabel,
  setMeta,
  setParam,
  updateNote,
} from '../src/lib/document.js';
import { frozen, registry, supportLine } from './helpers.js';

const reg = registry();

describe('newDocument', () => {
  it('starts with one start node', () => {
    const doc = newDocument('Hotline');
    assert.equal(doc.format, 'callflow/1');
    assert.equal(doc.name, 'Hotline');
    assert.deepEqual(
      doc.nodes.map((n) => n.type),
      ['start'],
    );
    assert.deepEqual(doc.edges, []);
  });

  it('normalize fills missing lists without touching the rest', () => {
    const doc = normalize({ format: 'callflow/1', name: 'x', nodes: [{ id: 'a', type: 'say' }] });
    assert.deepEqual(doc.edges, []);
    assert.deepEqual(doc.notes, []);
    assert.equal(doc.nodes[0].id, 'a');
  });
});

describe('copyName', () => {
  it('adds "(copy)" to the name', () => {
    assert.equal(copyName('PIN check'), 'PIN check (copy)');
  });

  it('shortens a long name so that "(copy)" still shows, within the limit', () => {
    const copy = copyName('B'.repeat(NAME_MAX));
    assert.ok(copy.endsWith(' (copy)'), copy.slice(-20));
    assert.equal([...copy].length, NAME_MAX);
    const room = NAME_MAX - ' (copy)'.length;
    assert.equal(copyName(`${'a'.repeat(room - 1)} tail`), `${'a'.repeat(room - 1)} (copy)`, 'no space doubled before the suffix');
  });

  it('counts characters, never cutting one in half', () => {
    const copy = copyName('☎'.repeat(NAME_MAX));
    assert.equal([...copy].length, NAME_MAX);
    assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(copy));
    const emoji = copyName('📞'.repeat(NAME_MAX));
    assert.equal([...emoji].length, NAME_MAX);
    assert.ok(emoji.startsWith('📞') && emoji.endsWith('📞 (copy)'));
  });
});

describe('addNode', () => {
  it('adds a node with the registry example and a fresh id', () => {
    const doc = frozen(supportLine());
    const { doc: next, id } = addNode(doc, reg, 'say', { x: 10.4, y: 20.6 });
    assert.equal(id, 'say');
    const node = next.nodes.at(-1);
    assert.deepEqual(node.position, { x: 10, y: 21 });
    assert.deepEqual(node.data, reg.byType.get('say').example);
    assert.notEqual(node.data, reg.byType.get('say').example, 'example is copied, not shared');
    const again = addNode(next, reg, 'say', { x: 0, y: 0 });
    assert.equal(again.id, 'say_2');
  });

  it('refuses unknown types and a second start', () => {
    const doc = frozen(supportLine());
    assert.throws(() => addNode(doc, reg, 'teleport', { x: 0, y: 0 }), EditError);
    assert.throws(() => addNode(doc, reg, 'start', { x: 0, y: 0 }), /exactly one start/);
  });

  it('gives a new menu its option ports', () => {
    const { doc } = addNode(newDocument('x'), reg, 'menu', { x: 0, y: 0 });
    const menu = doc.nodes.find((n) => n.type === 'menu');
    assert.ok(menu.data.options.length > 0);
  });
});

describe('connect', () => {
  it('adds an edge, omitting the default port', () => {
    let doc = newDocument('x');
    ({ doc } = addNode(doc, reg, 'hangup', { x: 300, y: 0 }));
    const next = connect(frozen(doc), reg, 'start', 'next', 'hangup');
    assert.deepEqual(next.edges, [{ from: 'start', to: 'hangup' }]);
  });

  it('replaces the edge of an occupied port (one edge per port)', () => {
    const doc = frozen(supportLine());
    const next = connect(doc, reg, 'main', '2', 'sales');
    const fromTwo = next.edges.filter((e) => e.from === 'main' && e.port === '2');
    assert.deepEqual(fromTwo, [{ from: 'main', port: '2', to: 'sales' }]);
    assert.equal(next.edges.length, doc.edges.length);
  });

  it('is a no-op when the edge already exists', () => {
    const doc = frozen(supportLine());
    assert.equal(connect(doc, reg, 'main', '1', 'sales'), doc);
  });

  it('refuses ports the node does not have and edges into start', () => {
    const doc = frozen(supportLine());
    assert.throws(() => connect(doc, reg, 'main', '7', 'bye'), /no port "7"/);
    assert.throws(() => connect(doc, reg, 'welcome', 'next', 'start'), /start node/);
    assert.throws(() => connect(doc, reg, 'welcome', 'next', 'ghost'), EditError);
  });

  it('disconnect removes only that port', () => {
    const doc = frozen(supportLine());
    const next = disconnect(doc, 'main', 'timeout');
    assert.equal(next.edges.length, doc.edges.length - 1);
    assert.equal(edgeFrom(next, 'main', 'timeout'), null);
    assert.equal(disconnect(doc, 'main', 'invalid'), doc);
  });

  it('firstFreePort prefers required ports', () => {
    const doc = supportLine();
    assert.equal(firstFreePort(doc, reg, 'main'), 'invalid');
    assert.equal(firstFreePort(doc, reg, 'sales'), 'answered');
    assert.equal(firstFreePort(doc, reg, 'bye'), null);
  });
});

describe('setParam and dynamic ports', () => {
  it('sets and clears a parameter', () => {
    const doc = frozen(supportLine());
    const next = setParam(doc, reg, 'welcome', 'text', 'Hej!');
    assert.equal(next.nodes[1].data.text, 'Hej!');
    const cleared = setParam(next, reg, 'welcome', 'text', undefined);
    assert.equal(cleared.nodes[1].data, undefined, 'an empty data object is dropped');
  });

  it('growing the menu options adds a port, shrinking drops its edge', () => {
    const doc = frozen(supportLine());
    const grown = setParam(doc, reg, 'main', 'options', ['1', '2', '3']);
    assert.equal(grown.edges.length, doc.edges.length, 'edges kept when options grow');
    const shrunk = setParam(grown, reg, 'main', 'options', ['1']);
    assert.equal(edgeFrom(shrunk, 'main', '2'), null, 'edge of the removed option is gone');
    assert.ok(edgeFrom(shrunk, 'main', '1'));
    assert.ok(edgeFrom(shrunk, 'main', 'timeout'), 'fixed ports keep their edges');
  });

  it('renaming a branch case in place keeps its edge', () => {
    let { doc } = addNode(supportLine(), reg, 'branch', { x: 0, y: 300 });
    doc = setParam(doc, reg, 'branch', 'cases', [
      { port: 'vip', when: 'vars.vip' },
      { port: 'late', when: 'vars.late' },
    ]);
    doc = connect(doc, reg, 'branch', 'vip', 'sales');
    doc = connect(doc, reg, 'branch', 'late', 'bye');
    const renamed = setParam(frozen(doc), reg, 'branch', 'cases', [
      { port: 'gold', when: 'vars.vip' },
      { port: 'late', when: 'vars.late' },
    ]);
    assert.deepEqual(edgeFrom(renamed, 'branch', 'gold'), { from: 'branch', port: 'gold', to: 'sales' });
    assert.equal(edgeFrom(renamed, 'branch', 'vip'), null);
    assert.ok(edgeFrom(renamed, 'branch', 'late'));
  });

  it('rejects unknown nodes', () => {
    assert.throws(() => setParam(supportLine(), reg, 'nope', 'text', 'x'), EditError);
  });
});

describe('rename, label, meta', () => {
  it('renames a node and its edges', () => {
    const doc = frozen(supportLine());
    const next = renameNode(doc, 'main', 'root_menu');
    assert.ok(next.nodes.some((n) => n.id === 'root_menu'));
    assert.ok(next.edges.every((e) => e.from !== 'main' && e.to !== 'main'));
    assert.equal(next.edges.filter((e) => e.from === 'root_menu').length, 3);
  });

  it('refuses taken or malformed ids', () => {
    const doc = supportLine();
    assert.throws(() => renameNode(doc, 'main', 'bye'), /already called/);
    assert.throws(() => renameNode(doc, 'main', 'has space'), /letters, digits/);
    assert.equal(renameNode(doc, 'main', 'main'), doc);
  });

  it('sets and clears labels and flow settings', () => {
    const doc = frozen(supportLine());
    const labelled = setLabel(doc, 'bye', 'Goodbye');
    assert.equal(labelled.nodes[4].label, 'Goodbye');
    assert.equal(setLabel(labelled, 'bye', '  ').nodes[4].label, undefined);
    const meta = setMeta(doc, { name: 'Hotline', description: 'x' });
    assert.equal(meta.name, 'Hotline');
    assert.equal(setMeta(meta, { description: '' }).description, undefined);
  });
});

describe('removeItems', () => {
  it('removes nodes with their edges, keeps the start node', () => {
    const doc = frozen(supportLine());
    const { doc: next, kept } = removeItems(doc, { nodes: ['main', 'start'] });
    assert.deepEqual(kept, ['start']);
    assert.ok(!next.nodes.some((n) => n.id === 'main'));
    assert.ok(next.nodes.some((n) => n.id === 'start'));
    assert.deepEqual(next.edges, [{ from: 'start', to: 'welcome' }]);
  });

  it('removes single edges by port and notes', () => {
    let doc = supportLine();
    ({ doc } = addNote(doc, { x: 0, y: 0 }, { text: 'hi' }));
    const { doc: next } = removeItems(frozen(doc), {
      edges: [{ from: 'main', port: '1' }],
      notes: ['note'],
    });
    assert.equal(next.edges.length, doc.edges.length - 1);
    assert.deepEqual(next.notes, []);
  });

  it('returns the same document when nothing matched', () => {
    const doc = supportLine();
    assert.equal(removeItems(doc, { nodes: ['ghost'] }).doc, doc);
  });
});

describe('copy, paste, duplicate', () => {
  it('pastes with fresh ids and remapped internal edges only', () => {
    const doc = frozen(supportLine());
    const clip = copyItems(doc, { nodes: ['main', 'bye'] });
    assert.equal(clip.nodes.length, 2);
    assert.equal(clip.edges.length, 2, 'main->bye via 2 and timeout; main->sales is not internal');
    const { doc: next, nodes } = pasteItems(doc, clip, { offset: { x: 10, y: 10 } });
    assert.deepEqual(nodes, ['main_2', 'bye_2']);
    const pasted = next.nodes.find((n) => n.id === 'main_2');
    assert.deepEqual(pasted.position, { x: 610, y: 10 });
    assert.deepEqual(
      next.edges.filter((e) => e.from === 'main_2'),
      [
        { from: 'main_2', port: '2', to: 'bye_2' },
        { from: 'main_2', port: 'timeout', to: 'bye_2' },
      ],
    );
    const ids = next.nodes.map((n) => n.id);
    assert.equal(new Set(ids).size, ids.length, 'ids stay unique');
  });

  it('skips a second start node and refuses foreign clipboards', () => {
    const doc = supportLine();
    const { doc: next, nodes } = duplicateItems(doc, { nodes: ['start', 'welcome'] });
    assert.deepEqual(nodes, ['welcome_2']);
    assert.equal(next.nodes.filter((n) => n.type === 'start').length, 1);
    assert.throws(() => pasteItems(doc, { hello: 1 }), /clipboard/);
  });

  it('duplicates notes too', () => {
    const { doc } = addNote(supportLine(), { x: 5, y: 5 }, { text: 'Ask legal' });
    const { doc: next, notes } = duplicateItems(doc, { notes: ['note'] });
    assert.deepEqual(notes, ['note_2']);
    assert.equal(next.notes[1].text, 'Ask legal');
  });
});

describe('moving and notes', () => {
  it('moves nodes and notes, rounding positions', () => {
    const doc = frozen(addNote(supportLine(), { x: 0, y: 0 }).doc);
    const next = moveItems(doc, { bye: { x: 1.6, y: 2.2 }, note: { x: 7, y: 8 } });
    assert.deepEqual(next.nodes[4].position, { x: 2, y: 2 });
    assert.deepEqual(next.notes[0].position, { x: 7, y: 8 });
    assert.equal(next.nodes[0], doc.nodes[0], 'untouched nodes are shared');
  });

  it('updates note text and size', () => {
    const { doc, id } = addNote(supportLine(), { x: 0, y: 0 });
    const next = updateNote(frozen(doc), id, { text: '<b>hi</b>', width: 300.4 });
    assert.equal(next.notes[0].text, '<b>hi</b>');
    assert.equal(next.notes[0].width, 300);
    assert.throws(() => updateNote(doc, 'ghost', { text: '' }), EditError);
  });

  it('applies a layout, ignoring unknown ids', () => {
    const next = applyLayout(frozen(supportLine()), { bye: { x: 1, y: 2 }, ghost: { x: 0, y: 0 } });
    assert.deepEqual(next.nodes[4].position, { x: 1, y: 2 });
    assert.equal(next.nodes.length, 5);
  });
});
