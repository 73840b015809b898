// The "Versions" tab: the published history (number, when, who, comment),
// roll back, and the comparison of two versions (or a version and the
// draft) drawn on the canvas with its parameter changes listed here.
// Publishing and rolling back need the publisher role: for anyone else the
// buttons are disabled and say so.

import { useEffect, useState } from 'react';
import { GitCompareArrows, History, LoaderCircle, RotateCcw, X } from 'lucide-react';

import { diffItems, diffSummary, formatValue, isEmptyDiff, sideLabel } from '../lib/diffview.js';
import { absoluteTime, relativeTime } from '../lib/format.js';
import { ErrorNotice } from '../ui/ErrorNotice.jsx';
import { useAccess } from '../ui/useAccess.js';

const META_LABELS = { name: 'Name', locale: 'Default voice', description: 'Description', notes: 'Sticky notes' };

export function VersionsPanel({ versions: v, doc, reg, latestVersion, onRollback, onPick, onPublish }) {
  const { versions, compare } = v;
  const numbers = (versions ?? []).map((x) => x.number);
  const [from, setFrom] = useState(null);
  const [to, setTo] = useState('draft');
  const access = useAccess();
  const cannotPublish = access.why('publish', 'publishing');
  const cannotRollBack = access.why('publish', 'rolling back');

  useEffect(() => {
    if (from === null && numbers.length) setFrom(numbers[0]);
  }, [from, numbers]);

  if (v.error) return <div className="panel-pad"><ErrorNotice error={v.error} title="Could not load the versions" /></div>;
  if (versions === null) return <div className="loading">Loading versions…</div>;

  if (!versions.length) {
    return (
      <div className="panel-pad panel-empty" data-testid="versions-panel">
        <History size={28} className="muted" />
        <p>No published version yet.</p>
        <p className="muted small">
          Publishing makes the draft a numbered version: the one calls run. Versions can be compared
          with the draft and rolled back to.
        </p>
        <span title={cannotPublish ?? undefined}>
          <button type="button" className="btn btn-small" onClick={onPublish} disabled={Boolean(cannotPublish)}>
            Publish the draft…
          </button>
        </span>
      </div>
    );
  }

  return (
    <div className="versions" data-testid="versions-panel">
      <form
        className="compare-bar"
        onSubmit={(ev) => {
          ev.preventDefault();
          if (from !== null) v.open(from, to);
        }}
      >
        <label className="compare-side">
          <span className="field-label">Compare</span>
          <select className="input input-small" value={from ?? ''} onChange={(ev) => setFrom(Number(ev.target.value))} aria-label="Older side">
            {numbers.map((n) => (
              <option key={n} value={n}>
                v{n}
              </option>
            ))}
          </select>
        </label>
        <span className="compare-arrow">→</span>
        <label className="compare-side">
          <span className="field-label">with</span>
          <select
            className="input input-small"
            value={to}
            onChange={(ev) => setTo(ev.target.value === 'draft' ? 'draft' : Number(ev.target.value))}
            aria-label="Newer side"
          >
            <option value="draft">the draft</option>
            {numbers.map((n) => (
              <option key={n} value={n}>
                v{n}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn btn-small" disabled={from === null || from === to} data-testid="compare">
          <GitCompareArrows size={14} /> Show
        </button>
      </form>

      {compare && <Comparison compare={compare} doc={doc} reg={reg} onClose={v.close} onPick={onPick} />}

      <ol className="version-list">
        {versions.map((ver) => {
          const comparing = compare && compare.from === ver.number && compare.to === 'draft';
          return (
            <li key={ver.number} className={`version${comparing ? ' is-comparing' : ''}`} data-version={ver.number}>
              <div className="version-head">
                <span className="version-number">v{ver.number}</span>
                {ver.number === latestVersion && <span className="pill pill-ok">live</span>}
                <span className="version-when" title={absoluteTime(ver.publishedAt)}>
                  {relativeTime(ver.publishedAt)}
                </span>
              </div>
              <p className={`version-comment${ver.comment ? '' : ' muted'}`}>{ver.comment || 'No comment'}</p>
              <div className="version-foot">
                <span className="muted small">by {ver.publishedBy || 'unknown'}</span>
                <span className="version-actions">
                  <button
                    type="button"
                    className="btn btn-ghost btn-small"
                    onClick={() => v.open(ver.number, 'draft')}
                    title={`What changed in the draft since version ${ver.number}`}
                    data-testid={`compare-${ver.number}`}
                  >
                    <GitCompareArrows size={14} /> Diff
                  </button>
                  <button
                    type="button"
                    className="btn btn-ghost btn-small"
                    onClick={() => onRollback(ver)}
                    disabled={Boolean(cannotRollBack)}
                    title={cannotRollBack ?? `Make version ${ver.number} the draft again`}
                    data-testid={`rollback-${ver.number}`}
                  >
                    <RotateCcw size={14} /> Roll back
                  </button>
                </span>
              </div>
            </li>
          );
        })}
      </ol>
    </div>
  );
}

function Comparison({ compare, doc, reg, onClose, onPick }) {
  const head = (
    <div className="comparison-head">
      <strong>
        {sideLabel(compare.from)} → {sideLabel(compare.to)}
      </strong>
      <button type="button" className="icon-btn" onClick={onClose} aria-label="Close the comparison" data-testid="close-compare">
        <X size={16} />
      </button>
    </div>
  );
  if (compare.status === 'loading') {
    return (
      <section className="comparison">
        {head}
        <p className="muted small">
          <LoaderCircle size={13} className="spin" /> Comparing…
        </p>
      </section>
    );
  }
  if (compare.status === 'error') {
    return (
      <section className="comparison">
        {head}
        <ErrorNotice error={compare.error} title="Could not compare" />
      </section>
    );
  }
  const shown = compare.toDoc ?? doc;
  const items = diffItems(compare.diff, reg, shown);
  const removedDoc = compare.fromDoc;
  const meta = Object.entries(compare.diff.meta ?? {});
  return (
    <section className="comparison" data-testid="comparison">
      {head}
      <p className="comparison-summary" data-testid="diff-summary">
        {diffSummary(compare.diff)}
      </p>
      {!isEmptyDiff(compare.diff) && (
        <div className="diff-legend" aria-hidden="true">
          <span className="legend-item"><i className="swatch swatch-added" /> added</span>
          <span className="legend-item"><i className="swatch swatch-changed" /> changed</span>
          <span className="legend-item"><i className="swatch swatch-removed" /> removed</span>
        </div>
      )}
      <ul className="diff-list">
        {items.map((item) => {
          const named = item.tone === 'removed' ? removedDoc?.nodes.find((n) => n.id === item.id) : null;
          return (
            <li key={`${item.tone}-${item.id}`} className={`diff-item diff-${item.tone}`} data-diff-node={item.id} data-diff-tone={item.tone}>
              <button type="button" className="diff-item-head" onClick={() => onPick(item.id, item.tone === 'removed')}>
                <i className={`swatch swatch-${item.tone}`} />
                <span className="diff-title">{item.title || named?.type}</span>
                <code>{item.id}</code>
                <span className="diff-tone">{item.tone}</span>
              </button>
              {item.changes.length > 0 && (
                <dl className="param-changes">
                  {item.changes.map((c) => (
                    <div key={c.param} className="param-change" data-param={c.param}>
                      <dt>{c.label}</dt>
                      <dd>
                        <span className="old-value">{c.from}</span>
                        <span className="change-arrow">→</span>
                        <span className="new-value">{c.to}</span>
                      </dd>
                    </div>
                  ))}
                </dl>
              )}
            </li>
          );
        })}
        {meta.map(([field, change]) => (
          <li key={`meta-${field}`} className="diff-item diff-changed">
            <div className="diff-item-head">
              <i className="swatch swatch-changed" />
              <span className="diff-title">Flow · {META_LABELS[field] ?? field}</span>
            </div>
            <dl className="param-changes">
              <div className="param-change">
                <dt>{META_LABELS[field] ?? field}</dt>
                <dd>
                  <span className="old-value">{formatValue(change.from)}</span>
                  <span className="change-arrow">→</span>
                  <span className="new-value">{formatValue(change.to)}</span>
                </dd>
              </div>
            </dl>
          </li>
        ))}
      </ul>
      {compare.toDoc && (
        <p className="muted small">The canvas shows {sideLabel(compare.to)}, read-only, until you close the comparison.</p>
      )}
    </section>
  );
}
