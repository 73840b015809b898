// The "Test call" tab: call the draft from a phone keypad.
//
// Keys (clicked, or typed while the keypad has focus) sound their DTMF tones
// and go to the simulated call; prompts are shown and read aloud; the path
// the call takes lights up on the canvas; the outcome is one sentence.
// Test calls run the simulator, which needs the editor role.

import { useEffect, useRef, useState } from 'react';
import {
  ArrowRight,
  CircleAlert,
  CircleCheck,
  Cookie,
  Disc,
  Grip,
  Info,
  LoaderCircle,
  Phone,
  PhoneCall,
  PhoneIncoming,
  PhoneOff,
  RotateCcw,
  Timer,
  TriangleAlert,
  Volume2,
  VolumeX,
} from 'lucide-react';

import { KEYPAD, keyFromEvent, LETTERS, TONE_MS } from '../lib/dtmf.js';
import { nodeName, outcomeText, transcriptRows } from '../lib/transcript.js';
import { ErrorNotice } from '../ui/ErrorNotice.jsx';
import { useAccess } from '../ui/useAccess.js';
import { DEFAULT_CLI } from './useTestCall.js';

const LINE_ICONS = {
  heard: Volume2,
  keyed: Grip,
  ignored: Grip,
  tones: Grip,
  action: ArrowRight,
  callee: Phone,
  cookie: Cookie,
  recording: Disc,
  note: Info,
  error: TriangleAlert,
  end: PhoneOff,
};

const STATE_TEXT = {
  'waiting-for-input': 'Waiting for your keys',
  dialing: 'Ringing the callee',
  connected: 'Connected',
  parked: 'On hold',
  ended: 'Call ended',
};

const OUTCOME_ICONS = { ok: CircleCheck, info: Info, warning: TriangleAlert, error: CircleAlert };

