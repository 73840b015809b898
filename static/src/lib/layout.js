// Placing nodes that have no position yet.
//
// The server's auto-layout (Graphviz, POST /api/flows/<id>/layout) is the
// real layout; this is the local fallback used when a flow is opened with
// nodes lacking a `position` and the server cannot be asked (e.g. an
// unsaved import): columns by distance from the start, left to right.

export const COLUMN = 320;
export const ROW = 170;

export const missingPositions = (doc) => doc.nodes.some((n) => !n.position);

/** Positions `{id: {x, y}}` for the nodes of `doc` that have none. */
export function fallbackLayout(doc) {
  const out = new Map(doc.nodes.map((n) => [n.id, []]));
  for (const e of doc.edges) if (out.has(e.from) && out.has(e.to)) out.get(e.from).push(e);
  const depth = new Map();
  const roots = doc.nodes.filter((n) => n.type === 'start').map((n) => n.id);
  const queue = [...roots];
  roots.forEach((id) => depth.set(id, 0));
  while (queue.length) {
    const id = queue.shift();
    for (const e of out.get(id)) {
      if (!depth.has(e.to)) {
        depth.set(e.to, depth.get(id) + 1);
        queue.push(e.to);
      }
    }
  }
  // Unreachable nodes go in one column after the rest.
  const maxDepth = Math.max(0, ...depth.values());
  const placedX = doc.nodes.filter((n) => n.position).map((n) => n.position.x);
  const originX = placedX.length ? Math.max(...placedX) + COLUMN : 0;
  const rows = new Map();
  const positions = {};
  for (const n of doc.nodes) {
    if (n.position) continue;
    const col = depth.has(n.id) ? depth.get(n.id) : maxDepth + 1;
    const row = rows.get(col) ?? 0;
    rows.set(col, row + 1);
    positions[n.id] = { x: (placedX.length ? originX : 0) + col * COLUMN, y: row * ROW };
  }
  return positions;
}

