// Edits of the flow document (callflow/1, DESIGN.md §3).
//
// The document *is* the editor state; the canvas is only a view of it.  Every
// function here is pure: it takes a document and returns a new one (sharing
// the untouched parts), never mutating its input, so that undo/redo is just a
// stack of documents and an edit can be tested without a browser.

import { freshId, idProblem } from './ids.js';
import { acceptsInput, dynamicPortNames, initialData, portsOf, typeOf } from './registry.js';

export const FORMAT = 'callflow/1';
export const DEFAULT_PORT = 'next';
// The longest flow name the server accepts (characters, as Python counts them).
export const NAME_MAX = 200;
const COPY_SUFFIX = ' (copy)';

/** An error in an edit the user asked for (shown to them as is). */
export class EditError extends Error {}

/** A new flow: just the start node. */
export function newDocument(name, { locale = 'en-US' } = {}) {
  return {
    format: FORMAT,
    name: name || 'Untitled flow',
    locale,
    nodes: [{ id: 'start', type: 'start', position: { x: 0, y: 0 } }],
    edges: [],
    notes: [],
  };
}

/**
 * The name of a copy of a flow: "<name> (copy)", the name shortened when it
 * must be so that the suffix always shows (a copy named like its original
 * cannot be told apart in the list).
 */
export function copyName(name, max = NAME_MAX) {
  const room = max - COPY_SUFFIX.length;
  const chars = [...(name ?? '')]; // code points: an emoji is not cut in half
  const kept = chars.length > room ? chars.slice(0, room).join('').trimEnd() : chars.join('');
  return `${kept}${COPY_SUFFIX}`;
}

/** The same document with every list present, so edits need no null checks. */
export function normalize(doc) {
  return {
    ...doc,
    format: doc?.format ?? FORMAT,
    nodes: Array.isArray(doc?.nodes) ? doc.nodes : [],
    edges: Array.isArray(doc?.edges) ? doc.edges : [],
    notes: Array.isArray(doc?.notes) ? doc.notes : [],
  };
}

export const edgePort = (edge) => edge.port ?? DEFAULT_PORT;

/** A stable key for the edge leaving `from` through `port` (at most one exists). */
export const edgeKey = (from, port) => `${from}\u0000${port ?? DEFAULT_PORT}`;

export function findNode(doc, id) {
  return doc.nodes.find((n) => n.id === id) ?? null;
}

export function findNote(doc, id) {
  return doc.notes.find((n) => n.id === id) ?? null;
}

export function edgeFrom(doc, from, port) {
  return doc.edges.find((e) => e.from === from && edgePort(e) === port) ?? null;
}

/** Ids of every node and note (they share the id space of the canvas). */
export function takenIds(doc) {
  return new Set([...doc.nodes.map((n) => n.id), ...doc.notes.map((n) => n.id)]);
}

const makeEdge = (from, port, to) =>
  port === DEFAULT_PORT ? { from, to } : { from, to, port };

const roundPos = (p) => ({ x: Math.round(p?.x ?? 0), y: Math.round(p?.y ?? 0) });

function replaceNode(doc, id, fn) {
  let found = false;
  const nodes = doc.nodes.map((n) => {
    if (n.id !== id) return n;
    found = true;
    return fn(n);
  });
  if (!found) throw new EditError(`There is no node "${id}".`);
  return { ...doc, nodes };
}

// --- nodes -------------------------------------------------------------------

/**
 * Add a node of `type` at `position`; it starts with the registry's example
 * parameters so that, e.g., a new menu already shows its option ports.
 * Returns `{doc, id}`.
 */
export function addNode(doc, reg, type, position, { id, data, label } = {}) {
  const typeDef = typeOf(reg, type);
  if (!typeDef) throw new EditError(`Unknown node type "${type}".`);
  if (typeDef.kind === 'start' && doc.nodes.some((n) => n.type === 'start')) {
    throw new EditError('A flow has exactly one start node.');
  }
  const taken = takenIds(doc);
  const nodeId = id ?? freshId(typeDef.kind === 'start' ? 'start' : type, taken);
  const problem = idProblem(nodeId, taken);
  if (problem) throw new EditError(problem);
  const node = { id: nodeId, type, position: roundPos(position) };
  if (label) node.label = label;
  const initial = data ?? initialData(typeDef);
  if (initial && Object.keys(initial).length) node.data = initial;
  return { doc: { ...doc, nodes: [...doc.nodes, node] }, id: nodeId };
}