export function TestPanel({ test, doc, onPickNode }) {
  const { session, busy, error } = test;
  const [cli, setCli] = useState(DEFAULT_CLI);
  const [pressed, setPressed] = useState(null);
  const keypad = useRef(null);
  const transcriptBox = useRef(null);
  const cannotCall = useAccess().why('edit', 'calling the draft');

  const state = session?.state ?? null;
  const live = state && state !== 'ended';
  const lines = session?.transcript?.lines;
  const outcome = outcomeText(session, doc);
  const OutcomeIcon = outcome ? OUTCOME_ICONS[outcome.tone] : null;

  // Keep the newest line in view (scrolling the transcript only, not the panel).
  useEffect(() => {
    const box = transcriptBox.current;
    if (box) box.scrollTop = box.scrollHeight;
  }, [lines]);

  // Focus the keypad once the call is up, so typing digits answers the menu.
  useEffect(() => {
    if (state === 'waiting-for-input') keypad.current?.focus({ preventScroll: true });
  }, [session?.id, state]);

  const press = (key) => {
    setPressed(key);
    setTimeout(() => setPressed((k) => (k === key ? null : k)), TONE_MS);
    test.press(key);
  };

  const onKeyDown = (ev) => {
    const key = keyFromEvent(ev);
    if (!key) return;
    ev.preventDefault();
    ev.stopPropagation(); // digits here are keys, not editor shortcuts
    if (!ev.repeat) press(key);
  };

  if (!session) {
    return (
      <div className="panel-pad test-panel" data-testid="test-panel">
        <div className="test-intro">
          <span className="test-intro-icon">
            <PhoneCall size={20} />
          </span>
          <div>
            <h3 className="panel-title">Call this flow</h3>
            <p className="muted small">
              Calls the draft through the simulated Sinch platform, as a caller would. Answer its
              menus on the keypad or with your keyboard; the path lights up on the canvas. Test
              calls are logged as simulated.
            </p>
          </div>
        </div>
        <form
          className="form"
          onSubmit={(ev) => {
            ev.preventDefault();
            test.start({ cli: cli.trim() || undefined });
          }}
        >
          <label className="field">
            <span className="field-label">Calling from</span>
            <input
              className="input input-mono"
              value={cli}
              onChange={(ev) => setCli(ev.target.value)}
              placeholder="+46708168731 or private"
              aria-label="Caller number"
            />
            <span className="field-hint">The caller's number the flow sees as {'{{ call.cli }}'}.</span>
          </label>
          {cannotCall && (
            <p className="lock-notice small" data-testid="test-locked">
              {cannotCall}
            </p>
          )}
          <button
            type="submit"
            className="btn btn-primary btn-block"
            disabled={busy === 'start' || Boolean(cannotCall)}
            title={cannotCall ?? undefined}
            data-testid="test-start"
          >
            {busy === 'start' ? <LoaderCircle size={16} className="spin" /> : <Phone size={16} />}
            {busy === 'start' ? 'Calling…' : 'Call the draft'}
          </button>
        </form>
        <ErrorNotice error={error} title="The call could not start" />
      </div>
    );
  }

  const accepts = new Set(session.keys ?? []);
  return (
    <div className="test-panel" data-testid="test-panel" data-call-state={state}>
      <div className={`call-status call-${state}`}>
        <span className="call-dot" aria-hidden="true" />
        <div className="call-status-text">
          <strong data-testid="call-state">{STATE_TEXT[state] ?? state}</strong>
          {session.node && (
            <button type="button" className="link-btn small" onClick={() => onPickNode(session.node)}>
              at {nodeName(doc, session.node)}
            </button>
          )}
        </div>
        {live ? (
          <button type="button" className="btn btn-small btn-danger-solid" onClick={() => test.hangup('caller')} disabled={Boolean(busy)} data-testid="test-hangup">
            <PhoneOff size={14} /> Hang up
          </button>
        ) : (
          <button type="button" className="btn btn-small" onClick={test.reset} data-testid="test-again">
            <RotateCcw size={14} /> New call
          </button>
        )}
      </div>

      {outcome && (
        <div className={`outcome outcome-${outcome.tone}`} data-testid="test-outcome" role="status">
          <OutcomeIcon size={17} />
          <span>{outcome.text}</span>
        </div>
      )}

      {state === 'waiting-for-input' && session.prompt && (
        <div className="prompt-box">
          <Volume2 size={15} className="prompt-icon" />
          <p className="prompt-text" data-testid="test-prompt">
            {session.prompt}
          </p>
        </div>
      )}

      {state === 'dialing' && (
        <div className="callee-choice">
          <span className="field-label">What does the callee do?</span>
          <div className="callee-buttons">
            <button type="button" className="btn btn-small" onClick={() => test.callee('answer')} disabled={Boolean(busy)} data-testid="callee-answer">
              <PhoneIncoming size={14} /> Answers
            </button>
            <button type="button" className="btn btn-small" onClick={() => test.callee('busy')} disabled={Boolean(busy)} data-testid="callee-busy">
              Busy
            </button>
            <button type="button" className="btn btn-small" onClick={() => test.callee('noanswer')} disabled={Boolean(busy)} data-testid="callee-noanswer">
              No answer
            </button>
          </div>
        </div>
      )}

      {state === 'connected' && (
        <div className="callee-choice">
          <button type="button" className="btn btn-small" onClick={() => test.hangup('callee')} disabled={Boolean(busy)} data-testid="callee-hangup">
            <PhoneOff size={14} /> The callee hangs up
          </button>
        </div>
      )}

      <div
        ref={keypad}
        className={`dialpad${state === 'waiting-for-input' ? '' : ' is-idle'}`}
        tabIndex={0}
        role="group"
        aria-label="Phone keypad: type digits, * or # while it has focus"
        onKeyDown={onKeyDown}
        data-testid="keypad"
      >
        {KEYPAD.flat().map((key) => (
          <button
            key={key}
            type="button"
            tabIndex={-1}
            className={`dial-key${pressed === key ? ' is-pressed' : ''}${accepts.has(key) ? ' is-option' : ''}`}
            onMouseDown={(ev) => ev.preventDefault()} // keep focus on the keypad
            onClick={() => {
              keypad.current?.focus({ preventScroll: true });
              press(key);
            }}
            aria-label={`Key ${key}`}
            data-key={key}
          >
            <span className="dial-digit">{key}</span>
            <span className="dial-letters">{LETTERS[key] ?? '\u00a0'}</span>
          </button>
        ))}
      </div>
      <div className="test-actions">
        <button
          type="button"
          className="btn btn-small"
          onClick={test.silence}
          disabled={Boolean(busy) || !(state === 'waiting-for-input' || state === 'parked')}
          title="Key nothing: the menu times out (or the hold time runs out)"
          data-testid="test-silence"
        >
          <Timer size={14} /> Stay silent
        </button>
        {test.canSpeak && (
          <button
            type="button"
            className={`btn btn-small btn-ghost${test.speaking ? ' is-on' : ''}`}
            aria-pressed={test.speaking}
            onClick={() => test.setSpeak(!test.speaking)}
            title="Read prompts aloud with the browser's voice"
          >
            {test.speaking ? <Volume2 size={14} /> : <VolumeX size={14} />} {test.speaking ? 'Voice on' : 'Voice off'}
          </button>
        )}
        {busy && busy !== 'start' && <LoaderCircle size={15} className="spin muted" />}
      </div>

      {error && (
        <div className="panel-pad-x">
          <ErrorNotice error={error} />
        </div>
      )}
      {test.trace === 'refused' && (
        <p className="muted small panel-pad-x">The live trace is not available: the path is not drawn.</p>
      )}

      <h4 className="section-title panel-pad-x">Transcript</h4>
      <ol className="transcript" data-testid="transcript" ref={transcriptBox}>
        {transcriptRows(lines).map((row) => {
          const Icon = LINE_ICONS[row.kind] ?? Info;
          return (
            <li key={row.key} className={`tline tline-${row.kind}`}>
              <span className="tline-time">{row.time}</span>
              <Icon size={13} className="tline-icon" aria-label={row.label} />
              <span className="tline-text">{row.text}</span>
            </li>
          );
        })}
      </ol>
      <p className="muted small panel-pad-x test-foot">
        Call id <code>{session.callid}</code> ·{' '}
        <a href={`/calls?flow=${encodeURIComponent(session.flow ?? '')}`} target="_blank" rel="noreferrer">
          call log
        </a>
      </p>
    </div>
  );
}
