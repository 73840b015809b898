// The flow editor: the document and its history, the canvas that shows it,
// the palette and panels that edit it, autosave, live validation, publish;
// versions (history, diff, roll back), the test call, the live and heat
// views, import/export and the Sinch connection.
//
// Every user action becomes a pure document edit (lib/document.js) committed
// to the history; nothing about the flow is kept in the DOM or in React Flow.
// What the views draw on the canvas are overlays derived from their state
// (lib/trace.js, lib/heat.js, lib/diffview.js), never edits of the document.
//
// The canvas is read-only while it shows a published version, and for a
// user whose role may not change flows (a viewer: GET /api/me); buttons for
// what the role may not do (publish, roll back, bind numbers for an editor)
// are disabled with the reason.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useReactFlow } from '@xyflow/react';

import { Eye } from 'lucide-react';

import { api, onSignedOut } from '../lib/api.js';
import { diffOverlay } from '../lib/diffview.js';
import * as edit from '../lib/document.js';
import { downloadBlob, readFlowFile } from '../lib/files.js';
import { heatOverlay } from '../lib/heat.js';
import { actionFor, inField, ON_MAC, shortcutHint } from '../lib/keymap.js';
import { fallbackLayout } from '../lib/layout.js';
import { placeMarkers, publishBlocker } from '../lib/markers.js';
import { loadCollapsed, saveCollapsed } from '../lib/palette.js';
import { typeOf } from '../lib/registry.js';
import { searchNodes } from '../lib/summary.js';
import { liveOverlay, pathOf, pathOverlay } from '../lib/trace.js';
import { useToast } from '../ui/Toasts.jsx';
import { useAccess } from '../ui/useAccess.js';
import { Canvas, edgeId, GHOST_PREFIX } from './Canvas.jsx';
import { CallPathBanner, CompareBanner, HeatBar, LiveBar, SignedOutBanner } from './CanvasBars.jsx';
import { ConnectDialog } from './ConnectDialog.jsx';
import { EditorContext } from './context.js';
import { ConflictDialog, ImportErrorDialog, PublishDialog, RollbackDialog, ShortcutsDialog } from './dialogs.jsx';
import { FlowSettings } from './FlowSettings.jsx';
import { Inspector } from './Inspector.jsx';
import { Palette } from './Palette.jsx';
import { ProblemsPanel } from './ProblemsPanel.jsx';
import { QuickAdd } from './QuickAdd.jsx';
import { SearchBar } from './SearchBar.jsx';
import { SidePanel } from './SidePanel.jsx';
import { TestPanel } from './TestPanel.jsx';
import { Toolbar } from './Toolbar.jsx';
import { useAutosave } from './useAutosave.js';
import { useDocument } from './useDocument.js';
import { useHeat } from './useHeat.js';
import { useLiveView } from './useLiveView.js';
import { useTestCall } from './useTestCall.js';
import { useValidation } from './useValidation.js';
import { useVersions } from './useVersions.js';
import { VersionsPanel } from './VersionsPanel.jsx';

const EMPTY_SELECTION = { nodes: [], notes: [], edges: [] };
const EMPTY_MARKERS = { nodes: {}, general: [], errors: 0, warnings: 0, list: [] };
// Overlays drawn in this order, later ones winning where they meet: the heat
// map under everything, a live call's position on top.
const LAYERS = ['heat', 'diff', 'call', 'test', 'live'];
// What may be done while the canvas shows a published version (read-only).
const VIEW_ACTIONS = new Set(['search', 'fit', 'zoomIn', 'zoomOut', 'help', 'escape', 'save', 'palette']);
const CLIPBOARD_KEY = 'callflow-designer.clipboard';
const NODE_W = 220;
const UNDO = shortcutHint('undo', { mac: ON_MAC });

function readClipboard() {
  try {
    const clip = JSON.parse(window.localStorage.getItem(CLIPBOARD_KEY) ?? 'null');
    return edit.isClip(clip) ? clip : null;
  } catch {
    return null;
  }
}

