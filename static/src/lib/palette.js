// Finding a step type by typing, and remembering whether the palette is
// collapsed.  The palette and the quick-add picker filter the same way, so a
// word that finds a step in one finds it in the other.

export const COLLAPSED_KEY = 'callflow-designer.palette-collapsed';

/** The lower-cased words of a query; an empty query has none and matches everything. */
export function queryWords(query) {
  return String(query ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean);
}

const textOf = (...parts) =>
  parts
    .filter((s) => typeof s === 'string')
    .join('\n')
    .toLowerCase();

/**
 * Whether a registry type matches every word of the query somewhere in its
 * label, type name, description or category: "phone conn" finds "Connect phone".
 */
export function typeMatches(typeDef, words) {
  if (!words.length) return true;
  const text = textOf(typeDef.label, typeDef.type, typeDef.description, typeDef.category);
  return words.every((w) => text.includes(w));
}

/**
 * The types matching `query`: those whose name matches first, then those
 * only their description mentions, each in registry order, so that Enter in
 * a picker takes "Hang up" for "hang" rather than a step that talks about it.
 */
export function filterTypes(types, query) {
  const words = queryWords(query);
  const matching = types.filter((t) => typeMatches(t, words));
  const byName = (t) => {
    const name = textOf(t.label, t.type);
    return words.every((w) => name.includes(w));
  };
  return [...matching.filter(byName), ...matching.filter((t) => !byName(t))];
}

/** The palette's categories with only the matching types; empty categories are dropped. */
export function filterCategories(categories, query) {
  const words = queryWords(query);
  if (!words.length) return categories;
  return categories
    .map((c) => ({ ...c, types: c.types.filter((t) => typeMatches(t, words)) }))
    .filter((c) => c.types.length);
}

// `storage` defaults to the page's localStorage, looked up inside the `try`:
// merely reading `window.localStorage` throws where storage is disabled.

/** Whether the palette was left collapsed (false when storage is unavailable or unset). */
export function loadCollapsed(storage) {
  try {
    return (storage ?? globalThis.localStorage)?.getItem(COLLAPSED_KEY) === 'true';
  } catch {
    return false;
  }
}

/** Remember the palette state; a full or disabled storage just forgets it. */
export function saveCollapsed(collapsed, storage) {
  try {
    const store = storage ?? globalThis.localStorage;
    if (collapsed) store?.setItem(COLLAPSED_KEY, 'true');
    else store?.removeItem(COLLAPSED_KEY);
  } catch {
    // Private mode or storage full: the palette opens expanded next time.
  }
}
