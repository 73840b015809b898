// The heat overlay: how many calls reached each node over a period, and
// where callers gave up, from GET /api/flows/<id>/stats.
//
// The server counts (designer/web/api/stats.py: per node `calls` reached,
// `visits`, `ended` there, `dropped` = ended by the caller hanging up or
// timing out); this module turns the counts into tints, badges and the
// drop-off list of the panel.  Pure, so the scale is tested without a browser.

export const PERIODS = [
  { id: 'hour', label: 'Last hour', ms: 3600 * 1000 },
  { id: 'day', label: 'Last day', ms: 24 * 3600 * 1000 },
  { id: 'week', label: 'Last week', ms: 7 * 24 * 3600 * 1000 },
];

export const LEVELS = 5;

/** ISO start of `period` ("hour" | "day" | "week") before `now` (ms). */
export function periodSince(period, now = Date.now()) {
  const p = PERIODS.find((x) => x.id === period) ?? PERIODS[1];
  return new Date(now - p.ms).toISOString();
}

/** Tint level 0..LEVELS-1 of a node reached by `n` calls when the busiest had `max`. */
export function heatLevel(n, max) {
  if (!(n > 0) || !(max > 0)) return null;
  return Math.min(LEVELS - 1, Math.floor((n / max) * LEVELS - 1e-9));
}

/** Share of the calls reaching a node that gave up there (0..1). */
export const dropRate = (entry) => (entry?.calls ? (entry.dropped ?? 0) / entry.calls : 0);

/** 0.123 -> "12%"; tiny but non-zero rates read "<1%". */
export function formatPercent(rate) {
  if (!(rate > 0)) return '0%';
  if (rate < 0.01) return '<1%';
  return `${Math.round(rate * 100)}%`;
}

/** The overlay of `stats` over `doc`: nodes of the flow tinted by traffic, badged with counts. */
export function heatOverlay(stats, doc) {
  const entries = stats?.nodes ?? {};
  const ids = new Set((doc?.nodes ?? []).map((n) => n.id));
  const max = Math.max(0, ...Object.entries(entries).filter(([id]) => ids.has(id)).map(([, e]) => e.calls ?? 0));
  const nodes = {};
  for (const [id, e] of Object.entries(entries)) {
    const level = heatLevel(e.calls, max);
    if (!ids.has(id) || level === null) continue;
    const rate = dropRate(e);
    nodes[id] = {
      tone: `heat-${level}`,
      badge: e.dropped ? `${e.calls} · ↓${formatPercent(rate)}` : String(e.calls),
      title:
        `${e.calls} call${e.calls === 1 ? '' : 's'} reached this step (${e.visits} visit${e.visits === 1 ? '' : 's'}); ` +
        `${e.ended} ended here, ${e.dropped} by the caller giving up`,
    };
  }
  return { nodes };
}

/** Where callers gave up most: `[{id, calls, dropped, rate}]`, biggest drop first. */
export function dropOffs(stats, doc, limit = 5) {
  const ids = new Set((doc?.nodes ?? []).map((n) => n.id));
  return Object.entries(stats?.nodes ?? {})
    .filter(([id, e]) => ids.has(id) && e.dropped > 0)
    .map(([id, e]) => ({ id, calls: e.calls, dropped: e.dropped, rate: dropRate(e) }))
    .sort((a, b) => b.dropped - a.dropped || b.rate - a.rate || a.id.localeCompare(b.id))
    .slice(0, limit);
}