/** Move nodes and notes: `positions` maps id -> {x, y}. */
export function moveItems(doc, positions) {
  const move = (item) =>
    Object.hasOwn(positions, item.id) ? { ...item, position: roundPos(positions[item.id]) } : item;
  return { ...doc, nodes: doc.nodes.map(move), notes: doc.notes.map(move) };
}

/** Set (or, with `undefined`, clear) the optional display label of a node. */
export function setLabel(doc, id, label) {
  return replaceNode(doc, id, (n) => {
    const next = { ...n };
    if (label && label.trim()) next.label = label;
    else delete next.label;
    return next;
  });
}

/**
 * Rename a node and every edge that names it.  The main menu is the menu
 * called `main`, so users do need to rename nodes.
 */
export function renameNode(doc, oldId, newId) {
  if (oldId === newId) return doc;
  const taken = takenIds(doc);
  const problem = idProblem(newId, taken, oldId);
  if (problem) throw new EditError(problem);
  const next = replaceNode(doc, oldId, (n) => ({ ...n, id: newId }));
  next.edges = doc.edges.map((e) =>
    e.from === oldId || e.to === oldId
      ? { ...e, from: e.from === oldId ? newId : e.from, to: e.to === oldId ? newId : e.to }
      : e,
  );
  return next;
}

/**
 * Set one parameter of a node (`undefined` removes it so the default
 * applies).  When the parameter drives dynamic ports (menu options, branch
 * cases) the node's edges follow: a port renamed in place keeps its edge,
 * a port that disappeared loses it.
 */
export function setParam(doc, reg, id, name, value) {
  const node = findNode(doc, id);
  if (!node) throw new EditError(`There is no node "${id}".`);
  const data = { ...(node.data ?? {}) };
  if (value === undefined) delete data[name];
  else data[name] = value;
  let next = replaceNode(doc, id, (n) => {
    const out = { ...n, data };
    if (!Object.keys(data).length) delete out.data;
    return out;
  });
  const typeDef = typeOf(reg, node.type);
  if (typeDef?.dynamicPorts?.param === name) {
    next = followPorts(next, typeDef, id, node.data ?? {}, data);
  }
  return next;
}

/** Replace all parameters of a node at once (used by paste-as-values, imports). */
export function setData(doc, reg, id, data) {
  const node = findNode(doc, id);
  if (!node) throw new EditError(`There is no node "${id}".`);
  let next = replaceNode(doc, id, (n) => {
    const out = { ...n, data };
    if (!data || !Object.keys(data).length) delete out.data;
    return out;
  });
  const typeDef = typeOf(reg, node.type);
  if (typeDef?.dynamicPorts) next = followPorts(next, typeDef, id, node.data ?? {}, data ?? {});
  return next;
}

function followPorts(doc, typeDef, id, oldData, newData) {
  const before = dynamicPortNames(typeDef, oldData);
  const after = dynamicPortNames(typeDef, newData);
  const renamed = new Map();
  if (before.length === after.length) {
    before.forEach((name, i) => {
      if (name !== after[i]) renamed.set(name, after[i]);
    });
  }
  const valid = new Set(portsOf(typeDef, newData).map((p) => p.name));
  const used = new Set();
  const edges = [];
  for (const e of doc.edges) {
    if (e.from !== id) {
      edges.push(e);
      continue;
    }
    const port = renamed.get(edgePort(e)) ?? edgePort(e);
    if (!valid.has(port) || used.has(port)) continue;
    used.add(port);
    edges.push(port === edgePort(e) ? e : makeEdge(e.from, port, e.to));
  }
  return { ...doc, edges };
}

// --- edges -------------------------------------------------------------------

/**
 * Connect `from`'s `port` to `to`.  A port carries at most one edge, so an
 * occupied port is re-pointed rather than given a second edge.
 */
export function connect(doc, reg, from, port, to) {
  checkConnection(doc, reg, from, port, to);
  const existing = edgeFrom(doc, from, port);
  if (existing?.to === to) return doc;
  const edges = doc.edges.filter((e) => !(e.from === from && edgePort(e) === port));
  return { ...doc, edges: [...edges, makeEdge(from, port, to)] };
}

