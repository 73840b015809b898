// The canvas: a React Flow view of the document.
//
// React Flow is used in controlled mode and never owns the flow: nodes and
// edges are rebuilt from the document, and what the user does (drag, connect,
// select, drop) is reported upwards as edits.  Only transient things live
// here: live drag positions and the sizes React Flow measured.
//
// Overlays (`overlays` prop: {name: {nodes: {id: {tone, badge, title}},
// edges: {"from:port": tone}, ghosts: {nodes, edges}}}) are how the test
// call, the live view, the heat map and version diffs draw on the canvas:
// they tint and badge nodes and edges, and add "ghosts" (removed nodes and
// edges of a diff, drawn where they were) without touching the document.
//
// Either end of an edge can be dragged onto another handle to re-point it
// (`onReconnect(old, next)` with `{from, port, to}` each); dropped on empty
// canvas it stays as it was (React Flow's onReconnect convention), and no
// step picker opens as it does for a new connection.
//
// `readOnly` shows a document that cannot be edited here (a published
// version): nothing can be dragged, connected or re-pointed.

import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import {
  Background,
  BackgroundVariant,
  Controls,
  MarkerType,
  MiniMap,
  Position,
  ReactFlow,
  SelectionMode,
  useNodesInitialized,
  useReactFlow,
} from '@xyflow/react';

import { acceptsInput, portsOf, typeOf } from '../lib/registry.js';
import { edgePort } from '../lib/document.js';
import { nodeSummary } from '../lib/summary.js';
import { FlowNode } from './FlowNode.jsx';
import { NoteNode } from './NoteNode.jsx';

export const NOTE_PREFIX = 'note:';
// Smaller than React Flow's 200 x 150, so that on a laptop the live and heat
// bars fit beside it (editor.css leaves this width free at the bottom right).
const MINIMAP_SIZE = { width: 168, height: 120 };
const MIN_READABLE_ZOOM = 0.4;
// Above this many nodes only those in view are rendered.
export const VISIBLE_ONLY_FROM = 400;

/**
 * A card's size and handles before it is measured, as editor.css draws it:
 * 224px wide, a 44px head, then a 20px row per port with its handle on the
 * right edge; the input handle on the left, 23px down.  React Flow renders
 * every node it has not measured (to measure it), which on a big flow means
 * mounting all of them at once; given this estimate it renders only the
 * nodes in view, and measures each when it first shows.  The height is off
 * by half a pixel on purpose, so that measuring always replaces the estimate.
 */
export function estimatedCard(portNames) {
  const handles = [{ id: 'in', type: 'target', position: Position.Left, x: -6.5, y: 17.5, width: 11, height: 11 }];
  portNames.forEach((id, i) => {
    handles.push({ id, type: 'source', position: Position.Right, x: 218, y: 48.5 + 20 * i, width: 11, height: 11 });
  });
  return { measured: { width: 224, height: 52.5 + 20 * Math.max(1, portNames.length) }, handles };
}
export const DRAG_TYPE = 'application/x-callflow-node-type';

const NODE_TYPES = { flow: FlowNode, note: NoteNode };
const EDGE_DEFAULTS = {
  type: 'default',
  markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
};

export const edgeId = (from, port) => `${from}:${port}`;
export const noteRfId = (id) => `${NOTE_PREFIX}${id}`;
const isNoteId = (id) => id.startsWith(NOTE_PREFIX);
const noteIdOf = (rfId) => rfId.slice(NOTE_PREFIX.length);

export const GHOST_PREFIX = 'ghost:';
const isGhostId = (id) => id.startsWith(GHOST_PREFIX);

/** Merge the overlays that mention node `id` (later overlays win). */
function overlayFor(overlays, id) {
  let out = null;
  for (const layer of Object.values(overlays ?? {})) {
    const entry = layer?.nodes?.[id];
    if (entry) out = { ...(out ?? {}), ...entry };
  }
  return out;
}

/** The tone of edge `id` in the overlays (later overlays win), or null. */
function edgeTone(overlays, id) {
  let out = null;
  for (const layer of Object.values(overlays ?? {})) out = layer?.edges?.[id] ?? out;
  return out;
}

