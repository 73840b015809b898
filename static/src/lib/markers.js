// Where validation findings are drawn on the canvas.
//
// The server's findings ({severity, code, node, port, message}) describe the
// document that was posted; the user may have edited since.  Placement is
// therefore done against the *current* document: findings about nodes that
// no longer exist are dropped, and a dead end whose port has been connected
// in the meantime is not drawn, so the canvas never lags behind a fix.

import { edgePort } from './document.js';

const RANK = { error: 2, warning: 1 };

const worse = (a, b) => ((RANK[b] ?? 0) > (RANK[a] ?? 0) ? b : a);

/** The findings that still apply to `doc`. */
export function currentFindings(findings, doc) {
  const ids = new Set(doc.nodes.map((n) => n.id));
  const connected = new Set(doc.edges.map((e) => `${e.from}\u0000${edgePort(e)}`));
  return (findings ?? []).filter((f) => {
    if (f.node != null && !ids.has(f.node) && f.code !== 'dangling-edge') return false;
    if (f.code === 'dead-end' && f.node && f.port && connected.has(`${f.node}\u0000${f.port}`)) {
      return false;
    }
    return true;
  });
}

/**
 * Group findings by node and port for drawing:
 * `{nodes: {id: {severity, unreachable, findings, ports: {port: {severity, findings}}}},
 *   general: [findings about no existing node], errors, warnings, list}`
 * where `list` is every applicable finding, errors first, in document order.
 */
export function placeMarkers(findings, doc) {
  const applicable = currentFindings(findings, doc);
  const order = new Map(doc.nodes.map((n, i) => [n.id, i]));
  const nodes = {};
  const general = [];
  let errors = 0;
  let warnings = 0;
  for (const f of applicable) {
    if (f.severity === 'error') errors += 1;
    else warnings += 1;
    if (f.node == null || !order.has(f.node)) {
      general.push(f);
      continue;
    }
    const m = (nodes[f.node] ??= { severity: null, unreachable: false, findings: [], ports: {} });
    m.findings.push(f);
    if (f.code === 'unreachable') {
      // Greyed out rather than painted red: the node itself is fine.
      m.unreachable = true;
      continue;
    }
    m.severity = worse(m.severity, f.severity);
    if (f.port) {
      const p = (m.ports[f.port] ??= { severity: null, findings: [] });
      p.severity = worse(p.severity, f.severity);
      p.findings.push(f);
    }
  }
  const list = [...applicable].sort(
    (a, b) =>
      (RANK[b.severity] ?? 0) - (RANK[a.severity] ?? 0) ||
      (order.get(a.node) ?? -1) - (order.get(b.node) ?? -1),
  );
  return { nodes, general, errors, warnings, list };
}

/** Why Publish is disabled, or null when it may be pressed. */
export function publishBlocker(markers, { saveState = 'saved', checkError = null } = {}) {
  if (markers.errors > 0) {
    const n = markers.errors;
    return `Fix ${n} error${n === 1 ? '' : 's'} before publishing.`;
  }
  if (checkError) return `The flow could not be checked: ${checkError.message}`;
  if (saveState === 'conflict') return 'Resolve the edit conflict before publishing.';
  return null;
}
