// The editor's top bar: where you are, whether it is saved, the editing
// tools, import/export, the live and heat views, the validation summary,
// Connect to Sinch and Publish (disabled, with the reason, while the flow
// has errors or the user's role may not publish).  For a user who may not
// edit, the editing tools are disabled with the reason and "Read only"
// stands where the save state would be.

import {
  ArrowLeft,
  CircleAlert,
  CircleCheck,
  Cloud,
  CloudOff,
  Download,
  FileCode2,
  FileJson,
  Flame,
  Image,
  Keyboard,
  Lock,
  LoaderCircle,
  Maximize,
  Plug,
  Radio,
  Redo2,
  Rocket,
  Search,
  StickyNote,
  TriangleAlert,
  Undo2,
  Upload,
  WandSparkles,
} from 'lucide-react';

import { saveLabel } from '../lib/autosave.js';
import { NAME_MAX } from '../lib/document.js';
import { ON_MAC, withHint } from '../lib/keymap.js';
import { MenuButton } from '../ui/Menu.jsx';

function SaveIndicator({ state, onConflict, onRetry }) {
  const { text, tone } = saveLabel(state);
  const icon =
    tone === 'busy' ? <LoaderCircle size={14} className="spin" /> : tone === 'bad' ? <CloudOff size={14} /> : <Cloud size={14} />;
  const clickable = state.status === 'conflict' || state.status === 'error';
  return (
    <button
      type="button"
      className={`save-indicator save-${tone}`}
      data-save-state={state.status}
      aria-live="polite"
      disabled={!clickable}
      title={state.status === 'conflict' ? 'Choose how to resolve the conflict' : text}
      onClick={state.status === 'conflict' ? onConflict : onRetry}
    >
      {icon}
      <span>{text}</span>
    </button>
  );
}

// A tooltip with the shortcut written for this platform ("Undo (⌘Z)" on a Mac).
const hinted = (label, action) => withHint(label, action, { mac: ON_MAC });

function Tool({ label, onClick, disabled, children, testId, pressed }) {
  return (
    <button
      type="button"
      className={`icon-btn tool${pressed ? ' is-pressed' : ''}`}
      onClick={onClick}
      disabled={disabled}
      title={label}
      aria-label={label}
      aria-pressed={pressed}
      data-testid={testId}
    >
      {children}
    </button>
  );
}

function ReadOnlyBadge({ reason }) {
  return (
    <span className="pill pill-locked" title={reason} data-testid="read-only">
      <Lock size={12} /> Read only
    </span>
  );
}