function writeClipboard(clip) {
  try {
    window.localStorage.setItem(CLIPBOARD_KEY, JSON.stringify(clip));
  } catch {
    // Storage full or disabled: copy/paste stays within this page.
  }
}

export function Editor({ reg, flowId, record: initialRecord, initialDoc, serverDoc, etag, publicUrl = null, callId = null }) {
  const history = useDocument(initialDoc);
  const { doc, commit } = history;
  const access = useAccess();
  const canEdit = access.can.edit;
  const save = useAutosave(flowId, doc, serverDoc, etag, { enabled: canEdit });
  const validation = useValidation(doc);
  const markers = useMemo(() => placeMarkers(validation.findings, doc), [validation.findings, doc]);
  const rf = useReactFlow();
  const notify = useToast();

  const [record, setRecord] = useState(initialRecord);
  const [selection, setSelection] = useState(EMPTY_SELECTION);
  const [tab, setTab] = useState('node');
  const [dialog, setDialog] = useState(null); // 'help' | 'publish' | 'conflict' | 'connect' | {rollback} | {importError}
  const [search, setSearch] = useState(null); // {query, index}
  const [quickAdd, setQuickAdd] = useState(null); // {screen, flow, from?, port?}
  const [overlays, setOverlays] = useState({});
  const [paletteCollapsed, setPaletteCollapsed] = useState(() => loadCollapsed());
  const memoryClip = useRef(null);
  const pasteCount = useRef(0);
  const importInput = useRef(null);

  const versions = useVersions({ flowId, latestVersion: record?.latestVersion, savedEtag: save.state.etag });
  const test = useTestCall({ flowId, save, locale: doc.locale });
  const live = useLiveView(flowId);
  const heat = useHeat(flowId);
  const [callPath, setCallPath] = useState(callId ? { callid: callId, call: null, path: pathOf([]), error: null } : null);

  // A published version shown for a comparison is read-only; otherwise the draft,
  // read-only too for a user whose role may not change flows.
  const compare = versions.compare;
  const viewing = compare?.status === 'ready' ? compare.toDoc : null;
  const shown = viewing ?? doc;
  const viewingVersion = Boolean(viewing);
  const lockReason = access.why('edit', 'changing flows');
  const readOnly = viewingVersion || !canEdit;
  // Keep the selection to things that still exist (after undo, delete...).
  useEffect(() => {
    const ids = new Set(doc.nodes.map((n) => n.id));
    const noteIds = new Set(doc.notes.map((n) => n.id));
    setSelection((s) => {
      const nodes = s.nodes.filter((id) => ids.has(id));
      const notes = s.notes.filter((id) => noteIds.has(id));
      const edges = s.edges.filter((id) => doc.edges.some((e) => `${e.from}:${edit.edgePort(e)}` === id));
      return nodes.length === s.nodes.length && notes.length === s.notes.length && edges.length === s.edges.length
        ? s
        : { nodes, notes, edges };
    });
  }, [doc]);

  // A conflict opens the choice at once.
  useEffect(() => {
    if (save.state.status === 'conflict') setDialog((d) => d ?? 'conflict');
  }, [save.state.status]);

  // Signed out with unsaved changes (lib/api.js kept the page): say so until they are saved.
  const [signedOut, setSignedOut] = useState(null); // the sign-in URL
  useEffect(() => onSignedOut(setSignedOut), []);
  useEffect(() => {
    if (save.state.status === 'saved') setSignedOut(null);
  }, [save.state.status]);

  // /flows/<id>?call=<callid> (from the call log): draw that call's path.
  useEffect(() => {
    if (!callId) return undefined;
    let cancelled = false;
    api
      .getCall(callId)
      .then(({ data }) => !cancelled && setCallPath({ callid: callId, call: data, path: pathOf(data.events), error: null }))
      .catch((error) => !cancelled && setCallPath({ callid: callId, call: null, path: pathOf([]), error }));
    return () => {
      cancelled = true;
    };
  }, [callId]);

  const closeCallPath = useCallback(() => {
    setCallPath(null);
    const url = new URL(window.location.href);
    url.searchParams.delete('call');
    window.history.replaceState(null, '', url);
  }, []);

  /** Run an edit, turning an EditError into a notice instead of a crash. */
  const tryCommit = useCallback(
    (fn, options) => {
      try {
        return commit(fn, options);
      } catch (err) {
        if (err instanceof edit.EditError) {
          notify(err.message, { tone: 'error' });
          return null;
        }
        throw err;
      }
    },
    [commit, notify],
  );

  const select = useCallback((next) => setSelection({ ...EMPTY_SELECTION, ...next }), []);

  const centerOn = useCallback(
    (id, { ghost = false } = {}) => {
      const node = rf.getNode(ghost ? `${GHOST_PREFIX}${id}` : id);
      if (!node) return;
      const w = node.measured?.width ?? NODE_W;
      const h = node.measured?.height ?? 80;
      rf.setCenter(node.position.x + w / 2, node.position.y + h / 2, {
        zoom: Math.max(rf.getZoom(), 0.9),
        duration: 300,
      });
    },
    [rf],
  );

  const viewportCenter = useCallback(() => {
    const el = document.querySelector('.canvas');
    const box = el?.getBoundingClientRect() ?? { left: 0, top: 0, width: 800, height: 600 };
    return rf.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 });
  }, [rf]);

  // --- edits ------------------------------------------------------------------

  const addNodeAt = useCallback(
    (type, position, { from, port } = {}) => {
      let created = null;
      const next = tryCommit((d) => {
        const res = edit.addNode(d, reg, type, position);
        created = res.id;
        let out = res.doc;
        if (from && port) out = edit.connect(out, reg, from, port, res.id);
        return out;
      });
      if (next && created) {
        select({ nodes: [created] });
        setTab('node');
      }
      return created;
    },
    [reg, select, tryCommit],
  );

  /** Click in the palette: after the selected step (and connected to it), else mid-screen. */
  const addFromPalette = useCallback(
    (type) => {
      const current = history.current();
      const anchorId = selection.nodes.length === 1 ? selection.nodes[0] : null;
      const anchor = anchorId ? edit.findNode(current, anchorId) : null;
      if (anchor) {
        const port = edit.firstFreePort(current, reg, anchor.id);
        const pos = anchor.position ?? { x: 0, y: 0 };
        const siblings = current.edges.filter((e) => e.from === anchor.id).length;
        const created = addNodeAt(type, { x: pos.x + 320, y: pos.y + siblings * 150 }, port ? { from: anchor.id, port } : {});
        if (created) setTimeout(() => centerOn(created), 60);
        return;
      }
      const c = viewportCenter();
      addNodeAt(type, { x: c.x - NODE_W / 2, y: c.y - 40 });
    },
    [addNodeAt, centerOn, history, reg, selection.nodes, viewportCenter],
  );

  const deleteSelection = useCallback(() => {
    const edges = selection.edges.map((id) => {
      const i = id.lastIndexOf(':');
      return { from: id.slice(0, i), port: id.slice(i + 1) };
    });
    let kept = [];
    tryCommit((d) => {
      const res = edit.removeItems(d, { nodes: selection.nodes, edges, notes: selection.notes });
      kept = res.kept;
      return res.doc;
    });
    if (kept.length) notify('The incoming-call step stays: every flow starts there.');
    select({ nodes: kept });
  }, [notify, select, selection, tryCommit]);

  const copySelection = useCallback(() => {
    if (!selection.nodes.length && !selection.notes.length) return false;
    const clip = edit.copyItems(history.current(), selection);
    memoryClip.current = clip;
    writeClipboard(clip);
    pasteCount.current = 0;
    return true;
  }, [history, selection]);

  const paste = useCallback(() => {
    const clip = readClipboard() ?? memoryClip.current;
    if (!clip) return;
    pasteCount.current += 1;
    const step = 40 * pasteCount.current;
    let created = null;
    tryCommit((d) => {
      const res = edit.pasteItems(d, clip, { offset: { x: step, y: step } });
      created = res;
      return res.doc;
    });
    if (created) select({ nodes: created.nodes, notes: created.notes });
  }, [select, tryCommit]);

  const duplicateSelection = useCallback(() => {
    if (!selection.nodes.length && !selection.notes.length) return;
    let created = null;
    tryCommit((d) => {
      const res = edit.duplicateItems(d, selection, { offset: { x: 40, y: 40 } });
      created = res;
      return res.doc;
    });
    if (created) select({ nodes: created.nodes, notes: created.notes });
  }, [select, selection, tryCommit]);

  const addNote = useCallback(
    (position) => {
      const at = position ?? viewportCenter();
      let id = null;
      tryCommit((d) => {
        const res = edit.addNote(d, { x: at.x - 110, y: at.y - 70 });
        id = res.id;
        return res.doc;
      });
      if (id) {
        select({ notes: [id] });
        setTimeout(() => document.querySelector(`[data-note-id="${id}"] textarea`)?.focus(), 50);
      }
    },
    [select, tryCommit, viewportCenter],
  );

  const autoLayout = useCallback(async () => {
    const current = history.current();
    try {
      const { data } = await api.layout(current);
      tryCommit((d) => edit.applyLayout(d, data));
      setTimeout(() => rf.fitView({ padding: 0.2, duration: 300, maxZoom: 1 }), 60);
    } catch (err) {
      notify(`Could not lay out the flow: ${err.message}`, { tone: 'error' });
    }
  }, [history, notify, rf, tryCommit]);

  const fit = useCallback(() => rf.fitView({ padding: 0.2, duration: 300, maxZoom: 1 }), [rf]);

  const actions = useMemo(
    () => ({
      setParam: (id, name, value) =>
        tryCommit((d) => edit.setParam(d, reg, id, name, value), { key: `param:${id}:${name}` }),
      setLabel: (id, label) => tryCommit((d) => edit.setLabel(d, id, label), { key: `label:${id}` }),
      setMeta: (patch) => tryCommit((d) => edit.setMeta(d, patch), { key: `meta:${Object.keys(patch).join()}` }),
      rename: (id, newId) => {
        try {
          commit((d) => edit.renameNode(d, id, newId));
          setSelection((s) => ({ ...s, nodes: s.nodes.map((n) => (n === id ? newId : n)) }));
          return null;
        } catch (err) {
          if (err instanceof edit.EditError) return err.message;
          throw err;
        }
      },
      connect: (from, port, to) => tryCommit((d) => edit.connect(d, reg, from, port, to)),
      disconnect: (from, port) => tryCommit((d) => edit.disconnect(d, from, port)),
      seal: history.seal,
      deleteSelection,
      duplicateSelection,
    }),
    [commit, deleteSelection, duplicateSelection, history.seal, reg, tryCommit],
  );

  // --- canvas callbacks -----------------------------------------------------------

  const onMoveEnd = useCallback((positions) => tryCommit((d) => edit.moveItems(d, positions)), [tryCommit]);
  const onConnect = useCallback((from, port, to) => actions.connect(from, port, to), [actions]);
  const onNoteText = useCallback(
    (id, text) => tryCommit((d) => edit.updateNote(d, id, { text }), { key: `note:${id}` }),
    [tryCommit],
  );
  const onNoteColor = useCallback((id, color) => tryCommit((d) => edit.updateNote(d, id, { color })), [tryCommit]);
  const onNoteResize = useCallback(
    (id, p) => tryCommit((d) => edit.updateNote(d, id, { width: p.width, height: p.height })),
    [tryCommit],
  );
  const onConnectToPane = useCallback((from, port, at) => setQuickAdd({ ...at, from, port }), []);
  /** An edge's end dropped on another handle: one undoable step, the moved edge selected. */
  const onReconnect = useCallback(
    (old, next) => {
      const before = history.current();
      const after = tryCommit((d) => edit.reconnect(d, reg, old, next));
      if (after && after !== before) select({ edges: [edgeId(next.from, next.port)] });
    },
    [history, reg, select, tryCommit],
  );
  const togglePalette = useCallback(() => setPaletteCollapsed((collapsed) => !collapsed), []);
  useEffect(() => saveCollapsed(paletteCollapsed), [paletteCollapsed]);
  const onPaneDoubleClick = useCallback((screen, flow) => setQuickAdd({ screen, flow }), []);

  // --- search ---------------------------------------------------------------------

  const matches = useMemo(() => (search ? searchNodes(shown, reg, search.query) : []), [shown, reg, search]);
  const dimmed = useMemo(() => (search?.query ? new Set(matches) : null), [search, matches]);
  const stepSearch = useCallback(
    (delta) => {
      if (!matches.length) return;
      const index = ((search?.index ?? -1) + delta + matches.length) % matches.length;
      setSearch((s) => ({ ...s, index }));
      select({ nodes: [matches[index]] });
      centerOn(matches[index]);
    },
    [centerOn, matches, search, select],
  );

  // --- publish and conflicts ---------------------------------------------------------

  const blocker =
    access.why('publish', 'publishing') ??
    publishBlocker(markers, { saveState: save.state.status, checkError: validation.error });

  const publish = useCallback(
    async (comment) => {
      const stored = await save.flush();
      if (!stored) {
        return new Error(
          save.get().status === 'conflict'
            ? 'The flow was changed elsewhere; resolve the conflict first.'
            : 'The draft could not be saved, so it was not published.',
        );
      }
      try {
        const { data } = await api.publish(flowId, comment, save.get().etag);
        setRecord((r) => ({ ...r, latestVersion: data.number }));
        setDialog(null);
        notify(`Published version ${data.number}.`, { tone: 'ok' });
        return null;
      } catch (err) {
        if (err.status === 422) setTab('problems');
        return err;
      }
    },
    [flowId, notify, save],
  );

  const reloadTheirs = useCallback(async () => {
    try {
      const { data, etag: theirs } = await api.getFlow(flowId);
      const theirDoc = edit.normalize(data.document);
      commit(theirDoc);
      save.loaded(theirDoc, theirs);
      setRecord(data);
      setDialog(null);
      notify(`Loaded the saved version. ${UNDO} brings your changes back.`);
    } catch (err) {
      notify(`Could not reload: ${err.message}`, { tone: 'error' });
    }
  }, [commit, flowId, notify, save]);

  const overwriteMine = useCallback(async () => {
    try {
      const { etag: theirs } = await api.getFlow(flowId);
      save.resume(theirs);
      setDialog(null);
      await save.saveNow();
    } catch (err) {
      notify(`Could not overwrite: ${err.message}`, { tone: 'error' });
    }
  }, [flowId, notify, save]);

  // --- versions, import and export ----------------------------------------------------

  const rollback = useCallback(
    async (number) => {
      const stored = await save.flush();
      if (!stored && save.get().status === 'conflict') {
        return new Error('The flow was changed elsewhere; resolve the conflict first.');
      }
      try {
        const { data, etag: rolled } = await api.rollback(flowId, number);
        const theirs = edit.normalize(data.document);
        save.loaded(theirs, rolled);
        commit(await placeUnpositioned(theirs));
        setRecord(data);
        versions.close();
        setDialog(null);
        notify(`The draft is now a copy of version ${number}. ${UNDO} brings the previous draft back.`, { tone: 'ok' });
        return null;
      } catch (err) {
        return err;
      }
    },
    [commit, flowId, notify, save, versions],
  );

  const importFile = useCallback(
    async (file) => {
      try {
        const raw = await readFlowFile(file);
        await api.validate(raw); // a document the server cannot read is refused here, not on save
        const next = await placeUnpositioned(edit.normalize(raw));
        versions.close();
        tryCommit(next);
        select({});
        setTimeout(() => rf.fitView({ padding: 0.2, duration: 300, maxZoom: 1 }), 80);
        notify(`Imported ${file.name} as the draft. ${UNDO} brings the previous draft back.`, { tone: 'ok' });
      } catch (error) {
        setDialog({ importError: error, file: file.name });
      }
    },
    [notify, rf, select, tryCommit, versions],
  );

  const exportAs = useCallback(
    async (format) => {
      const stored = await save.flush();
      if (!stored) {
        notify('The draft could not be saved, so an export would be out of date.', { tone: 'error' });
        return;
      }
      try {
        const { blob, filename } = await api.download(api.exportUrl(flowId, format));
        downloadBlob(blob, filename ?? `${flowId}.${format === 'svaml' ? 'svaml.json' : format}`);
      } catch (err) {
        // 422: the server's message repeats what the Problems tab lists, with the flow's id.
        const why = err.status === 422 ? "fix the flow's errors first (the Problems tab lists them)." : err.message;
        notify(`Could not export ${format.toUpperCase()}: ${why}`, { tone: 'error' });
      }
    },
    [flowId, notify, save],
  );

  // --- keyboard -----------------------------------------------------------------------

  const onKey = useRef(null);
  onKey.current = (ev) => {
    if (dialog && ev.key !== 'Escape') return;
    const inPanel = ev.target instanceof Element && ev.target.closest('.side-panel, .palette, .toolbar');
    const action = actionFor(ev, { mac: ON_MAC, onCanvas: !inPanel });
    if (!action || (readOnly && !VIEW_ACTIONS.has(action))) return;
    if (action === 'escape' && inField(ev) && !search && !quickAdd) {
      ev.target.blur(); // leave the field, keep the selection
      return;
    }
    if (action !== 'copy' || selection.nodes.length || selection.notes.length) ev.preventDefault();
    switch (action) {
      case 'undo':
        history.undo();
        break;
      case 'redo':
        history.redo();
        break;
      case 'copy':
        copySelection();
        break;
      case 'cut':
        if (copySelection()) deleteSelection();
        break;
      case 'paste':
        paste();
        break;
      case 'duplicate':
        duplicateSelection();
        break;
      case 'delete':
        deleteSelection();
        break;
      case 'selectAll':
        select({ nodes: doc.nodes.map((n) => n.id), notes: doc.notes.map((n) => n.id) });
        break;
      case 'note':
        addNote();
        break;
      case 'save':
        save.saveNow();
        break;
      case 'search':
        setSearch((s) => s ?? { query: '', index: -1 });
        setTimeout(() => document.querySelector('.searchbar-input')?.focus(), 0);
        break;
      case 'fit':
        fit();
        break;
      case 'zoomIn':
        rf.zoomIn({ duration: 150 });
        break;
      case 'zoomOut':
        rf.zoomOut({ duration: 150 });
        break;
      case 'help':
        setDialog('help');
        break;
      case 'palette':
        togglePalette();
        break;
      case 'escape':
        if (quickAdd) setQuickAdd(null);
        else if (search) setSearch(null);
        else if (!dialog && viewingVersion) versions.close();
        else if (!dialog) select({});
        break;
      default:
        break;
    }
  };
  useEffect(() => {
    const handler = (ev) => onKey.current(ev);
    window.addEventListener('keydown', handler);
    return () => window.removeEventListener('keydown', handler);
  }, []);

  // --- panels -----------------------------------------------------------------------

  const pick = (id, ghost = false) => {
    if (!ghost) select({ nodes: [id] });
    centerOn(id, { ghost });
  };

  const tabs = [
    {
      id: 'node',
      label: 'Properties',
      render: () =>
        viewingVersion ? (
          <div className="panel-pad panel-empty">
            <Eye size={28} className="muted" />
            <p>The canvas shows version {compare.to}, which cannot be edited.</p>
            <button type="button" className="btn btn-small" onClick={versions.close}>
              Back to the draft
            </button>
          </div>
        ) : (
          <Inspector
            doc={doc}
            reg={reg}
            selection={selection}
            markers={markers}
            actions={actions}
            lockReason={canEdit ? null : lockReason}
          />
        ),
    },
    {
      id: 'problems',
      label: 'Problems',
      badge: markers.errors + markers.warnings,
      badgeTone: markers.errors ? 'error' : 'warning',
      render: () => (
        <ProblemsPanel
          doc={doc}
          reg={reg}
          markers={markers}
          validation={validation}
          onPick={(id) => {
            select({ nodes: [id] });
            centerOn(id);
          }}
        />
      ),
    },
    {
      id: 'flow',
      label: 'Flow',
      render: () => (
        <FlowSettings doc={doc} reg={reg} record={record} actions={actions} onExport={exportAs} lockReason={canEdit ? null : lockReason} />
      ),
    },
    {
      id: 'versions',
      label: 'Versions',
      render: () => (
        <VersionsPanel
          versions={versions}
          doc={doc}
          reg={reg}
          latestVersion={record?.latestVersion}
          onRollback={(version) => setDialog({ rollback: version })}
          onPick={pick}
          onPublish={() => setDialog('publish')}
        />
      ),
    },
    {
      id: 'test',
      label: 'Test',
      badge: test.session && test.session.state !== 'ended' ? '●' : null,
      badgeTone: 'live',
      render: () => <TestPanel test={test} doc={doc} onPickNode={(id) => pick(id)} />,
    },
  ];

  const derived = useMemo(
    () => ({
      heat: heat.on && heat.stats ? heatOverlay(heat.stats, shown) : null,
      diff: compare?.status === 'ready' ? diffOverlay(compare.diff, shown, compare.fromDoc) : null,
      call: callPath?.call && !viewingVersion ? pathOverlay(doc, callPath.path) : null,
      test: test.session && !viewingVersion ? pathOverlay(doc, test.path) : null,
      live: live.on && !viewingVersion ? liveOverlay(live.state) : null,
    }),
    [heat.on, heat.stats, shown, compare, callPath, viewingVersion, doc, test.session, test.path, live.on, live.state],
  );
  const layers = useMemo(() => {
    const out = {};
    for (const name of LAYERS) if (derived[name]) out[name] = derived[name];
    return { ...out, ...overlays }; // panels' own overlays (context.setOverlay) on top
  }, [derived, overlays]);

  const context = useMemo(
    () => ({
      flowId,
      reg,
      centerOn,
      readOnly,
      select: (ids) => select({ nodes: ids }),
      setOverlay: (name, overlay) =>
        setOverlays((o) => {
          const next = { ...o };
          if (overlay) next[name] = overlay;
          else delete next[name];
          return next;
        }),
    }),
    [centerOn, flowId, readOnly, reg, select],
  );

  const hasStart = doc.nodes.some((n) => typeOf(reg, n.type)?.kind === 'start');
  const guard = (fn) => (readOnly ? () => {} : fn);

  return (
    <EditorContext.Provider value={context}>
      <div className="editor">
        <Toolbar
          doc={doc}
          record={record}
          save={save}
          history={history}
          markers={markers}
          validation={validation}
          blocker={blocker}
          readOnly={readOnly}
          lockReason={viewingVersion || canEdit ? null : lockReason}
          live={live}
          heat={heat}
          onName={(name) => actions.setMeta({ name })}
          onNameDone={(ev) => {
            if (!ev.target.value.trim()) actions.setMeta({ name: 'Untitled flow' });
            history.seal();
          }}
          tools={{
            addNote: () => addNote(),
            layout: autoLayout,
            fit,
            search: () => setSearch((s) => s ?? { query: '', index: -1 }),
            help: () => setDialog('help'),
            problems: () => setTab('problems'),
            publish: () => setDialog('publish'),
            showConflict: () => setDialog('conflict'),
            importFile: () => importInput.current?.click(),
            exportAs,
            connect: () => setDialog('connect'),
          }}
        />
        <input
          ref={importInput}
          type="file"
          accept=".json,application/json"
          hidden
          data-testid="import-file"
          onChange={(ev) => {
            const file = ev.target.files?.[0];
            ev.target.value = '';
            if (file) importFile(file);
          }}
        />
        <div className="editor-body">
          <Palette
            reg={reg}
            hasStart={hasStart}
            onAdd={addFromPalette}
            collapsed={paletteCollapsed}
            onToggle={togglePalette}
            toggleHint={shortcutHint('palette', { mac: ON_MAC })}
            readOnly={readOnly}
            reason={
              viewingVersion ? 'A published version cannot be edited: go back to the draft to add steps.' : lockReason
            }
          />
          <div className="canvas-wrap">
            <div className="canvas-banners">
              <SignedOutBanner loginUrl={signedOut} onRetry={save.saveNow} />
              <CompareBanner compare={compare} onClose={versions.close} />
              <CallPathBanner callPath={callPath} doc={doc} onClose={closeCallPath} onPick={(id) => pick(id)} />
            </div>
            {(live.on || heat.on) && (
              <div className="canvas-bars">
                {heat.on && <HeatBar heat={heat} doc={shown} onPick={(id) => pick(id)} />}
                {live.on && <LiveBar live={live} onPick={(id) => pick(id)} />}
              </div>
            )}
            {search && (
              <SearchBar
                query={search.query}
                matches={matches}
                index={Math.max(0, search.index)}
                onQuery={(query) => setSearch({ query, index: -1 })}
                onStep={stepSearch}
                onClose={() => setSearch(null)}
              />
            )}
            <Canvas
              doc={shown}
              reg={reg}
              markers={viewingVersion ? EMPTY_MARKERS : markers}
              selection={selection}
              dimmed={dimmed}
              overlays={layers}
              readOnly={readOnly}
              onSelectionChange={setSelection}
              onMoveEnd={guard(onMoveEnd)}
              onConnect={guard(onConnect)}
              onConnectToPane={guard(onConnectToPane)}
              onReconnect={guard(onReconnect)}
              onDropType={guard((type, pos) => addNodeAt(type, pos))}
              onNoteText={guard(onNoteText)}
              onNoteColor={guard(onNoteColor)}
              onNoteResize={guard(onNoteResize)}
              onEditEnd={history.seal}
              onPaneDoubleClick={guard(onPaneDoubleClick)}
            />
          </div>
          <SidePanel tabs={tabs} active={tab} onChange={setTab} />
        </div>
        {quickAdd && (
          <QuickAdd
            reg={reg}
            at={quickAdd.screen}
            title={quickAdd.from ? `Add the step after “${quickAdd.from}” (${quickAdd.port})` : 'Add a step here'}
            onClose={() => setQuickAdd(null)}
            onPick={(type) => {
              const { flow, from, port } = quickAdd;
              setQuickAdd(null);
              addNodeAt(type, { x: flow.x, y: flow.y - 24 }, { from, port });
            }}
          />
        )}
        {dialog === 'help' && <ShortcutsDialog mac={ON_MAC} onClose={() => setDialog(null)} />}
        {dialog === 'publish' && (
          <PublishDialog warnings={markers.warnings} onClose={() => setDialog(null)} onPublish={publish} />
        )}
        {dialog === 'conflict' && (
          <ConflictDialog onReload={reloadTheirs} onOverwrite={overwriteMine} onKeep={() => setDialog(null)} />
        )}
        {dialog === 'connect' && (
          <ConnectDialog flowId={flowId} publicUrl={publicUrl} latestVersion={record?.latestVersion} onClose={() => setDialog(null)} />
        )}
        {dialog?.rollback && (
          <RollbackDialog
            version={dialog.rollback}
            unsaved={save.state.status !== 'saved'}
            onClose={() => setDialog(null)}
            onConfirm={rollback}
          />
        )}
        {dialog?.importError && <ImportErrorDialog error={dialog.importError} file={dialog.file} onClose={() => setDialog(null)} />}
      </div>
    </EditorContext.Provider>
  );
}

/** Positions for nodes that have none: the server's layout, else a local one. */
export async function placeUnpositioned(doc) {
  if (!doc.nodes.some((n) => !n.position)) return doc;
  try {
    const { data } = await api.layout(doc);
    const missing = {};
    for (const n of doc.nodes) if (!n.position && data[n.id]) missing[n.id] = data[n.id];
    const placed = edit.moveItems(doc, missing);
    if (!placed.nodes.some((n) => !n.position)) return placed;
    return edit.moveItems(placed, fallbackLayout(placed));
  } catch {
    return edit.moveItems(doc, fallbackLayout(doc));
  }
}
