// Trace events ({callid, seq, kind, node, data}) as paths on the canvas.
//
// The engine records every node a call walks through, the menu input that
// chose a port, and the DiCE that ended it; the trace websocket streams them
// in `seq` order and the call log serves them.  These pure folds turn them
// into what the canvas shows: the path one call took (test calls, a call
// opened from the log) and where the live calls of a flow are now.

import { edgePort } from './document.js';

// --- one call's path --------------------------------------------------------------

/** The path of a call before any event: nothing visited yet. */
export const EMPTY_PATH = Object.freeze({
  seq: 0,
  nodes: [], // node ids in the order visited (repeats kept)
  ports: [], // ports[i]: the port the caller chose to leave nodes[i - 1], when an input said so
  current: null, // where the call is now (null once it ended)
  ended: false,
  end: null, // the DiCE data: {reason, result, duration}
  errors: [], // [{node, message}]
  pendingPort: null,
});

// 'swept': housekeeping ended a call whose DiCE never came (its data says so, like a DiCE's)
const END_KINDS = new Set(['dice', 'swept']);
const isEnd = (ev) => END_KINDS.has(ev.kind) || (ev.kind === 'callback' && ev.data?.event === 'dice');

/**
 * Fold one trace event into `path` (returns a new path; events at or before
 * the last seq seen are duplicates and change nothing).
 */
export function addEvent(path, ev) {
  if (!ev || typeof ev.seq !== 'number' || ev.seq <= path.seq) return path;
  const next = { ...path, seq: ev.seq };
  if (ev.kind === 'node' && typeof ev.node === 'string') {
    next.nodes = [...path.nodes, ev.node];
    next.ports = [...path.ports, path.nodes.length ? path.pendingPort : null];
    next.pendingPort = null;
    if (!path.ended) next.current = ev.node;
  } else if (ev.kind === 'input') {
    next.pendingPort = typeof ev.data?.port === 'string' ? ev.data.port : null;
  } else if (ev.kind === 'error') {
    const message = ev.data?.message ?? ev.data?.code ?? 'error';
    next.errors = [...path.errors, { node: ev.node ?? null, message: String(message) }];
  } else if (isEnd(ev)) {
    next.ended = true;
    next.current = null;
    if (END_KINDS.has(ev.kind)) next.end = ev.data ?? null;
  }
  return next;
}

/** The path of a whole list of events (any order). */
export function pathOf(events) {
  const sorted = [...(events ?? [])].sort((a, b) => (a?.seq ?? 0) - (b?.seq ?? 0));
  return sorted.reduce(addEvent, EMPTY_PATH);
}

/**
 * Ids (`from:port`, as the canvas names edges) of the edges of `doc` the
 * path went along.  A step between two nodes takes the port the caller chose
 * when an input named it, else the first edge of `doc` joining them.
 */
export function pathEdges(doc, path) {
  const out = new Map(); // from -> [edges]
  for (const e of doc?.edges ?? []) {
    if (!out.has(e.from)) out.set(e.from, []);
    out.get(e.from).push(e);
  }
  const ids = [];
  const seen = new Set();
  for (let i = 1; i < path.nodes.length; i += 1) {
    const from = path.nodes[i - 1];
    const to = path.nodes[i];
    const candidates = (out.get(from) ?? []).filter((e) => e.to === to);
    if (!candidates.length) continue;
    const chosen = candidates.find((e) => edgePort(e) === path.ports[i]) ?? candidates[0];
    const id = `${from}:${edgePort(chosen)}`;
    if (!seen.has(id)) {
      seen.add(id);
      ids.push(id);
    }
  }
  return ids;
}

/**
 * The canvas overlay of a path: visited nodes and edges marked, the current
 * node lit up (or, once the call ended, the node it ended at marked as the
 * last), a node visited more than once badged with the count.
 */
