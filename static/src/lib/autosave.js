// The autosave state machine behind the "Saved / Saving… / Unsaved /
// Conflict" indicator.
//
// The draft is saved with PUT + If-Match: the server answers 409 when someone
// else saved in between.  A conflict stops autosave until the user chooses
// (reload theirs / overwrite with mine / keep editing): the editor never
// overwrites silently.

export const SAVE_DELAY_MS = 800;

export function initialSave(doc, etag) {
  return { status: 'saved', saved: doc, inFlight: null, etag, error: null };
}

/**
 * Apply one event:
 * - `{type: 'edited', doc}`              the document changed (or was undone)
 * - `{type: 'started', doc}`             a PUT of `doc` was sent
 * - `{type: 'succeeded', doc, etag, current}` the PUT of `doc` succeeded
 * - `{type: 'conflict', current}`        the PUT got 409
 * - `{type: 'failed', error, current}`   the PUT failed otherwise
 * - `{type: 'loaded', doc, etag}`        the server's draft replaced ours
 * - `{type: 'resume', etag}`             after a conflict: "overwrite with mine"
 */
export function saveReducer(state, event) {
  switch (event.type) {
    case 'edited': {
      if (state.status === 'conflict' || state.inFlight) return state;
      const status = event.doc === state.saved ? 'saved' : 'unsaved';
      return status === state.status && !state.error ? state : { ...state, status, error: null };
    }
    case 'started':
      return { ...state, status: 'saving', inFlight: event.doc, error: null };
    case 'succeeded': {
      const clean = event.current === event.doc;
      return {
        ...state,
        saved: event.doc,
        etag: event.etag ?? state.etag,
        inFlight: null,
        status: clean ? 'saved' : 'unsaved',
        error: null,
      };
    }
    case 'conflict':
      return { ...state, inFlight: null, status: 'conflict', error: null };
    case 'failed':
      return { ...state, inFlight: null, status: 'error', error: event.error ?? 'Could not save.' };
    case 'loaded':
      return initialSave(event.doc, event.etag);
    case 'resume':
      return { ...state, etag: event.etag ?? state.etag, status: 'unsaved', inFlight: null };
    default:
      return state;
  }
}

/** Whether `doc` should be sent now. */
export function needsSave(state, doc) {
  return state.status !== 'conflict' && !state.inFlight && doc !== state.saved;
}

/** Text and tone of the indicator. */
export function saveLabel(state) {
  switch (state.status) {
    case 'saved':
      return { text: 'All changes saved', tone: 'ok' };
    case 'saving':
      return { text: 'Saving…', tone: 'busy' };
    case 'unsaved':
      return { text: 'Unsaved changes', tone: 'pending' };
    case 'conflict':
      return { text: 'Conflict: changed elsewhere', tone: 'bad' };
    case 'error':
      return { text: `Not saved: ${state.error}`, tone: 'bad' };
    default:
      return { text: '', tone: 'ok' };
  }
}
