// Undo/redo as a stack of documents.
//
// Documents are immutable, so a history entry is just a reference.  Typing
// into one field produces an edit per keystroke; edits carrying the same
// `key` within COALESCE_MS replace the newest entry instead of stacking up,
// so one Ctrl+Z undoes the whole word, not one letter.

export const COALESCE_MS = 1200;
export const LIMIT = 200;

export function createHistory(doc) {
  return { past: [], present: doc, future: [], lastKey: null, lastAt: 0 };
}

/**
 * Record `doc` as the new present.  `key` names the kind of edit (e.g.
 * "param:menu:prompt") for coalescing; `now` is a timestamp in ms.
 */
export function record(history, doc, { key = null, now = 0, limit = LIMIT } = {}) {
  if (doc === history.present) return history;
  const coalesce =
    key !== null &&
    key === history.lastKey &&
    now - history.lastAt < COALESCE_MS &&
    history.past.length > 0;
  if (coalesce) {
    return { ...history, present: doc, future: [], lastAt: now };
  }
  const past = [...history.past, history.present];
  if (past.length > limit) past.splice(0, past.length - limit);
  return { past, present: doc, future: [], lastKey: key, lastAt: now };
}

/** End coalescing, so that the next keystroke starts a new undo step. */
export function seal(history) {
  return history.lastKey === null ? history : { ...history, lastKey: null };
}

export const canUndo = (history) => history.past.length > 0;
export const canRedo = (history) => history.future.length > 0;

export function undo(history) {
  if (!canUndo(history)) return history;
  const past = history.past.slice(0, -1);
  return {
    past,
    present: history.past[history.past.length - 1],
    future: [history.present, ...history.future],
    lastKey: null,
    lastAt: 0,
  };
}

export function redo(history) {
  if (!canRedo(history)) return history;
  const [present, ...future] = history.future;
  return { past: [...history.past, history.present], present, future, lastKey: null, lastAt: 0 };
}
