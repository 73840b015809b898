import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  addEvent,
  describeEvent,
  EMPTY_LIVE,
  EMPTY_PATH,
  liveCounts,
  liveOverlay,
  liveReducer,
  pathEdges,
  pathOf,
  pathOverlay,
  seedLive,
} from '../src/lib/trace.js';
import { supportLine } from './helpers.js';

// The events of a call that hears the menu, keys 1 and is connected to sales,
// as the engine records them (see GET /api/calls/<callid>).
function salesCall(callid = 'c1') {
  const ev = (seq, kind, node = null, data = {}) => ({ callid, seq, kind, node, data, flow: 'f' });
  return [
    ev(1, 'callback', null, { event: 'ice' }),
    ev(2, 'node', 'start', { type: 'start' }),
    ev(3, 'node', 'welcome', { type: 'say' }),
    ev(4, 'node', 'main', { type: 'menu' }),
    ev(5, 'svaml', 'main', { event: 'ice' }),
    ev(6, 'callback', null, { event: 'pie' }),
    ev(7, 'input', 'main', { type: 'return', value: '1', port: '1', digits: '1' }),
    ev(8, 'node', 'sales', { type: 'connectPstn' }),
    ev(9, 'svaml', 'sales', { event: 'pie' }),
  ];
}

const ended = (callid = 'c1') => [
  { callid, seq: 10, kind: 'callback', node: null, data: { event: 'dice' } },
  { callid, seq: 11, kind: 'dice', node: 'sales', data: { reason: 'CALLERHANGUP', result: 'ANSWERED', duration: 22 } },
];

describe('the path of one call', () => {
  it('lists the nodes visited with the current one', () => {
    const path = pathOf(salesCall());
    assert.deepEqual(path.nodes, ['start', 'welcome', 'main', 'sales']);
    assert.deepEqual(path.ports, [null, null, null, '1']);
    assert.equal(path.current, 'sales');
    assert.equal(path.ended, false);
  });

  it('ignores repeated and out-of-date events (a backlog overlapping live frames)', () => {
    const events = salesCall();
    let path = events.reduce(addEvent, EMPTY_PATH);
    const again = events.reduce(addEvent, path);
    assert.equal(again, path);
    path = addEvent(path, { ...events[1], seq: 3 });
    assert.equal(path.nodes.length, 4);
  });

  it('ends with the DiCE and keeps where it went', () => {
    const path = pathOf([...ended(), ...salesCall()]); // any order in, seq order used
    assert.equal(path.ended, true);
    assert.equal(path.current, null);
    assert.deepEqual(path.end, { reason: 'CALLERHANGUP', result: 'ANSWERED', duration: 22 });
    assert.deepEqual(path.nodes, ['start', 'welcome', 'main', 'sales']);
  });

  it('ends when housekeeping sweeps a call whose DiCE never came', () => {
    const swept = { callid: 'c1', seq: 10, kind: 'swept', node: null, data: { reason: 'no-dice', result: 'lost' } };
    const path = pathOf([...salesCall(), swept]);
    assert.equal(path.ended, true);
    assert.equal(path.current, null);
    assert.deepEqual(path.end, { reason: 'no-dice', result: 'lost' });
  });

  it('collects engine errors with their node', () => {
    const path = pathOf([{ callid: 'c', seq: 1, kind: 'error', node: 'x', data: { message: 'boom' } }]);
    assert.deepEqual(path.errors, [{ node: 'x', message: 'boom' }]);
  });

  it('names the edges taken, using the port the caller chose', () => {
    const doc = supportLine();
    assert.deepEqual(pathEdges(doc, pathOf(salesCall())), ['start:next', 'welcome:next', 'main:1']);
    // "bye" is behind both the 2 and the timeout port of main: the input decides.
    const timeout = [
      ...salesCall().slice(0, 6),
      { callid: 'c1', seq: 7, kind: 'input', node: 'main', data: { type: 'timeout', port: 'timeout' } },
      { callid: 'c1', seq: 8, kind: 'node', node: 'bye', data: {} },
    ];
    assert.deepEqual(pathEdges(doc, pathOf(timeout)).at(-1), 'main:timeout');
    const keyed2 = timeout.map((e) => (e.kind === 'input' ? { ...e, data: { port: '2' } } : e));
    assert.deepEqual(pathEdges(doc, pathOf(keyed2)).at(-1), 'main:2');
  });

  it('draws the path: visited nodes, the active one, repeats badged, edges marked', () => {
    const doc = supportLine();
    const events = [
      ...salesCall().slice(0, 4),
      { callid: 'c1', seq: 5, kind: 'input', node: 'main', data: { port: 'invalid' } },
      { callid: 'c1', seq: 6, kind: 'node', node: 'main', data: {} },
      { callid: 'c1', seq: 7, kind: 'node', node: 'gone', data: {} }, // not in this version
    ];
    const overlay = pathOverlay(doc, pathOf(events));
    assert.deepEqual(overlay.nodes.start, { tone: 'visited' });
    assert.deepEqual(overlay.nodes.main, { tone: 'visited', badge: '×2' });
    assert.equal(overlay.nodes.gone, undefined);
    assert.deepEqual(overlay.edges, { 'start:next': 'path', 'welcome:next': 'path' });
    const live = pathOverlay(doc, pathOf(salesCall()));
    assert.equal(live.nodes.sales.tone, 'active');
    assert.equal(live.edges['main:1'], 'path');
    const done = pathOverlay(doc, pathOf([...salesCall(), ...ended()]));
    assert.equal(done.nodes.sales.tone, 'last', 'where the call ended');
    assert.equal(done.nodes.main.tone, 'visited');
  });
});