function ghostsOf(overlays) {
  const nodes = [];
  const edges = [];
  for (const layer of Object.values(overlays ?? {})) {
    nodes.push(...(layer?.ghosts?.nodes ?? []));
    edges.push(...(layer?.ghosts?.edges ?? []));
  }
  return { nodes, edges };
}

// The overview shows what the overlays show: diff, path, live calls and heat.
const TONE_COLORS = {
  added: '#16a34a',
  changed: '#d97706',
  removed: '#f3a5a8',
  active: '#16a34a',
  visited: '#86d7a3',
  last: '#16a34a',
  live: '#2563eb',
  'heat-0': '#facc15',
  'heat-1': '#fbbf24',
  'heat-2': '#f59e0b',
  'heat-3': '#f97316',
  'heat-4': '#ef4444',
};

function minimapColor(node) {
  if (node.type === 'note') return '#f5d76e';
  const tone = TONE_COLORS[node.data?.overlay?.tone];
  if (tone) return tone;
  const m = node.data?.marker;
  if (m?.severity === 'error') return '#e5484d';
  if (m?.severity === 'warning') return '#f5a524';
  if (m?.unreachable) return '#c7ccd4';
  return '#7b8aa3';
}

export function Canvas({
  doc,
  reg,
  markers,
  selection,
  dimmed,
  overlays,
  onSelectionChange,
  onMoveEnd,
  onConnect,
  onConnectToPane,
  onReconnect,
  onDropType,
  onNoteText,
  onNoteColor,
  onNoteResize,
  onEditEnd,
  onPaneDoubleClick,
  readOnly = false,
}) {
  const rf = useReactFlow();
  const [measureTick, remeasured] = useReducer((n) => n + 1, 0);
  const measured = useRef(new Map());
  const sizes = useRef(new Map()); // live note sizes while resizing
  const [drag, setDrag] = useState(() => new Map());
  const [connecting, setConnecting] = useState(null); // null | 'step' (to an input) | 'port' (to an output)
  const cache = useRef(new Map());
  const connectFrom = useRef(null);
  const reconnecting = useRef(false);

  // Show the flow once every node has been measured: all of it when it fits
  // at a readable zoom, else its start at the left edge at that zoom.
  const initialized = useNodesInitialized();
  const fitted = useRef(false);
  const wrapper = useRef(null);
  const visibleOnly = doc.nodes.length > VISIBLE_ONLY_FROM;
  useEffect(() => {
    // A big flow never has every node measured (only those in view render):
    // place it at once, from the estimated sizes.
    if ((!initialized && !visibleOnly) || fitted.current) return;
    const all = rf.getNodes();
    if (!all.length) return;
    fitted.current = true;
    const box = wrapper.current?.getBoundingClientRect();
    const bounds = all.length ? rf.getNodesBounds(all) : null;
    const zoom = box && bounds ? Math.min(box.width / (bounds.width * 1.15), box.height / (bounds.height * 1.15)) : 1;
    const start = all.find((n) => n.type === 'flow' && n.data?.typeDef?.kind === 'start');
    if (zoom >= MIN_READABLE_ZOOM || !start || !box) {
      rf.fitView({ padding: 0.15, maxZoom: 1 });
      return;
    }
    const h = start.measured?.height ?? 60;
    rf.setViewport({
      x: 48 - start.position.x * MIN_READABLE_ZOOM,
      y: box.height / 2 - (start.position.y + h / 2) * MIN_READABLE_ZOOM,
      zoom: MIN_READABLE_ZOOM,
    });
  }, [initialized, visibleOnly, rf]);

  const selNodes = useMemo(() => new Set(selection.nodes), [selection.nodes]);
  const selNotes = useMemo(() => new Set(selection.notes), [selection.notes]);
  const selEdges = useMemo(() => new Set(selection.edges), [selection.edges]);

  const noteHandlers = useMemo(
    () => ({ onText: onNoteText, onColor: onNoteColor, onResize: onNoteResize, onEditEnd, readOnly }),
    [onNoteText, onNoteColor, onNoteResize, onEditEnd, readOnly],
  );

  const connectedBy = useMemo(() => {
    const out = new Map();
    for (const e of doc.edges) {
      if (!out.has(e.from)) out.set(e.from, []);
      out.get(e.from).push(edgePort(e));
    }
    return out;
  }, [doc.edges]);

  const ghosts = useMemo(() => ghostsOf(overlays), [overlays]);

  const nodes = useMemo(() => {
    const next = new Map();
    const out = [];
    for (const n of doc.nodes) {
      const typeDef = typeOf(reg, n.type);
      const marker = markers.nodes[n.id] ?? null;
      const overlay = overlayFor(overlays, n.id);
      const connected = connectedBy.get(n.id) ?? [];
      const dim = dimmed ? !dimmed.has(n.id) : false;
      const key = [JSON.stringify(marker), JSON.stringify(overlay), connected.join('\u0000'), dim].join('|');
      const prev = cache.current.get(n.id);
      let data = prev?.data;
      if (!prev || prev.node !== n || prev.typeDef !== typeDef || prev.key !== key) {
        data = {
          node: n,
          typeDef,
          ports: portsOf(typeDef, n.data),
          summary: nodeSummary(n, typeDef),
          marker,
          connected,
          dim,
          overlay,
        };
      }
      next.set(n.id, { node: n, typeDef, key, data });
      const size = measured.current.get(n.id);
      out.push({
        id: n.id,
        type: 'flow',
        position: drag.get(n.id) ?? n.position ?? { x: 0, y: 0 },
        data,
        selected: selNodes.has(n.id),
        measured: size,
        ...(!size && visibleOnly ? estimatedCard(data.ports.map((p) => p.name)) : null),
        deletable: false,
        draggable: !readOnly,
        connectable: !readOnly,
        className: 'rf-flow-node',
      });
    }
    cache.current = next;
    for (const g of ghosts.nodes) {
      const typeDef = typeOf(reg, g.type);
      const id = `${GHOST_PREFIX}${g.id}`;
      out.push({
        id,
        type: 'flow',
        position: g.position ?? { x: 0, y: 0 },
        data: {
          node: g,
          typeDef,
          ports: portsOf(typeDef, g.data),
          summary: nodeSummary(g, typeDef),
          marker: null,
          connected: [],
          dim: false,
          overlay: { tone: 'removed', badge: 'removed', title: 'Removed' },
          ghost: true,
        },
        measured: measured.current.get(id),
        selectable: false,
        draggable: false,
        connectable: false,
        deletable: false,
        focusable: false,
        zIndex: -1,
        className: 'rf-ghost-node',
      });
    }
    for (const note of doc.notes) {
      const id = noteRfId(note.id);
      const size = sizes.current.get(id) ?? { width: note.width ?? 220, height: note.height ?? 140 };
      out.push({
        id,
        type: 'note',
        position: drag.get(id) ?? note.position ?? { x: 0, y: 0 },
        data: { note, ...noteHandlers },
        selected: selNotes.has(note.id),
        width: size.width,
        height: size.height,
        measured: measured.current.get(id),
        deletable: false,
        draggable: !readOnly,
        zIndex: -1,
        className: 'rf-note-node',
        dragHandle: '.note-bar',
      });
    }
    return out;
    // `measured`/`sizes` are refs; `measureTick` changes when they do.
  }, [doc, reg, markers, overlays, ghosts, connectedBy, dimmed, drag, selNodes, selNotes, noteHandlers, measureTick, readOnly, visibleOnly]);

  const edges = useMemo(() => {
    const byId = new Map(doc.nodes.map((n) => [n.id, n]));
    const out = [];
    for (const e of doc.edges) {
      if (!byId.has(e.from) || !byId.has(e.to)) continue; // dangling: listed under Problems
      const port = edgePort(e);
      const source = byId.get(e.from);
      const typeDef = typeOf(reg, source.type);
      if (!typeDef || !portsOf(typeDef, source.data).some((p) => p.name === port)) continue;
      const id = edgeId(e.from, port);
      const tone = edgeTone(overlays, id);
      const classes = [dimmed && !(dimmed.has(e.from) && dimmed.has(e.to)) && 'is-dim', tone && `edge-${tone}`];
      out.push({
        id,
        source: e.from,
        sourceHandle: port,
        target: e.to,
        targetHandle: 'in',
        selected: selEdges.has(id),
        deletable: false,
        className: classes.filter(Boolean).join(' ') || undefined,
        animated: tone === 'path' || undefined,
      });
    }
    // Removed edges of a diff: from a node still there (through a port it still
    // has) or from a ghost, to a node or a ghost.
    for (const g of ghosts.edges) {
      let ok = isGhostId(g.source);
      if (!ok) {
        const source = byId.get(g.source);
        ok = Boolean(source) && portsOf(typeOf(reg, source.type), source.data).some((p) => p.name === g.sourceHandle);
      }
      if (!ok || (!isGhostId(g.target) && !byId.has(g.target))) continue;
      out.push({
        id: g.id,
        source: g.source,
        sourceHandle: g.sourceHandle,
        target: g.target,
        targetHandle: 'in',
        selectable: false,
        focusable: false,
        deletable: false,
        reconnectable: false,
        className: 'edge-removed',
        zIndex: -1,
      });
    }
    return out;
  }, [doc.nodes, doc.edges, reg, selEdges, dimmed, overlays, ghosts]);

  const onNodesChange = useCallback(
    (changes) => {
      let measuredChanged = false;
      const ended = {};
      let dragUpdate = null;
      const selected = { nodes: new Set(selection.nodes), notes: new Set(selection.notes) };
      let selectionChanged = false;
      for (const c of changes) {
        if (isGhostId(c.id)) {
          if (c.type === 'dimensions' && c.dimensions) {
            measured.current.set(c.id, c.dimensions);
            measuredChanged = true;
          }
          continue;
        }
        if (c.type === 'dimensions' && c.dimensions) {
          measured.current.set(c.id, c.dimensions);
          if (c.setAttributes) sizes.current.set(c.id, c.dimensions);
          measuredChanged = true;
        } else if (c.type === 'position' && c.position) {
          dragUpdate ??= new Map(drag);
          if (c.dragging) dragUpdate.set(c.id, c.position);
          else {
            dragUpdate.delete(c.id);
            ended[c.id] = c.position;
          }
        } else if (c.type === 'select') {
          const bucket = isNoteId(c.id) ? selected.notes : selected.nodes;
          const id = isNoteId(c.id) ? noteIdOf(c.id) : c.id;
          if (c.selected !== bucket.has(id)) {
            selectionChanged = true;
            if (c.selected) bucket.add(id);
            else bucket.delete(id);
          }
        }
      }
      if (Object.keys(ended).length) {
        const positions = {};
        for (const [id, pos] of Object.entries(ended)) positions[isNoteId(id) ? noteIdOf(id) : id] = pos;
        onMoveEnd(positions);
      }
      if (dragUpdate) setDrag(dragUpdate);
      if (selectionChanged) {
        onSelectionChange({ ...selection, nodes: [...selected.nodes], notes: [...selected.notes] });
      }
      if (measuredChanged) remeasured();
    },
    [drag, onMoveEnd, onSelectionChange, selection],
  );

  const onEdgesChange = useCallback(
    (changes) => {
      const edgesSel = new Set(selection.edges);
      let changed = false;
      for (const c of changes) {
        if (c.type !== 'select' || c.selected === edgesSel.has(c.id)) continue;
        changed = true;
        if (c.selected) edgesSel.add(c.id);
        else edgesSel.delete(c.id);
      }
      if (changed) onSelectionChange({ ...selection, edges: [...edgesSel] });
    },
    [onSelectionChange, selection],
  );

  const isValidConnection = useCallback(
    (conn) => {
      if (!conn.source || !conn.target || !conn.sourceHandle) return false;
      const target = doc.nodes.find((n) => n.id === conn.target);
      return Boolean(target) && acceptsInput(typeOf(reg, target.type));
    },
    [doc.nodes, reg],
  );

  const handleConnect = useCallback(
    (conn) => onConnect(conn.source, conn.sourceHandle, conn.target),
    [onConnect],
  );

  // A re-pointed edge starts as a connection from its other end: from its
  // source port when its target end is dragged (the cards are drop targets),
  // from the input of its target when its source end is (the ports are).
  const onConnectStart = useCallback((_, params) => {
    connectFrom.current = params?.handleType === 'source' && !reconnecting.current ? params : null;
    setConnecting(params?.handleType === 'target' ? 'port' : 'step');
  }, []);

  const onConnectEnd = useCallback(
    (event, state) => {
      setConnecting(null);
      const from = connectFrom.current;
      connectFrom.current = null;
      if (!from || state?.isValid || state?.toNode) return;
      // Dropped on empty canvas: offer to create the next step right there.
      const point = 'changedTouches' in event ? event.changedTouches[0] : event;
      onConnectToPane?.(from.nodeId, from.handleId, {
        screen: { x: point.clientX, y: point.clientY },
        flow: rf.screenToFlowPosition({ x: point.clientX, y: point.clientY }),
      });
    },
    [onConnectToPane, rf],
  );

  // React Flow calls onReconnectStart before onConnectStart, and onConnectEnd before onReconnectEnd.
  const onReconnectStart = useCallback(() => {
    reconnecting.current = true;
  }, []);
  const onReconnectEnd = useCallback(() => {
    reconnecting.current = false;
  }, []);
  const handleReconnect = useCallback(
    (edge, conn) =>
      onReconnect?.(
        { from: edge.source, port: edge.sourceHandle, to: edge.target },
        { from: conn.source, port: conn.sourceHandle, to: conn.target },
      ),
    [onReconnect],
  );

  const onDragOver = useCallback((ev) => {
    if (ev.dataTransfer.types.includes(DRAG_TYPE)) {
      ev.preventDefault();
      ev.dataTransfer.dropEffect = 'copy';
    }
  }, []);

  const onDrop = useCallback(
    (ev) => {
      const type = ev.dataTransfer.getData(DRAG_TYPE);
      if (!type) return;
      ev.preventDefault();
      const pos = rf.screenToFlowPosition({ x: ev.clientX, y: ev.clientY });
      onDropType(type, { x: pos.x - 110, y: pos.y - 24 });
    },
    [onDropType, rf],
  );

  const onDoubleClick = useCallback(
    (ev) => {
      if (!(ev.target instanceof Element) || !ev.target.classList.contains('react-flow__pane')) return;
      onPaneDoubleClick?.(
        { x: ev.clientX, y: ev.clientY },
        rf.screenToFlowPosition({ x: ev.clientX, y: ev.clientY }),
      );
    },
    [onPaneDoubleClick, rf],
  );

  return (
    <div
      ref={wrapper}
      className={`canvas${connecting === 'step' ? ' is-connecting' : ''}${connecting === 'port' ? ' is-connecting-port' : ''}${readOnly ? ' is-read-only' : ''}`}
      onDragOver={readOnly ? undefined : onDragOver}
      onDrop={readOnly ? undefined : onDrop}
      onDoubleClick={readOnly ? undefined : onDoubleClick}
      data-testid="canvas"
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        defaultEdgeOptions={EDGE_DEFAULTS}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={readOnly ? undefined : handleConnect}
        onConnectStart={onConnectStart}
        onConnectEnd={onConnectEnd}
        onReconnect={readOnly ? undefined : handleReconnect}
        onReconnectStart={onReconnectStart}
        onReconnectEnd={onReconnectEnd}
        reconnectRadius={12}
        isValidConnection={isValidConnection}
        nodesConnectable={!readOnly}
        nodesDraggable={!readOnly}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
        selectionMode={SelectionMode.Partial}
        zoomOnDoubleClick={false}
        // Scrolling pans (a trackpad's two fingers move the canvas); Ctrl, or ⌘
        // on a Mac, with the wheel zooms, and so does a pinch: as the help says.
        panOnScroll
        connectionRadius={28}
        minZoom={0.1}
        maxZoom={2}
        onlyRenderVisibleElements={visibleOnly}
        elevateEdgesOnSelect
        attributionPosition="top-right"
      >
        <Background variant={BackgroundVariant.Dots} gap={18} size={1.2} color="#c9d1dc" />
        <MiniMap style={MINIMAP_SIZE} pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0} maskColor="rgba(240, 243, 247, 0.7)" ariaLabel="Overview" />
        <Controls showInteractive={false} position="bottom-left" />
      </ReactFlow>
    </div>
  );
}