/**
 * Move the edge leaving `old.from` through `old.port` so that it runs from
 * `next.from`'s `next.port` to `next.to`: either end of it dragged elsewhere
 * on the canvas.  The edge keeps its place in the list (and any other field
 * it has).  As with connect, a port carries one edge: an edge already
 * leaving the new port is replaced, never doubled.
 */
export function reconnect(doc, reg, old, next) {
  const oldPort = old.port ?? DEFAULT_PORT;
  const port = next.port ?? DEFAULT_PORT;
  const current = edgeFrom(doc, old.from, oldPort);
  if (!current) throw new EditError(`There is no connection from "${old.from}" (${oldPort}) any more.`);
  if (current.from === next.from && oldPort === port && current.to === next.to) return doc;
  checkConnection(doc, reg, next.from, port, next.to);
  const { port: _old, ...kept } = current;
  const moved = { ...kept, ...makeEdge(next.from, port, next.to) };
  const edges = [];
  for (const e of doc.edges) {
    if (e === current) edges.push(moved);
    else if (!(e.from === next.from && edgePort(e) === port)) edges.push(e);
  }
  return { ...doc, edges };
}

/** Why `from`'s `port` may not lead to `to` (an EditError), or nothing when it may. */
function checkConnection(doc, reg, from, port, to) {
  const source = findNode(doc, from);
  const target = findNode(doc, to);
  if (!source || !target) throw new EditError('Both ends of a connection must be nodes.');
  const sourceType = typeOf(reg, source.type);
  if (sourceType && !portsOf(sourceType, source.data).some((p) => p.name === port)) {
    throw new EditError(`"${from}" has no port "${port}".`);
  }
  if (!acceptsInput(typeOf(reg, target.type))) {
    throw new EditError('Nothing can connect into the start node.');
  }
}

export function disconnect(doc, from, port) {
  const edges = doc.edges.filter((e) => !(e.from === from && edgePort(e) === port));
  return edges.length === doc.edges.length ? doc : { ...doc, edges };
}

/** The ports of `id` that carry an edge. */
export function connectedPorts(doc, id) {
  return new Set(doc.edges.filter((e) => e.from === id).map(edgePort));
}

/** The first port of the node that has no edge yet (for click-to-add chaining). */
export function firstFreePort(doc, reg, id) {
  const node = findNode(doc, id);
  const typeDef = node && typeOf(reg, node.type);
  if (!typeDef) return null;
  const used = connectedPorts(doc, id);
  const ports = portsOf(typeDef, node.data);
  return (
    ports.find((p) => p.required && !used.has(p.name))?.name ??
    ports.find((p) => !used.has(p.name))?.name ??
    null
  );
}

// --- removal -----------------------------------------------------------------

/**
 * Remove nodes (with every edge touching them), edges (`{from, port}`) and
 * notes.  The start node is kept: a flow always has its entry point.
 * Returns `{doc, kept}` where `kept` lists node ids that were not removed.
 */
export function removeItems(doc, { nodes = [], edges = [], notes = [] } = {}) {
  const kept = [];
  const gone = new Set();
  for (const id of nodes) {
    const node = findNode(doc, id);
    if (!node) continue;
    if (node.type === 'start') kept.push(id);
    else gone.add(id);
  }
  const edgeKeys = new Set(edges.map((e) => edgeKey(e.from, e.port)));
  const noteIds = new Set(notes);
  const next = {
    ...doc,
    nodes: doc.nodes.filter((n) => !gone.has(n.id)),
    edges: doc.edges.filter(
      (e) => !gone.has(e.from) && !gone.has(e.to) && !edgeKeys.has(edgeKey(e.from, edgePort(e))),
    ),
    notes: doc.notes.filter((n) => !noteIds.has(n.id)),
  };
  const changed =
    next.nodes.length !== doc.nodes.length ||
    next.edges.length !== doc.edges.length ||
    next.notes.length !== doc.notes.length;
  return { doc: changed ? next : doc, kept };
}

// --- clipboard ---------------------------------------------------------------

export const CLIP_FORMAT = 'callflow-clip/1';

/**
 * The selected nodes and notes as a clipboard payload, with the edges that
 * run between selected nodes (edges leaving the selection are not copied).
 */
