// The editor's keyboard map: one table drives both the key handling and the
// shortcuts help dialog, so the dialog can never disagree with the keys.
//
// "Mod" is Ctrl, or ⌘ on a Mac.  A shortcut is ignored while the user types
// in a field (the browser's own undo and copy apply there) unless it is
// marked `inFields`.  Shortcuts marked `canvas` act on the canvas selection
// and only fire when focus is not in a panel: Backspace after clicking a
// button in the property form must not delete the node being edited.

export const SHORTCUTS = [
  { action: 'undo', keys: ['Mod+Z'], label: 'Undo', group: 'Edit' },
  { action: 'redo', keys: ['Mod+Shift+Z', 'Mod+Y'], label: 'Redo', group: 'Edit' },
  { action: 'copy', keys: ['Mod+C'], label: 'Copy selection', group: 'Edit', canvas: true },
  { action: 'cut', keys: ['Mod+X'], label: 'Cut selection', group: 'Edit', canvas: true },
  { action: 'paste', keys: ['Mod+V'], label: 'Paste', group: 'Edit', canvas: true },
  { action: 'duplicate', keys: ['Mod+D'], label: 'Duplicate selection', group: 'Edit', canvas: true },
  { action: 'delete', keys: ['Delete', 'Backspace'], label: 'Delete selection', group: 'Edit', canvas: true },
  { action: 'selectAll', keys: ['Mod+A'], label: 'Select everything', group: 'Edit', canvas: true },
  { action: 'note', keys: ['N'], label: 'Add a sticky note', group: 'Edit', canvas: true },
  { action: 'save', keys: ['Mod+S'], label: 'Save now', group: 'Edit', inFields: true },
  { action: 'search', keys: ['Mod+F'], label: 'Find steps', group: 'View', inFields: true },
  { action: 'fit', keys: ['Shift+1'], label: 'Zoom to fit', group: 'View', canvas: true },
  { action: 'zoomIn', keys: ['+', '='], label: 'Zoom in', group: 'View', canvas: true },
  { action: 'zoomOut', keys: ['-'], label: 'Zoom out', group: 'View', canvas: true },
  { action: 'palette', keys: ['Mod+B'], label: 'Collapse or expand the palette', group: 'View', inFields: true },
  { action: 'help', keys: ['?'], label: 'Keyboard shortcuts', group: 'Help' },
  { action: 'escape', keys: ['Escape'], label: 'Close dialog / clear selection', group: 'Help', inFields: true },
];

// Mouse gestures shown in the help dialog next to the keys ("Mod" as in
// SHORTCUTS: written per platform by formatGesture).
export const GESTURES = [
  { label: 'Add to selection', keys: ['Shift+Click'] },
  { label: 'Select with a box', keys: ['Shift+Drag'] },
  { label: 'Pan the canvas', keys: ['Drag', 'Scroll'] },
  { label: 'Zoom', keys: ['Mod+Scroll', 'Pinch'] },
  { label: 'Connect a port to a step', keys: ['Drag from the port'] },
  // Onto another step (its arrow end) or another port (its tail).
  { label: 'Re-point a connection', keys: ['Drag either end'] },
  // The connection stays as it was (React Flow's convention); nothing is deleted.
  { label: 'Cancel re-pointing', keys: ['Drop on empty canvas'] },
];

/** Parse "Mod+Shift+Z" into its parts. */
export function parseCombo(combo) {
  const parts = combo.split('+');
  // "+" itself is a key: "Mod++" or "+".
  let key = parts.pop();
  if (key === '' && combo.endsWith('+')) {
    key = '+';
    parts.pop();
  }
  const mods = new Set(parts.map((p) => p.toLowerCase()));
  return { key, mod: mods.has('mod'), shift: mods.has('shift'), alt: mods.has('alt') };
}

// Keys whose character already implies Shift on common layouts ("?", "+").
const isSymbol = (key) => key.length === 1 && !/[A-Za-z0-9]/.test(key);

