// Floating bars over the canvas that explain what an overlay shows and let
// it be changed or closed: the live view, the heat map, a version
// comparison, the path of a call opened from the call log, and being
// signed out with changes not yet saved.

import { Eye, Flame, GitCompareArrows, LoaderCircle, LogIn, Radio, Route, X } from 'lucide-react';

import { diffSummary, sideLabel } from '../lib/diffview.js';
import { absoluteTime, resultLabel } from '../lib/format.js';
import { dropOffs, formatPercent, LEVELS, PERIODS } from '../lib/heat.js';
import { nodeName } from '../lib/transcript.js';

function Close({ label, onClick, testId }) {
  return (
    <button type="button" className="icon-btn bar-close" onClick={onClick} aria-label={label} title={label} data-testid={testId}>
      <X size={15} />
    </button>
  );
}

export function LiveBar({ live, onPick }) {
  const counts = {};
  for (const c of Object.values(live.state.calls)) counts[c.node] = (counts[c.node] ?? 0) + 1;
  const where = Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 3);
  let text;
  if (live.status === 'refused') text = live.message ?? 'The live stream was refused.';
  else if (live.status === 'connecting') text = 'Connecting…';
  else if (live.status === 'reconnecting') text = 'Reconnecting…';
  else text = live.count ? `${live.count} call${live.count === 1 ? '' : 's'} in progress` : 'No call in progress';
  return (
    <div className="canvas-bar live-bar" data-testid="live-bar" data-live-status={live.status} role="status">
      <span className={`live-dot${live.status === 'open' ? ' is-on' : ''}`} aria-hidden="true" />
      <Radio size={15} />
      <strong>Live</strong>
      <span data-testid="live-count">{text}</span>
      {where.length > 0 && (
        <span className="live-where">
          at{' '}
          {where.map(([id, n], i) => (
            <span key={id}>
              {i > 0 && ', '}
              <button type="button" className="link-btn small" onClick={() => onPick(id)}>
                {id}
              </button>
              {n > 1 ? ` (${n})` : ''}
            </span>
          ))}
          {Object.keys(counts).length > where.length ? '…' : ''}
        </span>
      )}
      <Close label="Stop the live view" onClick={live.toggle} />
    </div>
  );
}

export function HeatBar({ heat, doc, onPick }) {
  const worst = heat.stats ? dropOffs(heat.stats, doc, 1)[0] : null;
  return (
    <div className="canvas-bar heat-bar" data-testid="heat-bar">
      <Flame size={15} className="heat-icon" />
      <strong>Heat</strong>
      <div className="segmented" role="radiogroup" aria-label="Period">
        {PERIODS.map((p) => (
          <button
            key={p.id}
            type="button"
            role="radio"
            aria-checked={heat.period === p.id}
            className={heat.period === p.id ? 'is-on' : ''}
            onClick={() => heat.setPeriod(p.id)}
            data-period={p.id}
          >
            {p.label}
          </button>
        ))}
      </div>
      {heat.loading && !heat.stats ? (
        <LoaderCircle size={14} className="spin muted" />
      ) : heat.error ? (
        <span className="bar-error">{heat.error.message}</span>
      ) : heat.stats ? (
        <>
          <span data-testid="heat-calls">
            {heat.stats.calls} call{heat.stats.calls === 1 ? '' : 's'}
            {heat.stats.truncated ? ' (newest counted)' : ''}
          </span>
          <span className="heat-scale" aria-hidden="true" title="fewer calls → more calls">
            {Array.from({ length: LEVELS }, (_, i) => (
              <i key={i} className={`heat-swatch heat-${i}`} />
            ))}
          </span>
          {worst && (
            <button type="button" className="link-btn small" onClick={() => onPick(worst.id)} title="The step where most callers gave up">
              drop-off: {worst.id} {formatPercent(worst.rate)}
            </button>
          )}
        </>
      ) : null}
      <Close label="Hide the heat map" onClick={heat.toggle} />
    </div>
  );
}

export function CompareBanner({ compare, onClose }) {
  if (!compare || compare.status !== 'ready') return null;
  return (
    <div className={`canvas-banner${compare.toDoc ? ' is-read-only' : ''}`} data-testid="compare-banner">
      {compare.toDoc ? <Eye size={15} /> : <GitCompareArrows size={15} />}
      <span>
        {compare.toDoc ? (
          <>
            Viewing <strong>{sideLabel(compare.to)}</strong> (read-only), compared with {sideLabel(compare.from)}
          </>
        ) : (
          <>
            Changes since <strong>{sideLabel(compare.from)}</strong>
          </>
        )}
        : {diffSummary(compare.diff)}
      </span>
      <button type="button" className="btn btn-small" onClick={onClose}>
        {compare.toDoc ? 'Back to the draft' : 'Close'}
      </button>
    </div>
  );
}

export function CallPathBanner({ callPath, doc, onClose, onPick }) {
  if (!callPath) return null;
  const { call, path, error } = callPath;
  return (
    <div className="canvas-banner" data-testid="call-path-banner">
      <Route size={15} />
      {error ? (
        <span>Could not load the call: {error.message}</span>
      ) : !call ? (
        <span>Loading the call…</span>
      ) : (
        <span>
          Path of the call from <strong>{call.cli ?? 'unknown'}</strong> at {absoluteTime(call.startedAt)}
          {call.result ? ` (${resultLabel(call.result).toLowerCase()})` : ''}: {path.nodes.length} step{path.nodes.length === 1 ? '' : 's'}
          {path.nodes.length > 0 && (
            <>
              , ended at{' '}
              <button type="button" className="link-btn" onClick={() => onPick(path.nodes.at(-1))}>
                {nodeName(doc, path.nodes.at(-1))}
              </button>
            </>
          )}
        </span>
      )}
      <Close label="Hide the call's path" onClick={onClose} testId="close-call-path" />
    </div>
  );
}

/** Signed out with changes not yet saved: sign in in another tab, the changes are saved from here. */
export function SignedOutBanner({ loginUrl, onRetry }) {
  if (!loginUrl) return null;
  return (
    <div className="canvas-banner is-signed-out" role="alert" data-testid="signed-out">
      <LogIn size={15} />
      <span>
        <strong>You are signed out</strong>, and your latest changes are not saved yet.{' '}
        <a href={loginUrl} target="_blank" rel="noopener" data-testid="sign-in-again">
          Sign in again
        </a>{' '}
        in a new tab: they are saved as soon as you are back here.
      </span>
      <button type="button" className="btn btn-small" onClick={onRetry} data-testid="retry-save">
        Save now
      </button>
    </div>
  );
}
