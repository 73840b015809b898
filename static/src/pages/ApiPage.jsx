// "/api-docs" — the REST API as a readable reference, drawn from the server's
// own OpenAPI description (GET /api/openapi.json, linked for tools): the
// endpoints by subject, each opening to its parameters, body and answers.

import { useEffect, useMemo, useState } from 'react';
import { FileJson, Search } from 'lucide-react';

import { api } from '../lib/api.js';
import { filterOutline, outline } from '../lib/openapi.js';
import { ErrorNotice } from '../ui/ErrorNotice.jsx';

const SPEC_URL = '/api/openapi.json';

function Fields({ caption, rows, location = false }) {
  if (!rows?.length) return null;
  return (
    <table className="api-fields">
      <caption>{caption}</caption>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.in ?? ''}:${r.name}`}>
            <th scope="row">
              <code>{r.name}</code>
              {r.required && (
                <span className="req" title="Required">
                  *
                </span>
              )}
            </th>
            <td className="api-type">
              {location && <span className="muted">{r.in} · </span>}
              {r.type}
            </td>
            <td>{r.description}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Operation({ op }) {
  return (
    <details className="api-op" data-op={`${op.method} ${op.path}`}>
      <summary>
        <span className={`api-method api-${op.method.toLowerCase()}`}>{op.method}</span>
        <code className="api-path">{op.path}</code>
        <span className="api-summary">{op.summary}</span>
        {op.permission && (
          <span className="pill" title={`Needs the ${op.permission} role when login is required`}>
            {op.permission}
          </span>
        )}
      </summary>
      <div className="api-op-body">
        {op.description && <p>{op.description}</p>}
        <Fields caption="Parameters" rows={op.params} location />
        {op.body && (
          <>
            <p className="api-body-line">
              <strong>Body</strong> ({op.body.required ? 'required' : 'optional'}): <code>{op.body.type}</code> as JSON
            </p>
            <Fields caption="Body fields" rows={op.body.fields} />
          </>
        )}
        <ul className="api-responses" aria-label="Answers">
          {op.responses.map((r) => (
            <li key={r.status}>
              <code className={`api-status api-status-${r.status[0]}`}>{r.status}</code> {r.description}
            </li>
          ))}
        </ul>
      </div>
    </details>
  );
}

export function ApiPage() {
  const [spec, setSpec] = useState(null);
  const [error, setError] = useState(null);
  const [query, setQuery] = useState('');

  useEffect(() => {
    api
      .openapi()
      .then(({ data }) => setSpec(data))
      .catch(setError);
  }, []);

  const sections = useMemo(() => (spec ? outline(spec) : []), [spec]);
  const shown = useMemo(() => filterOutline(sections, query), [sections, query]);
  const count = sections.reduce((n, s) => n + s.operations.length, 0);

  return (
    <div className="page api-page">
      <div className="page-head">
        <div>
          <h1>REST API</h1>
          <p className="muted">
            JSON under <code>/api/</code>: what the editor, the notebooks and your scripts use. Send bodies as{' '}
            <code>Content-Type: application/json</code>; scripts sign in with{' '}
            <code>Authorization: Bearer &lt;token&gt;</code> (<code>designer token create NAME</code>). Every error
            is <code>{'{"error": {"code", "message", "details"}}'}</code>.
          </p>
        </div>
        <div className="actions">
          <a className="btn" href={SPEC_URL} title="The OpenAPI 3.1 description, for code generators and API tools">
            <FileJson size={16} /> OpenAPI JSON
          </a>
        </div>
      </div>

      {error && <ErrorNotice error={error} title="Could not load the API description" />}
      {!spec && !error && <div className="loading">Loading the API description…</div>}

      {spec && (
        <>
          <label className="api-filter">
            <Search size={15} aria-hidden="true" />
            <input
              className="input"
              type="search"
              value={query}
              onChange={(ev) => setQuery(ev.target.value)}
              placeholder={`Filter ${count} endpoints, e.g. "publish" or "calls"`}
              aria-label="Filter endpoints"
            />
          </label>
          {shown.length === 0 && (
            <div className="empty">
              <h2>No endpoint matches “{query}”</h2>
              <p className="muted">Try a word of its path or of what it does.</p>
            </div>
          )}
          {shown.map((s) => (
            <section key={s.tag} className="api-section" aria-labelledby={`api-${s.tag}`}>
              <h2 id={`api-${s.tag}`}>{s.title}</h2>
              {s.operations.map((op) => (
                <Operation key={op.id} op={op} />
              ))}
            </section>
          ))}
        </>
      )}
    </div>
  );
}