export function pathOverlay(doc, path) {
  const ids = new Set((doc?.nodes ?? []).map((n) => n.id));
  const counts = new Map();
  for (const id of path.nodes) counts.set(id, (counts.get(id) ?? 0) + 1);
  const last = path.ended ? path.nodes.at(-1) : null;
  const nodes = {};
  for (const [id, n] of counts) {
    if (!ids.has(id)) continue;
    nodes[id] = { tone: id === path.current ? 'active' : id === last ? 'last' : 'visited' };
    if (n > 1) nodes[id].badge = `×${n}`;
  }
  const edges = {};
  for (const id of pathEdges(doc, path)) edges[id] = 'path';
  return { nodes, edges };
}

// --- one event in words (the call log's timeline) -------------------------------------

const upper = (x) => String(x ?? '').toUpperCase();

/** A short line saying what one trace event records. */
export function describeEvent(ev) {
  const d = ev?.data ?? {};
  switch (ev?.kind) {
    case 'callback':
      return `${upper(d.event) || 'Callback'} received${d.duplicate ? ' again (repeated delivery, same answer)' : ''}`;
    case 'node':
      return d.type ? `${d.type} step` : 'step';
    case 'svaml': {
      const action = d.svaml?.action?.name ?? 'no action';
      const n = d.svaml?.instructions?.length ?? 0;
      return `answered ${upper(d.event)}: ${n} instruction${n === 1 ? '' : 's'}, then ${action}`;
    }
    case 'input':
      if (d.type === 'timeout') return `no key pressed: ${d.port ?? 'timeout'}`;
      if (d.type === 'invalidinput') return `invalid input${d.digits ? ` ${d.digits}` : ''}`;
      if (d.type === 'hangup') return 'the caller hung up at the menu';
      return `keyed ${d.digits ?? d.value ?? ''}${d.port ? ` → ${d.port}` : ''}`.trim();
    case 'dice':
      return ['ended', d.reason, d.result, typeof d.duration === 'number' ? `${d.duration} s` : null].filter(Boolean).join(' · ');
    case 'error':
      return String(d.message ?? d.code ?? 'error');
    default: {
      if (typeof d.message === 'string') return d.message;
      const text = JSON.stringify(d);
      return text === '{}' ? '' : text.length > 160 ? `${text.slice(0, 159)}…` : text;
    }
  }
}

// --- the live calls of a flow ----------------------------------------------------------

export const EMPTY_LIVE = Object.freeze({ calls: {} });

/** Live state from call-log summaries: the calls still going, at their current node. */
export function seedLive(summaries) {
  const calls = {};
  for (const c of summaries ?? []) {
    if (c?.state === 'active' && typeof c.currentNode === 'string') {
      calls[c.callid] = { node: c.currentNode, seq: 0 };
    }
  }
  return { calls };
}

/** Fold one frame of `/ws/traces?flow=` into the live state. */
export function liveReducer(state, ev) {
  if (!ev || typeof ev.callid !== 'string') return state; // status and error frames
  const known = state.calls[ev.callid];
  if (known && typeof ev.seq === 'number' && ev.seq <= known.seq) return state;
  if (isEnd(ev)) {
    if (!known) return state;
    const calls = { ...state.calls };
    delete calls[ev.callid];
    return { calls };
  }
  if (ev.kind !== 'node' || typeof ev.node !== 'string') {
    if (!known) return state;
    return { calls: { ...state.calls, [ev.callid]: { ...known, seq: ev.seq ?? known.seq } } };
  }
  return { calls: { ...state.calls, [ev.callid]: { node: ev.node, seq: ev.seq ?? 0 } } };
}

/** How many live calls are at each node: `{node: count}`. */
export function liveCounts(state) {
  const counts = {};
  for (const c of Object.values(state.calls)) counts[c.node] = (counts[c.node] ?? 0) + 1;
  return counts;
}

/** The canvas overlay of the live state: each occupied node lit, badged with its calls. */
export function liveOverlay(state) {
  const nodes = {};
  for (const [node, n] of Object.entries(liveCounts(state))) {
    nodes[node] = { tone: 'live', badge: String(n), title: `${n} call${n === 1 ? '' : 's'} here now` };
  }
  return { nodes };
}
