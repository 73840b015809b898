// A node card on the canvas: icon, label, type, a one-line summary of its
// key parameters, and one labelled source handle per port (derived from the
// registry, so menu options appear as ports as they are added).
//
// The root element carries data-node-id (the page contract).  All text is
// rendered by React, i.e. escaped: a Say text of "<script>" shows as text.

import { memo, useEffect, useRef } from 'react';
import { Handle, Position, useUpdateNodeInternals } from '@xyflow/react';
import { CircleAlert, TriangleAlert } from 'lucide-react';

import { acceptsInput } from '../lib/registry.js';
import { TypeIcon } from '../ui/icons.jsx';

function findingsTitle(findings) {
  return (findings ?? []).map((f) => `${f.severity === 'error' ? '✖' : '⚠'} ${f.message}`).join('\n');
}

function FlowNodeView({ id, data, selected }) {
  const { node, typeDef, ports, summary, marker, connected, dim, overlay, ghost } = data;
  const updateInternals = useUpdateNodeInternals();
  const portKey = ports.map((p) => p.name).join('\u0000');
  // Handles are measured when the card mounts; re-measure them when the set
  // of ports changes later (not on mount: that would cost O(n²) on big flows).
  const measuredPorts = useRef(portKey);
  useEffect(() => {
    if (measuredPorts.current === portKey) return;
    measuredPorts.current = portKey;
    updateInternals(id);
  }, [id, portKey, updateInternals]);

  const severity = marker?.severity;
  const classes = [
    'fnode',
    `cat-${typeDef?.category ?? 'unknown'}`,
    severity && `is-${severity}`,
    marker?.unreachable && 'is-unreachable',
    selected && 'is-selected',
    dim && 'is-dim',
    overlay?.tone && `overlay-${overlay.tone}`,
    !typeDef && 'is-unknown',
    ghost && 'is-ghost',
  ]
    .filter(Boolean)
    .join(' ');
  const title = node.label || typeDef?.label || node.type;
  return (
    <div
      className={classes}
      // A removed node of a diff is not a node of the document: it has no data-node-id.
      data-node-id={ghost ? undefined : node.id}
      data-ghost-id={ghost ? node.id : undefined}
      data-overlay={overlay?.tone}
      data-node-type={node.type}
      data-severity={severity ?? undefined}
      data-unreachable={marker?.unreachable ? 'true' : undefined}
    >
      {acceptsInput(typeDef) && (
        <>
          <Handle type="target" position={Position.Left} id="in" className="fnode-in" isConnectableStart={false} />
          {/* While a connection is dragged the whole card is a drop target. */}
          <Handle type="target" position={Position.Left} id="drop" className="fnode-drop" isConnectableStart={false} />
        </>
      )}
      <div className="fnode-head">
        <span className="fnode-icon">
          <TypeIcon name={typeDef?.icon} size={15} />
        </span>
        <div className="fnode-titles">
          <div className="fnode-title" title={title}>
            {title}
          </div>
          <div className="fnode-sub">
            {node.id}
            {node.label || !typeDef ? ` · ${typeDef?.label ?? `unknown type "${node.type}"`}` : ''}
          </div>
        </div>
        {overlay?.badge != null && (
          <span className={`fnode-badge${overlay.tone ? ` badge-${overlay.tone}` : ''}`} title={overlay.title}>
            {overlay.badge}
          </span>
        )}
        {severity && (
          <span className={`fnode-flag flag-${severity}`} title={findingsTitle(marker.findings)} aria-label={`${marker.findings.length} problem(s)`}>
            {severity === 'error' ? <CircleAlert size={15} /> : <TriangleAlert size={15} />}
          </span>
        )}
      </div>
      {(summary || ports.length > 0) && (
        <div className="fnode-body">
          <div
            className="fnode-summary"
            title={summary || undefined}
            // Use the height the port list gives the card for more of the text.
            style={{ WebkitLineClamp: Math.max(2, Math.floor((ports.length * 20) / 15.5)) }}
          >
            {summary || <span className="fnode-empty">{typeDef ? '' : 'Not in the registry'}</span>}
          </div>
          {ports.length > 0 && (
            <div className="fnode-ports">
              {ports.map((p) => {
                const portMark = marker?.ports?.[p.name]?.severity;
                const used = connected.includes(p.name);
                return (
                  <div
                    key={p.name}
                    className={[
                      'fnode-port',
                      used ? 'is-connected' : 'is-open',
                      p.required ? 'is-required' : 'is-optional',
                      portMark && `port-${portMark}`,
                    ]
                      .filter(Boolean)
                      .join(' ')}
                    data-port={p.name}
                    title={p.description ?? (p.required ? `${p.label}: must be connected` : `${p.label} (optional)`)}
                  >
                    <span className="fnode-port-label">{p.label}</span>
                    <Handle type="source" position={Position.Right} id={p.name} className="fnode-out" />
                  </div>
                );
              })}
            </div>
          )}
        </div>
      )}
    </div>
  );
}

export const FlowNode = memo(FlowNodeView);
