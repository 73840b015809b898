// The editor state: the flow document with its undo/redo history.
//
// Kept in a ref as well as rendered, so that several edits in one event
// handler (or an async callback) always build on the newest document.

import { useCallback, useReducer, useRef } from 'react';

import { canRedo, canUndo, createHistory, record, redo, seal, undo } from '../lib/history.js';

export function useDocument(initial) {
  const ref = useRef(null);
  if (ref.current === null) ref.current = createHistory(initial);
  const [, rerender] = useReducer((n) => n + 1, 0);

  const set = useCallback((history) => {
    if (history !== ref.current) {
      ref.current = history;
      rerender();
    }
  }, []);

  /** Apply `edit(doc) -> doc` as one undoable step (`key` coalesces typing). */
  const commit = useCallback(
    (edit, { key = null } = {}) => {
      const current = ref.current.present;
      const next = typeof edit === 'function' ? edit(current) : edit;
      set(record(ref.current, next, { key, now: Date.now() }));
      return next;
    },
    [set],
  );

  return {
    doc: ref.current.present,
    current: () => ref.current.present,
    commit,
    undo: useCallback(() => set(undo(ref.current)), [set]),
    redo: useCallback(() => set(redo(ref.current)), [set]),
    seal: useCallback(() => set(seal(ref.current)), [set]),
    canUndo: canUndo(ref.current),
    canRedo: canRedo(ref.current),
  };
}
