// "/" — the flow list: open, create, import, duplicate, export, delete.
// Creating, importing, duplicating and deleting need the editor role: for a
// viewer those buttons are disabled with the reason (row actions left out).

import { useCallback, useEffect, useRef, useState } from 'react';
import { Copy, Download, FileJson, Plus, Trash2, Upload, Workflow } from 'lucide-react';

import { api, ApiError } from '../lib/api.js';
import { copyName, NAME_MAX, newDocument } from '../lib/document.js';
import { readFlowFile } from '../lib/files.js';
import { absoluteTime, relativeTime } from '../lib/format.js';
import { ErrorNotice } from '../ui/ErrorNotice.jsx';
import { Modal } from '../ui/Modal.jsx';
import { useToast } from '../ui/Toasts.jsx';
import { useAccess } from '../ui/useAccess.js';

const editorUrl = (id) => `/flows/${encodeURIComponent(id)}`;

export function FlowsPage() {
  const [flows, setFlows] = useState(null);
  const [error, setError] = useState(null);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState(null);
  const [importError, setImportError] = useState(null);
  const fileRef = useRef(null);
  const notify = useToast();
  const cannotEdit = useAccess().why('edit', 'creating and changing flows');

  const reload = useCallback(async () => {
    try {
      const { data } = await api.listFlows();
      setFlows(data.items ?? []);
      setError(null);
    } catch (err) {
      setError(err);
    }
  }, []);

  useEffect(() => {
    reload();
  }, [reload]);

  const onImport = async (ev) => {
    const file = ev.target.files?.[0];
    ev.target.value = '';
    if (!file) return;
    setImportError(null);
    try {
      const doc = await readFlowFile(file);
      const { data } = await api.createFlow(doc);
      notify(`Imported "${data.name}".`, { tone: 'ok' });
      await reload();
    } catch (err) {
      setImportError({ error: err, file: file.name });
    }
  };

  const duplicate = async (flow) => {
    try {
      const { data } = await api.getFlow(flow.id);
      const copy = { ...data.document, name: copyName(data.name) };
      const created = await api.createFlow(copy);
      notify(`Created "${created.data.name}".`, { tone: 'ok' });
      await reload();
    } catch (err) {
      notify(`Could not duplicate: ${err.message}`, { tone: 'error' });
    }
  };

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Call flows</h1>
          <p className="muted">Design what callers hear and where their calls go.</p>
        </div>
        <div className="actions">
          <input
            ref={fileRef}
            type="file"
            accept=".json,application/json"
            hidden
            onChange={onImport}
            data-testid="import-file"
          />
          <button
            type="button"
            className="btn"
            onClick={() => fileRef.current?.click()}
            disabled={Boolean(cannotEdit)}
            title={cannotEdit ?? 'Create a flow from a flow document (callflow/1 JSON)'}
          >
            <Upload size={16} /> Import JSON
          </button>
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => setCreating(true)}
            disabled={Boolean(cannotEdit)}
            title={cannotEdit ?? undefined}
          >
            <Plus size={16} /> New flow
          </button>
        </div>
      </div>

      {importError && (
        <ErrorNotice error={importError.error} title={`Could not import ${importError.file}`}>
          <button type="button" className="btn btn-small" onClick={() => setImportError(null)}>
            Dismiss
          </button>
        </ErrorNotice>
      )}
      {error && <ErrorNotice error={error} title="Could not load the flows" />}

      {flows === null && !error && <div className="loading">Loading flows…</div>}

      {flows?.length === 0 && (
        <div className="empty">
          <Workflow size={40} className="empty-icon" />
          <h2>No call flows yet</h2>
          <p className="muted">
            Create a flow to start from an incoming call, or import a flow document (callflow/1
            JSON). The bundled examples are loaded with <code>designer examples load</code>.
          </p>
          <div className="actions">
            <button type="button" className="btn" onClick={() => fileRef.current?.click()} disabled={Boolean(cannotEdit)} title={cannotEdit ?? undefined}>
              <Upload size={16} /> Import JSON
            </button>
            <button type="button" className="btn btn-primary" onClick={() => setCreating(true)} disabled={Boolean(cannotEdit)} title={cannotEdit ?? undefined}>
              <Plus size={16} /> New flow
            </button>
          </div>
        </div>
      )}

      {flows?.length > 0 && (
        <table className="table flows-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Updated</th>
              <th>Published</th>
              <th className="num">Nodes</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {flows.map((f) => (
              <tr key={f.id} data-flow-id={f.id}>
                <td className="flow-name-cell">
                  <a className="flow-link" href={editorUrl(f.id)} title={f.name}>
                    <FileJson size={16} />
                    <span className="flow-link-name">{f.name}</span>
                  </a>
                </td>
                <td title={absoluteTime(f.updatedAt)}>{relativeTime(f.updatedAt)}</td>
                <td>
                  {f.latestVersion ? (
                    <span className="pill pill-ok">v{f.latestVersion}</span>
                  ) : (
                    <span className="pill">draft only</span>
                  )}
                </td>
                <td className="num">{f.nodeCount}</td>
                <td className="row-actions">
                  {!cannotEdit && (
                    <button type="button" className="btn btn-ghost btn-small" onClick={() => duplicate(f)} title="Duplicate">
                      <Copy size={15} /> Duplicate
                    </button>
                  )}
                  <a className="btn btn-ghost btn-small" href={api.exportUrl(f.id, 'json')} title="Download the flow document">
                    <Download size={15} /> Export
                  </a>
                  {!cannotEdit && (
                    <button type="button" className="btn btn-ghost btn-small btn-danger" onClick={() => setDeleting(f)} title="Delete">
                      <Trash2 size={15} /> Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {creating && <CreateDialog onClose={() => setCreating(false)} />}
      {deleting && (
        <DeleteDialog
          flow={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={async () => {
            notify(`Deleted "${deleting.name}".`, { tone: 'ok' });
            setDeleting(null);
            await reload();
          }}
        />
      )}
    </div>
  );
}

function CreateDialog({ onClose }) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const submit = async (ev) => {
    ev.preventDefault();
    if (!name.trim()) {
      setError(new ApiError(400, 'name', 'Give the flow a name.'));
      return;
    }
    setBusy(true);
    try {
      const { data } = await api.createFlow(newDocument(name.trim()));
      window.location.assign(editorUrl(data.id));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Modal title="New call flow" onClose={onClose} testId="create-dialog">
      <form onSubmit={submit} className="form">
        <label className="field">
          <span className="field-label">Name</span>
          <input
            className="input"
            value={name}
            maxLength={NAME_MAX}
            onChange={(ev) => setName(ev.target.value)}
            placeholder="e.g. Support line"
            autoFocus
          />
        </label>
        <p className="muted small">The flow starts with its incoming-call node; add steps from the palette.</p>
        <ErrorNotice error={error} />
        <div className="modal-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create and open'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function DeleteDialog({ flow, onClose, onDeleted }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const confirm = async () => {
    setBusy(true);
    try {
      await api.deleteFlow(flow.id, `"${flow.revision}"`);
      onDeleted();
    } catch (err) {
      if (err.status === 409) {
        err.message = 'The flow was changed since this list was loaded. Reload the page and try again.';
      }
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Modal title="Delete this flow?" onClose={onClose} testId="delete-dialog">
      <p>
        <strong>{flow.name}</strong> will be deleted with its draft
        {flow.latestVersion ? `, its ${flow.latestVersion} published version${flow.latestVersion === 1 ? '' : 's'}` : ''} and
        any phone numbers bound to it. This cannot be undone.
      </p>
      <ErrorNotice error={error} />
      <div className="modal-actions">
        <button type="button" className="btn" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button type="button" className="btn btn-danger-solid" onClick={confirm} disabled={busy}>
          {busy ? 'Deleting…' : 'Delete flow'}
        </button>
      </div>
    </Modal>
  );
}