// With Shift held, the digit row reports "!" for "1" and so on (US layout);
// `code` tells the physical key, so use it for digits.
function eventKey(ev) {
  if (/^Digit\d$/.test(ev.code ?? '') && (ev.ctrlKey || ev.metaKey || ev.shiftKey)) {
    return ev.code.slice(5);
  }
  return ev.key ?? '';
}

/** Does keyboard event `ev` (or a plain object shaped like one) press `combo`? */
export function matches(combo, ev, { mac = false } = {}) {
  const c = parseCombo(combo);
  const mod = mac ? ev.metaKey : ev.ctrlKey;
  const otherMod = mac ? ev.ctrlKey : ev.metaKey;
  if (Boolean(mod) !== c.mod || otherMod || Boolean(ev.altKey) !== c.alt) return false;
  const key = eventKey(ev);
  if (isSymbol(c.key)) return key === c.key;
  if (Boolean(ev.shiftKey) !== c.shift) return false;
  return key.toLowerCase() === c.key.toLowerCase();
}

/** Is the event's target a text field (where keys belong to the field)? */
export function inField(ev) {
  const t = ev.target;
  if (!t) return false;
  if (t.isContentEditable) return true;
  const tag = (t.tagName ?? '').toLowerCase();
  if (tag === 'textarea' || tag === 'select') return true;
  if (tag !== 'input') return false;
  const type = (t.type ?? 'text').toLowerCase();
  return !['checkbox', 'radio', 'button', 'submit', 'range', 'color'].includes(type);
}

/**
 * The action `ev` triggers, or null.  `onCanvas` says whether focus is on
 * the canvas (or nowhere in particular) rather than in a side panel.
 */
export function actionFor(ev, { mac = false, onCanvas = true, shortcuts = SHORTCUTS } = {}) {
  const typing = inField(ev);
  for (const s of shortcuts) {
    if (typing && !s.inFields) continue;
    if (s.canvas && !onCanvas) continue;
    if (s.keys.some((combo) => matches(combo, ev, { mac }))) return s.action;
  }
  return null;
}

/** How a combo is written for this platform: "Ctrl+Shift+Z" or "⌘⇧Z". */
export function formatCombo(combo, { mac = false } = {}) {
  const c = parseCombo(combo);
  const key = c.key.length === 1 ? c.key.toUpperCase() : c.key;
  if (mac) {
    return `${c.mod ? '⌘' : ''}${c.alt ? '⌥' : ''}${c.shift ? '⇧' : ''}${key}`;
  }
  return [c.mod && 'Ctrl', c.alt && 'Alt', c.shift && 'Shift', key].filter(Boolean).join('+');
}

/** The first combo of `action`, written for this platform (for tooltips), or null. */
export function shortcutHint(action, { mac = false, shortcuts = SHORTCUTS } = {}) {
  const s = shortcuts.find((item) => item.action === action);
  return s ? formatCombo(s.keys[0], { mac }) : null;
}

/** A tooltip naming its shortcut for this platform: "Undo (⌘Z)"; the label alone without one. */
export function withHint(label, action, { mac = false, shortcuts = SHORTCUTS } = {}) {
  const hint = shortcutHint(action, { mac, shortcuts });
  return hint ? `${label} (${hint})` : label;
}

/** A mouse gesture written for this platform: "Ctrl+Scroll" or "⌘+Scroll". */
export function formatGesture(gesture, { mac = false } = {}) {
  return gesture.replace(/^Mod\+/, mac ? '⌘+' : 'Ctrl+');
}

/** The shortcut table grouped for the help dialog. */
export function shortcutGroups(shortcuts = SHORTCUTS) {
  const groups = new Map();
  for (const s of shortcuts) {
    if (!groups.has(s.group)) groups.set(s.group, []);
    groups.get(s.group).push(s);
  }
  return [...groups].map(([name, items]) => ({ name, items }));
}

export const isMac = (platform) => /mac|iphone|ipad/i.test(platform ?? '');

/** This browser's platform, read once: every hint the editor shows is written for it. */
export const ON_MAC = isMac(globalThis.navigator?.platform);
