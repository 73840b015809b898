// The editor's top bar: where you are, whether it is saved, the editing
// tools, the validation summary and Publish (disabled, with the reason, while
// the flow has errors).

import {
  ArrowLeft,
  CircleAlert,
  CircleCheck,
  Cloud,
  CloudOff,
  Keyboard,
  LoaderCircle,
  Maximize,
  Redo2,
  Rocket,
  Search,
  StickyNote,
  TriangleAlert,
  Undo2,
  WandSparkles,
} from 'lucide-react';

import { saveLabel } from '../lib/autosave.js';

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

function Tool({ label, onClick, disabled, children, testId }) {
  return (
    <button type="button" className="icon-btn tool" onClick={onClick} disabled={disabled} title={label} aria-label={label} data-testid={testId}>
      {children}
    </button>
  );
}

export function Toolbar({ doc, record, save, history, markers, validation, blocker, tools, onName, onNameDone }) {
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
          maxLength={200}
          aria-label="Flow name"
          onChange={(ev) => onName(ev.target.value)}
          onBlur={onNameDone}
          onKeyDown={(ev) => ev.key === 'Enter' && ev.currentTarget.blur()}
          size={Math.max(8, Math.min(40, (doc.name ?? '').length + 1))}
        />
        <SaveIndicator state={save.state} onConflict={tools.showConflict} onRetry={save.saveNow} />
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
        <Tool label="Undo (Ctrl+Z)" onClick={history.undo} disabled={!history.canUndo} testId="undo">
          <Undo2 size={17} />
        </Tool>
        <Tool label="Redo (Ctrl+Shift+Z)" onClick={history.redo} disabled={!history.canRedo} testId="redo">
          <Redo2 size={17} />
        </Tool>
        <span className="tool-sep" />
        <Tool label="Add a sticky note (N)" onClick={tools.addNote} testId="add-note">
          <StickyNote size={17} />
        </Tool>
        <Tool label="Auto-layout" onClick={tools.layout} testId="auto-layout">
          <WandSparkles size={17} />
        </Tool>
        <Tool label="Zoom to fit (Shift+1)" onClick={tools.fit} testId="fit">
          <Maximize size={17} />
        </Tool>
        <Tool label="Find steps (Ctrl+F)" onClick={tools.search} testId="find">
          <Search size={17} />
        </Tool>
        <Tool label="Keyboard shortcuts (?)" onClick={tools.help} testId="shortcuts">
          <Keyboard size={17} />
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
        <span className="publish-wrap" title={blocker ?? 'Publish the draft as a new version'}>
          <button
            type="button"
            className="btn btn-primary"
            disabled={Boolean(blocker)}
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
