// Flow-wide settings (name, default locale, description) and exports; the
// settings disabled, with the reason, for a user whose role may not edit.
// The exports go through the editor's export (as the toolbar's do): pending
// changes are saved first, and a refusal (SVAML of a flow with errors) is
// said in a toast instead of a download that silently fails.

import { Download } from 'lucide-react';

import { NAME_MAX } from '../lib/document.js';
import { LockNotice } from './Inspector.jsx';

const EXPORTS = [
  ['json', 'Flow document (JSON)'],
  ['svaml', 'SVAML of the entry point'],
  ['svg', 'Picture (SVG)'],
  ['dot', 'Graphviz source (DOT)'],
];

export function FlowSettings({ doc, reg, record, actions, onExport, lockReason = null }) {
  return (
    <div className="panel-pad">
      <LockNotice reason={lockReason} />
      <fieldset className="inspector-fields" disabled={Boolean(lockReason)}>
        <div className="field">
          <label className="field-label" htmlFor="flow-name">
            Name<span className="req">*</span>
          </label>
          <input
            id="flow-name"
            className="input"
            value={doc.name ?? ''}
            maxLength={NAME_MAX}
            onChange={(ev) => actions.setMeta({ name: ev.target.value })}
            onBlur={(ev) => {
              if (!ev.target.value.trim()) actions.setMeta({ name: 'Untitled flow' });
              actions.seal();
            }}
          />
        </div>
        <div className="field">
          <label className="field-label" htmlFor="flow-locale">
            Default voice
          </label>
          <select id="flow-locale" className="input" value={doc.locale ?? 'en-US'} onChange={(ev) => actions.setMeta({ locale: ev.target.value })}>
            {!reg.locales.includes(doc.locale ?? 'en-US') && <option value={doc.locale}>{doc.locale} (unknown)</option>}
            {reg.locales.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
          <div className="field-hint">Used by every step that does not set its own locale.</div>
        </div>
        <div className="field">
          <label className="field-label" htmlFor="flow-description">
            Description
          </label>
          <textarea
            id="flow-description"
            className="input"
            rows={3}
            value={doc.description ?? ''}
            onChange={(ev) => actions.setMeta({ description: ev.target.value })}
            onBlur={actions.seal}
          />
        </div>
      </fieldset>
      <h4 className="section-title">Export the draft</h4>
      <ul className="export-list">
        {EXPORTS.map(([format, label]) => (
          <li key={format}>
            <button type="button" className="btn btn-small btn-ghost" onClick={() => onExport(format)} data-testid={`flow-export-${format}`}>
              <Download size={14} /> {label}
            </button>
          </li>
        ))}
      </ul>
      {record?.latestVersion ? (
        <p className="muted small">Published versions: {record.latestVersion}. Calls run the latest one.</p>
      ) : (
        <p className="muted small">Not published yet: calls cannot reach this flow until it is.</p>
      )}
    </div>
  );
}
