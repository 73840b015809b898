// Node and note ids: readable, unique within the flow, and valid for the
// callflow/1 id syntax `[A-Za-z0-9_-]{1,64}`.

export const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** Turn any text into a usable id stem ("Main menu!" -> "Main_menu"). */
export function idStem(text) {
  const stem = String(text ?? '')
    .trim()
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 56);
  return stem || 'node';
}

/**
 * The first free id built on `base`: `base`, then `base_2`, `base_3`...
 * `taken` is a Set (or anything with `has`).
 */
export function freshId(base, taken) {
  const stem = idStem(base);
  if (!taken.has(stem)) return stem;
  // Reuse a trailing counter so that copying say_2 gives say_3, not say_2_2.
  const m = /^(.*)_(\d+)$/.exec(stem);
  const root = m ? m[1] : stem;
  let n = m ? Number(m[2]) + 1 : 2;
  while (taken.has(`${root}_${n}`)) n += 1;
  return `${root}_${n}`;
}

/** Why `id` cannot be used as a new id for node `self`, or null when it can. */
export function idProblem(id, taken, self = null) {
  if (typeof id !== 'string' || !ID_RE.test(id)) {
    return 'Use 1-64 letters, digits, "_" or "-".';
  }
  if (id !== self && taken.has(id)) return `Another node is already called "${id}".`;
  return null;
}
