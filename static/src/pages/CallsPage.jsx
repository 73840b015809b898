// "/calls" — the call log: filter (flow, number, result, kind, dates), page,
// open one call's timeline, and open its flow with the call's path drawn.

import { Fragment, useEffect, useState } from 'react';
import { ChevronDown, ChevronRight, PhoneCall, Route } from 'lucide-react';

import { api } from '../lib/api.js';
import { absoluteTime, CALL_RESULTS, dateRange, duration, relativeTime, resultLabel } from '../lib/format.js';
import { describeEvent, pathOf } from '../lib/trace.js';
import { ErrorNotice } from '../ui/ErrorNotice.jsx';

const PAGE_SIZE = 50;
const EMPTY_FILTERS = { flow: '', number: '', result: '', simulated: '', from: '', to: '' };

/** Filters from the page's query string, so a filtered log can be linked. */
function filtersFromUrl() {
  const params = new URLSearchParams(window.location.search);
  const out = { ...EMPTY_FILTERS };
  for (const key of Object.keys(out)) out[key] = params.get(key) ?? '';
  return out;
}

export function CallsPage() {
  const [filters, setFilters] = useState(filtersFromUrl);
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState(null);
  const [flows, setFlows] = useState([]);
  const [error, setError] = useState(null);
  const [open, setOpen] = useState(null);

  useEffect(() => {
    api
      .listFlows()
      .then(({ data }) => setFlows(data.items ?? []))
      .catch(() => setFlows([]));
  }, []);

  useEffect(() => {
    let cancelled = false;
    const { from, to, ...rest } = filters;
    const query = { ...rest, ...dateRange(from, to), limit: PAGE_SIZE, offset };
    const url = new URL(window.location.href);
    for (const [k, v] of Object.entries(filters)) {
      if (v) url.searchParams.set(k, v);
      else url.searchParams.delete(k);
    }
    window.history.replaceState(null, '', url);
    api
      .listCalls(query)
      .then(({ data }) => {
        if (!cancelled) {
          setPage(data);
          setError(null);
        }
      })
      .catch((err) => !cancelled && setError(err));
    return () => {
      cancelled = true;
    };
  }, [filters, offset]);

  const set = (key) => (ev) => {
    setOffset(0);
    setFilters((f) => ({ ...f, [key]: ev.target.value }));
  };
  const flowName = (id) => flows.find((f) => f.id === id)?.name ?? id;
  const total = page?.total ?? 0;
  const filtered = Object.values(filters).some(Boolean);
  const clear = () => {
    setOffset(0);
    setFilters(EMPTY_FILTERS);
  };
  const toggle = (callid) => setOpen(open === callid ? null : callid);

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Call log</h1>
          <p className="muted">Every call the flows answered, newest first, real and simulated.</p>
        </div>
      </div>

      <form className="filters" onSubmit={(ev) => ev.preventDefault()} aria-label="Filter calls">
        <label className="field field-inline">
          <span className="field-label">Flow</span>
          <select className="input" value={filters.flow} onChange={set('flow')}>
            <option value="">All flows</option>
            {flows.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field field-inline">
          <span className="field-label">Called number</span>
          <input className="input" value={filters.number} onChange={set('number')} placeholder="+46…" />
        </label>
        <label className="field field-inline field-fit">
          <span className="field-label">Result</span>
          <select className="input" value={filters.result} onChange={set('result')}>
            <option value="">Any result</option>
            {[...CALL_RESULTS, ...(filters.result && !CALL_RESULTS.includes(filters.result) ? [filters.result] : [])].map((r) => (
              <option key={r} value={r}>
                {resultLabel(r)}
              </option>
            ))}
          </select>
        </label>
        <label className="field field-inline field-date">
          <span className="field-label">From</span>
          <input className="input" type="date" value={filters.from} max={filters.to || undefined} onChange={set('from')} aria-label="Calls started on or after" />
        </label>
        <label className="field field-inline field-date">
          <span className="field-label">To</span>
          <input className="input" type="date" value={filters.to} min={filters.from || undefined} onChange={set('to')} aria-label="Calls started on or before" />
        </label>
        <label className="field field-inline field-fit">
          <span className="field-label">Kind</span>
          <select className="input" value={filters.simulated} onChange={set('simulated')}>
            <option value="">Real and simulated</option>
            <option value="false">Real calls</option>
            <option value="true">Simulated calls</option>
          </select>
        </label>
        {filtered && (
          <button type="button" className="btn btn-ghost" onClick={clear}>
            Clear filters
          </button>
        )}
      </form>

      {error && <ErrorNotice error={error} title="Could not load the call log" />}
      {page === null && !error && <div className="loading">Loading calls…</div>}

      {page?.items?.length === 0 && (
        <div className="empty">
          <PhoneCall size={40} className="empty-icon" />
          <h2>No calls {filtered ? 'match these filters' : 'yet'}</h2>
          {filtered ? (
            <p className="muted">Widen the dates, pick another flow, result or kind, or clear the filters.</p>
          ) : (
            <p className="muted">
              Calls appear here when Sinch calls the callback URL of a published flow, or when you
              simulate a call.
            </p>
          )}
        </div>
      )}

      {page?.items?.length > 0 && (
        <>
          <table className="table calls-table">
            <thead>
              <tr>
                <th aria-label="Details" />
                <th>Started</th>
                <th>Flow</th>
                <th>From</th>
                <th>To</th>
                <th>Result</th>
                <th className="num">Duration</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((c) => (
                <Fragment key={c.callid}>
                  <tr className="clickable" data-callid={c.callid} onClick={() => toggle(c.callid)}>
                    <td>
                      {/* The row is clickable for the mouse; this button is how the keyboard opens it. */}
                      <button
                        type="button"
                        className="icon-btn row-toggle"
                        aria-expanded={open === c.callid}
                        aria-label={`${open === c.callid ? 'Hide' : 'Show'} the events of the call from ${c.cli ?? 'an unknown number'}`}
                        onClick={(ev) => {
                          ev.stopPropagation();
                          toggle(c.callid);
                        }}
                      >
                        {open === c.callid ? <ChevronDown size={16} /> : <ChevronRight size={16} />}
                      </button>
                    </td>
                    <td title={absoluteTime(c.startedAt)}>{relativeTime(c.startedAt)}</td>
                    <td>
                      {c.flow ? <a href={`/flows/${encodeURIComponent(c.flow)}`} onClick={(ev) => ev.stopPropagation()}>{flowName(c.flow)}</a> : '—'}
                      {c.version ? <span className="muted"> v{c.version}</span> : null}
                      {c.simulated && <span className="pill pill-info">simulated</span>}
                    </td>
                    <td>{c.cli ?? '—'}</td>
                    <td>{c.to ?? '—'}</td>
                    <td>
                      {c.state === 'active' ? (
                        <span className="pill pill-info">in progress</span>
                      ) : (
                        <span title={c.reason ? `Sinch's reason: ${c.reason}` : undefined}>{c.result ? resultLabel(c.result) : c.reason ?? '—'}</span>
                      )}
                    </td>
                    <td className="num">{duration(c.duration)}</td>
                  </tr>
                  {open === c.callid && (
                    <tr className="detail-row">
                      <td colSpan={7}>
                        <CallDetail callid={c.callid} flowName={c.flow ? flowName(c.flow) : null} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
          <div className="pager">
            <span className="muted">
              {offset + 1}–{Math.min(offset + PAGE_SIZE, total)} of {total}
            </span>
            <button type="button" className="btn btn-small" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
              Newer
            </button>
            <button type="button" className="btn btn-small" disabled={offset + PAGE_SIZE >= total} onClick={() => setOffset(offset + PAGE_SIZE)}>
              Older
            </button>
          </div>
        </>
      )}
    </div>
  );
}

function CallDetail({ callid, flowName }) {
  const [call, setCall] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api
      .getCall(callid)
      .then(({ data }) => setCall(data))
      .catch(setError);
  }, [callid]);
  if (error) return <ErrorNotice error={error} />;
  if (!call) return <div className="loading">Loading events…</div>;
  const events = call.events ?? [];
  const path = pathOf(events);
  const t0 = Date.parse(events[0]?.ts ?? call.startedAt);
  return (
    <div className="call-detail" data-testid="call-detail">
      <div className="call-detail-head">
        <div className="muted small">
          Call id <code>{call.callid}</code>
          {call.reason ? ` · ended: ${call.reason}` : ''}
        </div>
        {call.flow && (
          <a
            className="btn btn-small"
            href={`/flows/${encodeURIComponent(call.flow)}?call=${encodeURIComponent(call.callid)}`}
            data-testid="open-path"
            title={`Open ${flowName ?? call.flow} with this call's path drawn on the canvas`}
          >
            <Route size={14} /> Show the path in the editor
          </a>
        )}
      </div>
      {path.nodes.length > 0 && (
        <ol className="path-chips" aria-label="Steps the call went through" data-testid="call-path">
          {path.nodes.map((n, i) => (
            <li key={`${n}-${i}`}>
              <code>{n}</code>
              {path.ports[i + 1] && path.ports[i + 1] !== 'next' && <span className="path-port">{path.ports[i + 1]}</span>}
            </li>
          ))}
        </ol>
      )}
      <ol className="events timeline">
        {events.map((e) => {
          const offset = (Date.parse(e.ts) - t0) / 1000;
          return (
            <li key={e.seq} className={`event event-${e.kind}`}>
              <span className="event-time" title={absoluteTime(e.ts)}>
                +{Number.isFinite(offset) ? offset.toFixed(offset < 10 ? 3 : 1) : '?'} s
              </span>
              <span className="event-dot" aria-hidden="true" />
              <span className={`pill event-kind kind-${e.kind}`}>{e.kind}</span>
              {e.node ? <code className="event-where">{e.node}</code> : <span />}
              <span className="event-data">{describeEvent(e)}</span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
