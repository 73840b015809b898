// A test call of the draft through the simulator (/api/sim): start it, key
// digits, stay silent, hang up, play the callee; follow its path on the
// canvas from the trace websocket, and read the prompts aloud.
//
// The simulated call's `callid` is the Sinch call id its callbacks carry,
// so the trace stream of that id is the same one a real call would have:
// the canvas lights up from the engine's own trace, not from the panel.

import { useCallback, useEffect, useRef, useState } from 'react';

import { api } from '../lib/api.js';
import { addEvent, EMPTY_PATH } from '../lib/trace.js';
import { newPrompts } from '../lib/transcript.js';
import { canSpeak, playDtmf, speak, stopSpeaking } from '../ui/sound.js';
import { connectTraces } from './traces.js';

const SPEAK_KEY = 'callflow-designer.speak-prompts';
export const DEFAULT_CLI = '+46708168731';

function readSpeakSetting() {
  try {
    return window.localStorage.getItem(SPEAK_KEY) !== 'off';
  } catch {
    return true;
  }
}

export function useTestCall({ flowId, save, locale }) {
  const [session, setSession] = useState(null);
  const [path, setPath] = useState(EMPTY_PATH);
  const [trace, setTrace] = useState('idle'); // websocket state
  const [busy, setBusy] = useState(null); // what is being sent: "start", "dtmf"...
  const [error, setError] = useState(null);
  const [speaking, setSpeaking] = useState(() => canSpeak() && readSpeakSetting());
  const closeTrace = useRef(null);
  const spoken = useRef(0); // transcript lines already read aloud
  const speakingRef = useRef(speaking);
  speakingRef.current = speaking;
  const sessionRef = useRef(null);
  sessionRef.current = session;
  const keys = useRef(Promise.resolve()); // key presses are sent one after the other

  const stopTrace = useCallback(() => {
    closeTrace.current?.();
    closeTrace.current = null;
  }, []);

  useEffect(
    () => () => {
      stopTrace();
      stopSpeaking();
    },
    [stopTrace],
  );

  // Read new prompts aloud as answers arrive.
  useEffect(() => {
    const lines = session?.transcript?.lines ?? [];
    const fresh = newPrompts(lines, spoken.current);
    spoken.current = lines.length;
    if (fresh.length && speakingRef.current) {
      stopSpeaking();
      speak(fresh, locale);
    }
  }, [session, locale]);

  // The stream is done once the call has ended and its DiCE was seen.
  useEffect(() => {
    if (session?.state === 'ended' && path.ended) stopTrace();
  }, [session, path.ended, stopTrace]);

  const run = useCallback(async (what, fn) => {
    setBusy(what);
    setError(null);
    try {
      const { data } = await fn();
      setSession(data);
      return data;
    } catch (err) {
      setError(err);
      return null;
    } finally {
      setBusy(null);
    }
  }, []);

  const start = useCallback(
    async ({ cli } = {}) => {
      stopTrace();
      stopSpeaking();
      setError(null);
      setBusy('start');
      const stored = await save.flush();
      if (!stored) {
        setBusy(null);
        setError(
          new Error(
            save.get().status === 'conflict'
              ? 'The draft was changed elsewhere: resolve the conflict, then call it.'
              : 'The draft could not be saved, so it cannot be called yet.',
          ),
        );
        return;
      }
      setBusy(null);
      spoken.current = 0;
      setPath(EMPTY_PATH);
      setSession(null);
      const started = await run('start', () => api.simStart({ flow: flowId, ...(cli ? { cli } : {}) }));
      if (!started) return;
      closeTrace.current = connectTraces(
        { call: started.callid },
        {
          onEvent: (ev) => setPath((p) => addEvent(p, ev)),
          onState: setTrace,
        },
      );
    },
    [flowId, run, save, stopTrace],
  );

  const id = session?.id;

  const press = useCallback(
    (key) => {
      playDtmf(key);
      keys.current = keys.current.then(async () => {
        // The state when this key's turn comes, not when it was pressed.
        const current = sessionRef.current;
        if (!current || current.state !== 'waiting-for-input') return;
        stopSpeaking(); // keying barges in, as on a phone
        const data = await run('dtmf', () => api.simDtmf(current.id, key));
        if (data) sessionRef.current = data;
      });
    },
    [run],
  );

  const silence = useCallback(() => id && run('silence', () => api.simSilence(id)), [id, run]);
  const hangup = useCallback(
    (by = 'caller') => {
      stopSpeaking();
      return id && run('hangup', () => api.simHangup(id, by));
    },
    [id, run],
  );
  const callee = useCallback((answer) => id && run('callee', () => api.simCallee(id, answer)), [id, run]);

  const reset = useCallback(() => {
    stopTrace();
    stopSpeaking();
    setSession(null);
    setPath(EMPTY_PATH);
    setError(null);
    setTrace('idle');
  }, [stopTrace]);

  const setSpeak = useCallback((on) => {
    setSpeaking(on);
    if (!on) stopSpeaking();
    try {
      window.localStorage.setItem(SPEAK_KEY, on ? 'on' : 'off');
    } catch {
      // not remembered; fine
    }
  }, []);

  return {
    session,
    path,
    trace,
    busy,
    error,
    speaking,
    canSpeak: canSpeak(),
    start,
    press,
    silence,
    hangup,
    callee,
    reset,
    setSpeak,
  };
}