export function Toolbar({ doc, record, save, history, markers, validation, blocker, tools, onName, onNameDone, readOnly, lockReason = null, live, heat }) {
  // Why an editing tool is off: the user's role, else nothing to say (a version is shown).
  const editLabel = (label) => (lockReason ? `${label}: ${lockReason}` : label);
  const { errors, warnings } = markers;
  let status;
  if (validation.pending && !validation.checked) status = <span className="muted">Checking…</span>;
  else if (validation.error) {
    status = (
      <>
        <TriangleAlert size={15} /> Not checked
      </>
    );
  } else if (errors) {
    status = (
      <>
        <CircleAlert size={15} /> {errors} error{errors === 1 ? '' : 's'}
      </>
    );
  } else if (warnings) {
    status = (
      <>
        <TriangleAlert size={15} /> {warnings} warning{warnings === 1 ? '' : 's'}
      </>
    );
  } else {
    status = (
      <>
        <CircleCheck size={15} /> Valid
      </>
    );
  }
  return (
    <header className="toolbar">
      <div className="toolbar-left">
        <a className="icon-btn" href="/" title="All flows" aria-label="All flows">
          <ArrowLeft size={18} />
        </a>
        <input
          className="flow-name"
          value={doc.name ?? ''}
          maxLength={NAME_MAX}
          readOnly={Boolean(lockReason)}
          title={lockReason ?? undefined}
          aria-label="Flow name"
          onChange={(ev) => onName(ev.target.value)}
          onBlur={onNameDone}
          onKeyDown={(ev) => ev.key === 'Enter' && ev.currentTarget.blur()}
          size={Math.max(8, Math.min(40, (doc.name ?? '').length + 1))}
        />
        {lockReason ? (
          <ReadOnlyBadge reason={lockReason} />
        ) : (
          <SaveIndicator state={save.state} onConflict={tools.showConflict} onRetry={save.saveNow} />
        )}
        {record?.latestVersion ? (
          <span className="pill pill-ok" title="Calls run the latest published version" data-testid="published-version">
            v{record.latestVersion} live
          </span>
        ) : (
          <span className="pill" title="Not published yet: no call reaches this flow">
            draft
          </span>
        )}
      </div>
      <div className="toolbar-tools">
        <Tool label={editLabel(hinted('Undo', 'undo'))} onClick={history.undo} disabled={readOnly || !history.canUndo} testId="undo">
          <Undo2 size={17} />
        </Tool>
        <Tool label={editLabel(hinted('Redo', 'redo'))} onClick={history.redo} disabled={readOnly || !history.canRedo} testId="redo">
          <Redo2 size={17} />
        </Tool>
        <span className="tool-sep" />
        <Tool label={editLabel(hinted('Add a sticky note', 'note'))} onClick={tools.addNote} disabled={readOnly} testId="add-note">
          <StickyNote size={17} />
        </Tool>
        <Tool label={editLabel('Auto-layout')} onClick={tools.layout} disabled={readOnly} testId="auto-layout">
          <WandSparkles size={17} />
        </Tool>
        <Tool label={hinted('Zoom to fit', 'fit')} onClick={tools.fit} testId="fit">
          <Maximize size={17} />
        </Tool>
        <Tool label={hinted('Find steps', 'search')} onClick={tools.search} testId="find">
          <Search size={17} />
        </Tool>
        <Tool label={hinted('Keyboard shortcuts', 'help')} onClick={tools.help} testId="shortcuts">
          <Keyboard size={17} />
        </Tool>
        <span className="tool-sep" />
        <Tool label={editLabel('Import a flow JSON file as the draft')} onClick={tools.importFile} disabled={readOnly} testId="import">
          <Upload size={17} />
        </Tool>
        <MenuButton
          label="Export the draft"
          icon={<Download size={17} />}
          testId="export"
          items={[
            { id: 'json', label: 'Flow document', hint: 'JSON, to import elsewhere', icon: <FileJson size={15} />, onSelect: () => tools.exportAs('json'), testId: 'export-json' },
            { id: 'svaml', label: 'SVAML', hint: 'what Sinch is answered', icon: <FileCode2 size={15} />, onSelect: () => tools.exportAs('svaml'), testId: 'export-svaml' },
            { id: 'svg', label: 'Picture', hint: 'SVG drawn by Graphviz', icon: <Image size={15} />, onSelect: () => tools.exportAs('svg'), testId: 'export-svg' },
          ]}
        />
        <span className="tool-sep" />
        <Tool
          label={live.on ? 'Stop the live view' : 'Live: show where calls are right now'}
          onClick={live.toggle}
          pressed={live.on}
          testId="live-toggle"
        >
          <Radio size={17} />
          {live.on && live.count > 0 && <span className="tool-count">{live.count}</span>}
        </Tool>
        <Tool label={heat.on ? 'Hide the heat map' : 'Heat map: calls and drop-off per step'} onClick={heat.toggle} pressed={heat.on} testId="heat-toggle">
          <Flame size={17} />
        </Tool>
      </div>
      <div className="toolbar-right">
        <button
          type="button"
          className={`validity ${errors ? 'is-error' : warnings || validation.error ? 'is-warning' : 'is-ok'}`}
          onClick={tools.problems}
          data-testid="validity"
          data-errors={errors}
        >
          {status}
        </button>
        <button type="button" className="btn btn-ghost" onClick={tools.connect} data-testid="connect" title="Callback URL and phone numbers for Sinch">
          <Plug size={16} /> Connect
        </button>
        <span className="publish-wrap" title={blocker ?? 'Publish the draft as a new version'}>
          <button
            type="button"
            className="btn btn-primary"
            disabled={Boolean(blocker) || readOnly}
            aria-describedby={blocker ? 'publish-blocker' : undefined}
            onClick={tools.publish}
            data-testid="publish"
          >
            <Rocket size={16} /> Publish
          </button>
        </span>
        {blocker && (
          <span id="publish-blocker" className="sr-only">
            {blocker}
          </span>
        )}
      </div>
    </header>
  );
}