export function copyItems(doc, { nodes = [], notes = [] } = {}) {
  const ids = new Set(nodes);
  const noteIds = new Set(notes);
  return {
    format: CLIP_FORMAT,
    nodes: structuredClone(doc.nodes.filter((n) => ids.has(n.id))),
    edges: structuredClone(doc.edges.filter((e) => ids.has(e.from) && ids.has(e.to))),
    notes: structuredClone(doc.notes.filter((n) => noteIds.has(n.id))),
  };
}

export function isClip(value) {
  return (
    value?.format === CLIP_FORMAT &&
    Array.isArray(value.nodes) &&
    Array.isArray(value.edges) &&
    Array.isArray(value.notes)
  );
}

/**
 * Paste a clipboard payload, shifted by `offset`, with fresh ids (internal
 * edges follow their nodes).  A start node is skipped when the flow has one.
 * Returns `{doc, nodes, notes}` with the ids that were created.
 */
export function pasteItems(doc, clip, { offset = { x: 40, y: 40 } } = {}) {
  if (!isClip(clip)) throw new EditError('The clipboard does not hold flow nodes.');
  const taken = takenIds(doc);
  const hasStart = doc.nodes.some((n) => n.type === 'start');
  const idMap = new Map();
  const nodes = [];
  for (const n of clip.nodes) {
    if (n.type === 'start' && hasStart) continue;
    const id = freshId(n.id, taken);
    taken.add(id);
    idMap.set(n.id, id);
    const pos = n.position ?? { x: 0, y: 0 };
    nodes.push({
      ...structuredClone(n),
      id,
      position: roundPos({ x: pos.x + offset.x, y: pos.y + offset.y }),
    });
  }
  const edges = clip.edges
    .filter((e) => idMap.has(e.from) && idMap.has(e.to))
    .map((e) => makeEdge(idMap.get(e.from), edgePort(e), idMap.get(e.to)));
  const notes = clip.notes.map((n) => {
    const id = freshId(n.id || 'note', taken);
    taken.add(id);
    const pos = n.position ?? { x: 0, y: 0 };
    return { ...structuredClone(n), id, position: roundPos({ x: pos.x + offset.x, y: pos.y + offset.y }) };
  });
  return {
    doc: {
      ...doc,
      nodes: [...doc.nodes, ...nodes],
      edges: [...doc.edges, ...edges],
      notes: [...doc.notes, ...notes],
    },
    nodes: nodes.map((n) => n.id),
    notes: notes.map((n) => n.id),
  };
}

/** Copy and paste in one step (Ctrl+D). */
export function duplicateItems(doc, selection, options) {
  return pasteItems(doc, copyItems(doc, selection), options);
}

// --- sticky notes ------------------------------------------------------------

export const NOTE_COLORS = ['yellow', 'blue', 'green', 'pink'];

export function addNote(doc, position, { text = '', color = 'yellow' } = {}) {
  const id = freshId('note', takenIds(doc));
  const note = { id, text, position: roundPos(position), color, width: 220, height: 140 };
  return { doc: { ...doc, notes: [...doc.notes, note] }, id };
}

/** Change a note's text, color or size (`patch` fields replace the note's). */
export function updateNote(doc, id, patch) {
  let found = false;
  const notes = doc.notes.map((n) => {
    if (n.id !== id) return n;
    found = true;
    const next = { ...n, ...patch };
    if (patch.position) next.position = roundPos(patch.position);
    for (const k of ['width', 'height']) if (k in patch) next[k] = Math.round(patch[k]);
    return next;
  });
  if (!found) throw new EditError(`There is no note "${id}".`);
  return { ...doc, notes };
}

// --- flow settings -----------------------------------------------------------

/** Change name, locale or description. */
export function setMeta(doc, patch) {
  const next = { ...doc };
  for (const key of ['name', 'locale', 'description']) {
    if (!(key in patch)) continue;
    if (patch[key] === undefined || (key === 'description' && patch[key] === '')) delete next[key];
    else next[key] = patch[key];
  }
  return next;
}

/** Positions from auto-layout (`{id: {x, y}}`); unknown ids are ignored. */
export function applyLayout(doc, positions) {
  const known = {};
  for (const n of doc.nodes) if (positions?.[n.id]) known[n.id] = positions[n.id];
  return moveItems(doc, known);
}
