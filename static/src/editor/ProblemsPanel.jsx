// The problems list: every validation finding, errors first; clicking one
// selects the node it names and centres the canvas on it.

import { CircleAlert, CircleCheck, LoaderCircle, TriangleAlert } from 'lucide-react';

import { findNode } from '../lib/document.js';
import { typeOf } from '../lib/registry.js';

export function ProblemsPanel({ doc, reg, markers, validation, onPick }) {
  const { list } = markers;
  return (
    <div className="problems" data-testid="problems">
      <div className="problems-summary">
        {validation.pending ? (
          <span className="muted">
            <LoaderCircle size={14} className="spin" /> Checking…
          </span>
        ) : list.length === 0 && !validation.error ? (
          <span className="ok-text">
            <CircleCheck size={15} /> No problems: the flow is ready to publish.
          </span>
        ) : (
          <span>
            {markers.errors} error{markers.errors === 1 ? '' : 's'}, {markers.warnings} warning
            {markers.warnings === 1 ? '' : 's'}
          </span>
        )}
      </div>
      {validation.error && (
        <div className="finding finding-error problem-item">
          <CircleAlert size={15} />
          <div>
            <div>The flow could not be checked: {validation.error.message}</div>
            {(validation.error.problems ?? []).map((p, i) => (
              <div key={i} className="muted small">
                {p.path ? `${p.path}: ` : ''}
                {p.message}
              </div>
            ))}
          </div>
        </div>
      )}
      <ul className="problem-list">
        {list.map((f, i) => {
          const node = f.node ? findNode(doc, f.node) : null;
          const name = node ? node.label || typeOf(reg, node.type)?.label || node.type : null;
          return (
            <li key={`${f.code}-${f.node}-${f.port}-${i}`}>
              <button
                type="button"
                className={`problem-item finding finding-${f.severity}`}
                onClick={() => node && onPick(node.id)}
                disabled={!node}
                data-problem-code={f.code}
                data-problem-node={f.node ?? undefined}
              >
                {f.severity === 'error' ? <CircleAlert size={15} /> : <TriangleAlert size={15} />}
                <div className="problem-text">
                  <div className="problem-where">
                    {node ? (
                      <>
                        <strong>{name}</strong> <code>{node.id}</code>
                      </>
                    ) : (
                      <strong>Flow</strong>
                    )}
                    {f.port && (
                      <>
                        {' '}
                        port <code>{f.port}</code>
                      </>
                    )}
                    <span className="problem-code">{f.code}</span>
                  </div>
                  <div>{f.message}</div>
                </div>
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
