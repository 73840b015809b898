// Dates and durations as people read them.

const UNITS = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "3 minutes ago", "just now", "in 2 days" relative to `now` (ms). */
export function relativeTime(iso, now = Date.now()) {
  const t = Date.parse(iso ?? '');
  if (Number.isNaN(t)) return '';
  const seconds = Math.round((t - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  for (const [unit, size] of UNITS) {
    if (abs >= size || unit === 'minute') {
      const n = Math.max(1, Math.round(abs / size));
      const label = `${n} ${unit}${n === 1 ? '' : 's'}`;
      return seconds < 0 ? `${label} ago` : `in ${label}`;
    }
  }
  return '';
}

/** "2026-11-25 10:00:03" in the browser's time zone (for titles and tables). */
export function absoluteTime(iso) {
  const t = new Date(iso ?? '');
  if (Number.isNaN(t.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return (
    `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ` +
    `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`
  );
}

/** 75 -> "1:15"; null -> "". */
export function duration(seconds) {
  if (seconds == null || Number.isNaN(Number(seconds))) return '';
  const s = Math.max(0, Math.round(Number(seconds)));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/**
 * The `since`/`until` query (ISO instants) of a date range picked as
 * "YYYY-MM-DD" days in the browser's time zone, both days included.
 */
export function dateRange(from, to) {
  const day = (text, plusDays = 0) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text ?? '');
    if (!m) return undefined;
    return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays).toISOString();
  };
  const out = {};
  const since = day(from);
  const until = day(to, 1);
  if (since) out.since = since;
  if (until) out.until = until;
  return out;
}

// The call log's one-word results (designer.engine.outcome), most common
// first, as people say them; the codes stay what filters and links carry.
const RESULT_LABELS = {
  connected: 'Connected',
  hangup: 'Flow hung up',
  callerhangup: 'Caller hung up',
  timeout: 'Timed out',
  busy: 'Busy',
  noanswer: 'No answer',
  failed: 'Failed',
  error: 'Error',
  unrouted: 'Not routed',
  lost: 'Lost',
};
export const CALL_RESULTS = Object.keys(RESULT_LABELS);

/** "callerhangup" -> "Caller hung up"; a code without a label is shown capitalised. */
export function resultLabel(result) {
  if (!result) return '';
  return RESULT_LABELS[result] ?? `${result.charAt(0).toUpperCase()}${result.slice(1)}`;
}
