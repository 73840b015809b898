// Debounced saving of the draft with PUT + If-Match (see lib/autosave.js for
// the state machine).  A 409 never overwrites: the editor asks the user.
// `enabled: false` (a user whose role may not edit) never sends anything and
// never warns about leaving: the editor shows the flow read-only.
// Unsaved work also keeps a 401 from taking the page to /login (lib/api.js):
// the user signs in in another tab, and the save is retried when they come
// back to this one (or by clicking the save state).

import { useCallback, useEffect, useReducer, useRef } from 'react';

import { api, holdPageOnSignOut } from '../lib/api.js';
import { initialSave, needsSave, SAVE_DELAY_MS, saveReducer } from '../lib/autosave.js';

const RETRY_MS = 5000;

export function useAutosave(flowId, doc, initialDoc, initialEtag, { enabled = true } = {}) {
  const ref = useRef(null);
  if (ref.current === null) ref.current = initialSave(initialDoc, initialEtag);
  const docRef = useRef(doc);
  docRef.current = doc;
  const enabledRef = useRef(enabled);
  enabledRef.current = enabled;
  const inFlight = useRef(null);
  const [, rerender] = useReducer((n) => n + 1, 0);

  const apply = useCallback((event) => {
    const next = saveReducer(ref.current, event);
    if (next !== ref.current) {
      ref.current = next;
      rerender();
    }
  }, []);

  const saveNow = useCallback(async () => {
    if (inFlight.current) await inFlight.current;
    const sending = docRef.current;
    if (!enabledRef.current || !needsSave(ref.current, sending)) return ref.current.status;
    apply({ type: 'started', doc: sending });
    const run = (async () => {
      try {
        const { etag } = await api.saveFlow(flowId, sending, ref.current.etag);
        apply({ type: 'succeeded', doc: sending, etag, current: docRef.current });
      } catch (err) {
        if (err.status === 409) apply({ type: 'conflict' });
        else apply({ type: 'failed', error: err.message });
      }
    })();
    inFlight.current = run;
    await run;
    inFlight.current = null;
    return ref.current.status;
  }, [apply, flowId]);

  useEffect(() => {
    if (enabled) apply({ type: 'edited', doc });
  }, [apply, doc, enabled]);

  const state = ref.current;
  useEffect(() => {
    if (!enabled || !needsSave(state, doc)) return undefined;
    const timer = setTimeout(saveNow, state.status === 'error' ? RETRY_MS : SAVE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [enabled, state, doc, saveNow]);

  useEffect(() => {
    const unsaved = () => enabledRef.current && ref.current.status !== 'saved';
    const warn = (ev) => {
      if (unsaved()) {
        ev.preventDefault();
        ev.returnValue = '';
      }
    };
    // Back from another tab (where the user may have signed in again): retry at once.
    const retry = () => {
      if (ref.current.status === 'error') saveNow();
    };
    window.addEventListener('beforeunload', warn);
    window.addEventListener('focus', retry);
    const release = holdPageOnSignOut(unsaved);
    return () => {
      window.removeEventListener('beforeunload', warn);
      window.removeEventListener('focus', retry);
      release();
    };
  }, [saveNow]);

  /** Save whatever is pending and report whether the server now has `doc`. */
  const flush = useCallback(async () => {
    // Read-only: nothing here is the user's to save (only positions for unplaced steps).
    if (!enabledRef.current) return true;
    await saveNow();
    return ref.current.status === 'saved' && ref.current.saved === docRef.current;
  }, [saveNow]);

  return {
    state,
    /** The state now (not as of the last render), for async callers. */
    get: useCallback(() => ref.current, []),
    saveNow,
    flush,
    /** The server's draft replaced ours ("reload theirs"). */
    loaded: useCallback((d, etag) => apply({ type: 'loaded', doc: d, etag }), [apply]),
    /** "Overwrite with mine": continue saving on top of revision `etag`. */
    resume: useCallback((etag) => apply({ type: 'resume', etag }), [apply]),
  };
}
