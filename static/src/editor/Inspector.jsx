// The property panel of the selected node, generated from its registry type:
// id and label, one field per parameter (with the registry's limits as
// inline errors), and its ports with where each one leads.  For a user whose
// role may not edit (`lockReason`) the same panel is shown with every field
// disabled (one disabled <fieldset>), so the step can still be read in full.

import { useEffect, useState } from 'react';
import { CircleAlert, Copy, Lock, MousePointerClick, Trash2, TriangleAlert } from 'lucide-react';

import { edgeFrom, findNode } from '../lib/document.js';
import { ON_MAC, withHint } from '../lib/keymap.js';
import { checkParams } from '../lib/params.js';
import { portsOf, typeOf } from '../lib/registry.js';
import { TypeIcon } from '../ui/icons.jsx';
import { ParamField } from './fields.jsx';

/** The line at the top of a read-only panel: why nothing here can be changed. */
export function LockNotice({ reason }) {
  if (!reason) return null;
  return (
    <p className="lock-notice" data-testid="lock-notice">
      <Lock size={14} /> <span>{reason}</span>
    </p>
  );
}

export function Inspector({ doc, reg, selection, markers, actions, lockReason = null }) {
  const count = selection.nodes.length + selection.notes.length + selection.edges.length;
  if (selection.nodes.length === 1 && count === 1) {
    const node = findNode(doc, selection.nodes[0]);
    if (node) {
      return (
        <NodeInspector
          key={node.id}
          node={node}
          doc={doc}
          reg={reg}
          marker={markers.nodes[node.id]}
          actions={actions}
          lockReason={lockReason}
        />
      );
    }
  }
  if (count > 1 || selection.edges.length || selection.notes.length) {
    const parts = [
      selection.nodes.length && `${selection.nodes.length} step${selection.nodes.length === 1 ? '' : 's'}`,
      selection.notes.length && `${selection.notes.length} note${selection.notes.length === 1 ? '' : 's'}`,
      selection.edges.length && `${selection.edges.length} connection${selection.edges.length === 1 ? '' : 's'}`,
    ].filter(Boolean);
    return (
      <div className="panel-pad">
        <h3 className="panel-title">{parts.join(', ')} selected</h3>
        <LockNotice reason={lockReason} />
        <div className="actions actions-left" hidden={Boolean(lockReason)}>
          {(selection.nodes.length > 0 || selection.notes.length > 0) && (
            <button type="button" className="btn btn-small" onClick={actions.duplicateSelection}>
              <Copy size={14} /> Duplicate
            </button>
          )}
          <button type="button" className="btn btn-small btn-danger" onClick={actions.deleteSelection}>
            <Trash2 size={14} /> Delete
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="panel-pad panel-empty">
      <MousePointerClick size={28} className="muted" />
      {lockReason ? (
        <>
          <p>Select a step to see its properties.</p>
          <LockNotice reason={lockReason} />
        </>
      ) : (
        <>
          <p>Select a step to edit its properties.</p>
          <p className="muted small">
            Drag steps from the palette onto the canvas, then drag from a port on the right of a step
            to the step that should follow; drag either end of a connection to re-point it. Press{' '}
            <kbd>?</kbd> for shortcuts.
          </p>
        </>
      )}
    </div>
  );
}

function NodeInspector({ node, doc, reg, marker, actions, lockReason }) {
  const typeDef = typeOf(reg, node.type);
  const problems = checkParams(typeDef, node.data);
  const ports = portsOf(typeDef, node.data);
  const required = new Set(typeDef?.required ?? []);
  const others = doc.nodes.filter((n) => n.id !== node.id && typeOf(reg, n.type)?.kind !== 'start');
  return (
    <div className="inspector" data-inspector-node={node.id}>
      <div className={`inspector-head cat-${typeDef?.category ?? 'unknown'}`}>
        <span className="fnode-icon">
          <TypeIcon name={typeDef?.icon} size={16} />
        </span>
        <div className="inspector-titles">
          <h3>{typeDef?.label ?? node.type}</h3>
          <div className="muted small">{typeDef?.svaml ? `SVAML ${typeDef.svaml}` : typeDef ? `${typeDef.kind} step` : 'not in the registry'}</div>
        </div>
        <div className="inspector-tools">
          {typeDef?.kind !== 'start' && !lockReason && (
            <>
              <button type="button" className="icon-btn" onClick={actions.duplicateSelection} title={withHint('Duplicate', 'duplicate', { mac: ON_MAC })} aria-label="Duplicate step">
                <Copy size={16} />
              </button>
              <button type="button" className="icon-btn btn-danger" onClick={actions.deleteSelection} title="Delete (Del)" aria-label="Delete step">
                <Trash2 size={16} />
              </button>
            </>
          )}
        </div>
      </div>
      {typeDef?.description && <p className="inspector-desc">{typeDef.description}</p>}
      <LockNotice reason={lockReason} />

      {marker?.findings?.length > 0 && (
        <ul className="inspector-findings">
          {marker.findings.map((f, i) => (
            <li key={i} className={`finding finding-${f.severity}`}>
              {f.severity === 'error' ? <CircleAlert size={14} /> : <TriangleAlert size={14} />}
              <span>
                {f.port && <code>{f.port}</code>} {f.message}
              </span>
            </li>
          ))}
        </ul>
      )}

      <fieldset className="inspector-fields" disabled={Boolean(lockReason)}>
        <section className="inspector-section">
          <IdField node={node} actions={actions} />
          <div className="field">
            <label className="field-label" htmlFor={`label-${node.id}`}>
              Label
            </label>
            <input
              id={`label-${node.id}`}
              className="input"
              value={node.label ?? ''}
              maxLength={200}
              placeholder={typeDef?.label ?? ''}
              onChange={(ev) => actions.setLabel(node.id, ev.target.value)}
              onBlur={actions.seal}
            />
          </div>
        </section>

        {typeDef && Object.keys(typeDef.params ?? {}).length > 0 && (
          <section className="inspector-section">
            <h4>Settings</h4>
            {Object.entries(typeDef.params).map(([name, schema]) => (
              <ParamField
                key={name}
                name={name}
                schema={schema}
                value={node.data?.[name]}
                required={required.has(name)}
                problems={problems[name] ?? []}
                dtmfKeys={reg.dtmfKeys}
                onChange={(value) => actions.setParam(node.id, name, value)}
                onBlur={actions.seal}
              />
            ))}
          </section>
        )}

        {ports.length > 0 && (
          <section className="inspector-section">
            <h4>Next steps</h4>
            <div className="ports-table">
              {ports.map((p) => {
                const edge = edgeFrom(doc, node.id, p.name);
                const portMarker = marker?.ports?.[p.name];
                return (
                  <label key={p.name} className={`port-row${portMarker ? ` port-${portMarker.severity}` : ''}`} data-port-row={p.name}>
                    <span className="port-name" title={p.description}>
                      {p.label}
                      {!p.required && <span className="muted small"> optional</span>}
                    </span>
                    <select
                      className="input input-small"
                      value={edge?.to ?? ''}
                      onChange={(ev) =>
                        ev.target.value ? actions.connect(node.id, p.name, ev.target.value) : actions.disconnect(node.id, p.name)
                      }
                    >
                      <option value="">{p.required ? '— not connected —' : '— nothing —'}</option>
                      {edge && !others.some((n) => n.id === edge.to) && <option value={edge.to}>{edge.to} (missing)</option>}
                      {others.map((n) => (
                        <option key={n.id} value={n.id}>
                          {n.label ? `${n.label} (${n.id})` : n.id}
                        </option>
                      ))}
                    </select>
                  </label>
                );
              })}
            </div>
          </section>
        )}
      </fieldset>
    </div>
  );
}

function IdField({ node, actions }) {
  const [text, setText] = useState(node.id);
  const [error, setError] = useState(null);
  useEffect(() => {
    setText(node.id);
    setError(null);
  }, [node.id]);
  const commit = () => {
    if (text === node.id) return;
    const problem = actions.rename(node.id, text.trim());
    setError(problem);
  };
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label className="field-label" htmlFor={`id-${node.id}`}>
        Id
      </label>
      <input
        id={`id-${node.id}`}
        className="input input-mono"
        value={text}
        maxLength={64}
        onChange={(ev) => {
          setText(ev.target.value);
          setError(null);
        }}
        onBlur={commit}
        onKeyDown={(ev) => {
          if (ev.key === 'Enter') commit();
          if (ev.key === 'Escape') {
            setText(node.id);
            setError(null);
          }
        }}
      />
      {error ? (
        <div className="field-error" role="alert">
          {error}
        </div>
      ) : (
        <div className="field-hint">Used in findings and traces. The first menu must be called “main”.</div>
      )}
    </div>
  );
}
