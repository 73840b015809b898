// A version diff drawn on the canvas.
//
// GET /api/flows/<id>/diff answers what changed between two sides (a version
// and the draft, or two versions): nodes added, removed and changed (with
// their parameter changes), edges added and removed, flow metadata.  The
// canvas shows the newer side; this module maps the diff onto it: added
// nodes green, changed amber, removed nodes and edges red "ghosts" at their
// old positions (they are not in the document, so they are drawn from the
// diff itself).  Pure, tested with node --test.

import { paramTitle, typeOf } from './registry.js';

export const GHOST_PREFIX = 'ghost:';

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Counts of what changed, for the panel's summary line. */
export function diffCounts(diff) {
  return {
    added: diff?.nodes?.added?.length ?? 0,
    removed: diff?.nodes?.removed?.length ?? 0,
    changed: diff?.nodes?.changed?.length ?? 0,
    edgesAdded: diff?.edges?.added?.length ?? 0,
    edgesRemoved: diff?.edges?.removed?.length ?? 0,
    meta: Object.keys(diff?.meta ?? {}).length,
  };
}

/** Whether the two sides are the same (positions aside). */
export function isEmptyDiff(diff) {
  return Object.values(diffCounts(diff)).every((n) => n === 0);
}

/** "2 steps added, 1 removed, 3 changed; 4 connections changed" or "No changes". */
export function diffSummary(diff) {
  const c = diffCounts(diff);
  const steps = [
    c.added && `${plural(c.added, 'step')} added`,
    c.removed && `${c.added ? c.removed : plural(c.removed, 'step')} removed`,
    c.changed && `${c.added || c.removed ? c.changed : plural(c.changed, 'step')} changed`,
  ].filter(Boolean);
  const edges = c.edgesAdded + c.edgesRemoved;
  const parts = [];
  if (steps.length) parts.push(steps.join(', '));
  if (edges) parts.push(`${plural(edges, 'connection')} changed`);
  if (c.meta) parts.push('flow settings changed');
  return parts.length ? parts.join('; ') : 'No changes';
}

/** The canvas id of a removed node's ghost. */
export const ghostId = (id) => `${GHOST_PREFIX}${id}`;

/**
 * The overlay of `diff` over `doc` (the newer side, shown on the canvas):
 * `{nodes: {id: {tone, badge, title}}, edges: {"from:port": tone},
 *   ghosts: {nodes: [node], edges: [{id, source, sourceHandle, target}]}}`.
 * Removed nodes keep the position they had (from the diff, else from
 * `fromDoc`); one that never had a position is left off the canvas.
 */
export function diffOverlay(diff, doc, fromDoc = null) {
  const current = new Set((doc?.nodes ?? []).map((n) => n.id));
  const oldPositions = new Map((fromDoc?.nodes ?? []).map((n) => [n.id, n.position]));
  const nodes = {};
  for (const n of diff?.nodes?.added ?? []) {
    if (current.has(n.id)) nodes[n.id] = { tone: 'added', badge: 'new', title: 'Added' };
  }
  for (const c of diff?.nodes?.changed ?? []) {
    if (!current.has(c.id)) continue;
    const names = c.changes.map((x) => x.param.replace(/^@/, '')).join(', ');
    nodes[c.id] = { tone: 'changed', badge: 'changed', title: `Changed: ${names}` };
  }
  const edges = {};
  for (const e of diff?.edges?.added ?? []) {
    if (current.has(e.from) && current.has(e.to)) edges[`${e.from}:${e.port ?? 'next'}`] = 'added';
  }
  const ghostNodes = [];
  const ghosts = new Set();
  for (const n of diff?.nodes?.removed ?? []) {
    const position = n.position ?? oldPositions.get(n.id);
    if (!position || current.has(n.id)) continue;
    ghosts.add(n.id);
    ghostNodes.push({ ...n, position });
  }
  const end = (id) => (current.has(id) ? id : ghosts.has(id) ? ghostId(id) : null);
  const ghostEdges = [];
  for (const e of diff?.edges?.removed ?? []) {
    const source = end(e.from);
    const target = end(e.to);
    if (!source || !target) continue;
    const port = e.port ?? 'next';
    ghostEdges.push({ id: `${GHOST_PREFIX}${e.from}:${port}`, source, sourceHandle: port, target, from: e.from, port, to: e.to });
  }
  return { nodes, edges, ghosts: { nodes: ghostNodes, edges: ghostEdges } };
}

/** A parameter value as one short line: strings quoted, lists joined, absent as "—". */
export function formatValue(value, max = 80) {
  let text;
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') text = `“${value}”`;
  else if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) text = value.join(', ') || '(none)';
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The human name of a changed parameter of a node of type `type`. */
export function changeLabel(reg, type, param) {
  if (param === '@type') return 'Step type';
  if (param === '@label') return 'Label';
  if (param === '@position') return 'Position';
  const schema = typeOf(reg, type)?.params?.[param];
  return paramTitle(param, schema);
}

/**
 * The panel's list of changes: `[{id, tone, title, changes: [{label, from, to}]}]`,
 * added first, then changed, then removed, each in document order.
 */
export function diffItems(diff, reg, doc) {
  const byId = new Map((doc?.nodes ?? []).map((n) => [n.id, n]));
  const name = (n) => n?.label || typeOf(reg, n?.type)?.label || n?.type || '';
  const out = [];
  for (const n of diff?.nodes?.added ?? []) out.push({ id: n.id, tone: 'added', title: name(n), changes: [] });
  for (const c of diff?.nodes?.changed ?? []) {
    const node = byId.get(c.id);
    out.push({
      id: c.id,
      tone: 'changed',
      title: name(node),
      changes: c.changes.map((x) => ({
        param: x.param,
        label: changeLabel(reg, node?.type, x.param),
        from: formatValue(x.from),
        to: formatValue(x.to),
      })),
    });
  }
  for (const n of diff?.nodes?.removed ?? []) out.push({ id: n.id, tone: 'removed', title: name(n), changes: [] });
  return out;
}

/** What a version side is called: 3 -> "version 3", "draft" -> "the draft". */
export const sideLabel = (side) => (side === 'draft' ? 'the draft' : `version ${side}`);