describe('the live calls of a flow', () => {
  it('follows each call to its current node and drops it when it ends', () => {
    let state = EMPTY_LIVE;
    for (const ev of salesCall('a')) state = liveReducer(state, ev);
    for (const ev of salesCall('b').slice(0, 4)) state = liveReducer(state, ev);
    assert.deepEqual(liveCounts(state), { sales: 1, main: 1 });
    for (const ev of ended('a')) state = liveReducer(state, ev);
    assert.deepEqual(liveCounts(state), { main: 1 });
  });

  it('lights each occupied node with the number of calls there', () => {
    let state = EMPTY_LIVE;
    for (const id of ['a', 'b', 'c']) for (const ev of salesCall(id).slice(0, 4)) state = liveReducer(state, ev);
    state = liveReducer(state, salesCall('c')[7]);
    const overlay = liveOverlay(state);
    assert.deepEqual(overlay.nodes.main, { tone: 'live', badge: '2', title: '2 calls here now' });
    assert.equal(overlay.nodes.sales.badge, '1');
  });

  it('ignores status frames, stale frames and the end of unknown calls', () => {
    const state = seedLive([
      { callid: 'a', state: 'active', currentNode: 'main' },
      { callid: 'b', state: 'ended', currentNode: 'sales' },
      { callid: 'c', state: 'active', currentNode: null },
    ]);
    assert.deepEqual(liveCounts(state), { main: 1 });
    assert.equal(liveReducer(state, { kind: 'status', data: { bus: 'down' } }), state);
    assert.equal(liveReducer(state, ended('zzz')[1]), state);
    const moved = liveReducer(state, { callid: 'a', seq: 9, kind: 'node', node: 'sales' });
    assert.equal(liveReducer(moved, { callid: 'a', seq: 8, kind: 'node', node: 'main' }), moved);
  });
});

describe('events in words', () => {
  it('says what each kind of event records', () => {
    const [ice, start, , , svaml, , input] = salesCall();
    assert.equal(describeEvent(ice), 'ICE received');
    assert.equal(describeEvent(start), 'start step');
    assert.equal(describeEvent({ ...svaml, data: { event: 'ice', svaml: { instructions: [{ name: 'say' }], action: { name: 'runMenu' } } } }), 'answered ICE: 1 instruction, then runMenu');
    assert.equal(describeEvent(input), 'keyed 1 → 1');
    assert.equal(describeEvent({ kind: 'input', data: { type: 'timeout', port: 'timeout' } }), 'no key pressed: timeout');
    assert.equal(describeEvent(ended()[1]), 'ended · CALLERHANGUP · ANSWERED · 22 s');
    assert.equal(describeEvent({ kind: 'callback', data: { event: 'pie', duplicate: true } }), 'PIE received again (repeated delivery, same answer)');
    assert.equal(describeEvent({ kind: 'error', data: { code: 'template-error' } }), 'template-error');
    assert.equal(describeEvent({ kind: 'notify', data: {} }), '');
    assert.equal(describeEvent({ kind: 'notify', data: { x: 'y'.repeat(300) } }).length, 160);
  });
});
