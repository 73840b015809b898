// The editor's dialogs: keyboard shortcuts, publish, the save conflict,
// rolling back to a version, and a flow file that could not be imported.

import { useState } from 'react';
import { CircleAlert, TriangleAlert } from 'lucide-react';

import { formatCombo, formatGesture, GESTURES, ON_MAC, shortcutGroups, shortcutHint } from '../lib/keymap.js';
import { ErrorNotice } from '../ui/ErrorNotice.jsx';
import { Modal } from '../ui/Modal.jsx';

export function ShortcutsDialog({ mac, onClose }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose} wide testId="shortcuts-dialog">
      <div className="shortcut-groups">
        {shortcutGroups().map((g) => (
          <section key={g.name}>
            <h3>{g.name}</h3>
            <dl className="shortcuts">
              {g.items.map((s) => (
                <div key={s.action} className="shortcut">
                  <dt>{s.label}</dt>
                  <dd>
                    {s.keys.map((k, i) => (
                      <span key={k}>
                        {i > 0 && <span className="muted"> or </span>}
                        <kbd>{formatCombo(k, { mac })}</kbd>
                      </span>
                    ))}
                  </dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
        <section>
          <h3>Mouse</h3>
          <dl className="shortcuts">
            {GESTURES.map((g) => (
              <div key={g.label} className="shortcut">
                <dt>{g.label}</dt>
                <dd>
                  {g.keys.map((k, i) => (
                    <span key={k}>
                      {i > 0 && <span className="muted"> or </span>}
                      <kbd>{formatGesture(k, { mac })}</kbd>
                    </span>
                  ))}
                </dd>
              </div>
            ))}
          </dl>
        </section>
      </div>
    </Modal>
  );
}

export function PublishDialog({ onClose, onPublish, warnings }) {
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const submit = async (ev) => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    const err = await onPublish(comment.trim());
    if (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Modal title="Publish a new version" onClose={onClose} testId="publish-dialog">
      <form onSubmit={submit} className="form">
        <p className="muted">
          Calls to numbers bound to this flow will run the new version; calls already in progress
          stay on the version they started on.
        </p>
        {warnings > 0 && (
          <p className="notice notice-warning">
            <TriangleAlert size={16} /> The flow has {warnings} warning{warnings === 1 ? '' : 's'}. You can still publish.
          </p>
        )}
        <label className="field">
          <span className="field-label">What changed?</span>
          <textarea
            className="input"
            rows={3}
            maxLength={2000}
            value={comment}
            placeholder="e.g. Added the holiday closing message"
            onChange={(ev) => setComment(ev.target.value)}
            autoFocus
          />
        </label>
        <ErrorNotice error={error} title="Not published" />
        <div className="modal-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Publishing…' : 'Publish'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function ConflictDialog({ onReload, onOverwrite, onKeep }) {
  const [busy, setBusy] = useState(false);
  const run = (fn) => async () => {
    setBusy(true);
    await fn();
    setBusy(false);
  };
  return (
    <Modal title="This flow was changed elsewhere" onClose={onKeep} testId="conflict-dialog">
      <div className="notice notice-error">
        <CircleAlert size={18} className="notice-icon" />
        <p>
          Someone (or another tab) saved this flow after you opened it. Your latest changes are
          not saved. Nothing will be overwritten until you choose.
        </p>
      </div>
      <div className="choice-list">
        <button type="button" className="choice" disabled={busy} onClick={run(onReload)}>
          <strong>Reload theirs</strong>
          <span className="muted small">Show the saved version. Your changes stay in undo history ({shortcutHint('undo', { mac: ON_MAC })}).</span>
        </button>
        <button type="button" className="choice" disabled={busy} onClick={run(onOverwrite)}>
          <strong>Overwrite with mine</strong>
          <span className="muted small">Save what you see now over their changes.</span>
        </button>
        <button type="button" className="choice" disabled={busy} onClick={onKeep}>
          <strong>Keep editing</strong>
          <span className="muted small">Decide later; autosave stays paused until you do.</span>
        </button>
      </div>
    </Modal>
  );
}

export function RollbackDialog({ version, unsaved, onClose, onConfirm }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    const err = await onConfirm(version.number);
    if (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Modal title={`Roll back to version ${version.number}?`} onClose={onClose} testId="rollback-dialog">
      <p>
        The draft becomes a copy of <strong>version {version.number}</strong>
        {version.comment ? <> (“{version.comment}”)</> : null}. Nothing is published: calls keep running the live
        version until you publish again.
      </p>
      <p className="muted small">
        {unsaved ? 'Your unsaved changes are saved first. ' : ''}
        The current draft stays in the undo history: {shortcutHint('undo', { mac: ON_MAC })} brings it back.
      </p>
      <ErrorNotice error={error} title="Not rolled back" />
      <div className="modal-actions">
        <button type="button" className="btn" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button type="button" className="btn btn-primary" onClick={confirm} disabled={busy} data-testid="rollback-confirm">
          {busy ? 'Rolling back…' : `Roll back to version ${version.number}`}
        </button>
      </div>
    </Modal>
  );
}

export function ImportErrorDialog({ error, file, onClose }) {
  return (
    <Modal title={`Could not import ${file}`} onClose={onClose} testId="import-error">
      <ErrorNotice error={error} />
      <p className="muted small">The draft was not changed. A flow file is a callflow/1 JSON document, as Export › Flow document writes it.</p>
      <div className="modal-actions">
        <button type="button" className="btn btn-primary" onClick={onClose}>
          OK
        </button>
      </div>
    </Modal>
  );
}
