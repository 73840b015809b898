import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  actionFor,
  formatCombo,
  formatGesture,
  GESTURES,
  inField,
  isMac,
  matches,
  parseCombo,
  SHORTCUTS,
  shortcutGroups,
  shortcutHint,
  withHint,
} from '../src/lib/keymap.js';

const key = (k, mods = {}, target = { tagName: 'DIV' }) => ({
  key: k,
  code: mods.code ?? '',
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  target,
  ...mods,
});

describe('keymap', () => {
  it('parses combos, including the plus key', () => {
    assert.deepEqual(parseCombo('Mod+Shift+Z'), { key: 'Z', mod: true, shift: true, alt: false });
    assert.deepEqual(parseCombo('+'), { key: '+', mod: false, shift: false, alt: false });
    assert.equal(parseCombo('Mod++').key, '+');
  });

  it('maps the editing shortcuts', () => {
    assert.equal(actionFor(key('z', { ctrlKey: true })), 'undo');
    assert.equal(actionFor(key('Z', { ctrlKey: true, shiftKey: true })), 'redo');
    assert.equal(actionFor(key('y', { ctrlKey: true })), 'redo');
    assert.equal(actionFor(key('c', { ctrlKey: true })), 'copy');
    assert.equal(actionFor(key('v', { ctrlKey: true })), 'paste');
    assert.equal(actionFor(key('d', { ctrlKey: true })), 'duplicate');
    assert.equal(actionFor(key('Delete')), 'delete');
    assert.equal(actionFor(key('Backspace')), 'delete');
    assert.equal(actionFor(key('f', { ctrlKey: true })), 'search');
    assert.equal(actionFor(key('?', { shiftKey: true })), 'help');
    assert.equal(actionFor(key('!', { shiftKey: true, code: 'Digit1' })), 'fit');
    assert.equal(actionFor(key('Escape')), 'escape');
  });

  it('uses Cmd instead of Ctrl on a Mac', () => {
    assert.equal(actionFor(key('z', { metaKey: true }), { mac: true }), 'undo');
    assert.equal(actionFor(key('z', { ctrlKey: true }), { mac: true }), null);
    assert.equal(actionFor(key('z', { metaKey: true })), null);
    assert.ok(isMac('MacIntel'));
    assert.ok(!isMac('Linux x86_64'));
  });

  it('leaves keys to text fields except the global ones', () => {
    const input = { tagName: 'INPUT', type: 'text' };
    assert.equal(actionFor(key('z', { ctrlKey: true }, input)), null);
    assert.equal(actionFor(key('Backspace', {}, { tagName: 'TEXTAREA' })), null);
    assert.equal(actionFor(key('s', { ctrlKey: true }, input)), 'save');
    assert.equal(actionFor(key('Escape', {}, input)), 'escape');
    assert.equal(inField({ target: { tagName: 'INPUT', type: 'checkbox' } }), false);
    assert.equal(inField({ target: { tagName: 'DIV', isContentEditable: true } }), true);
  });

  it('does not fire a plain shortcut when a modifier is held', () => {
    assert.equal(matches('N', key('n', { ctrlKey: true })), false);
    assert.equal(matches('Mod+Z', key('z', { ctrlKey: true, altKey: true })), false);
    assert.equal(actionFor(key('n')), 'note');
  });

  it('formats combos per platform', () => {
    assert.equal(formatCombo('Mod+Shift+Z'), 'Ctrl+Shift+Z');
    assert.equal(formatCombo('Mod+Shift+Z', { mac: true }), '⌘⇧Z');
    assert.equal(formatCombo('Delete'), 'Delete');
  });

  it('groups every shortcut for the help dialog, each action once', () => {
    const groups = shortcutGroups();
    const listed = groups.flatMap((g) => g.items.map((s) => s.action));
    assert.equal(listed.length, SHORTCUTS.length);
    assert.equal(new Set(listed).size, listed.length);
  });
});

describe('palette shortcut and gestures', () => {
  it('collapses the palette with Mod+B, even from the palette filter', () => {
    const input = { tagName: 'INPUT', type: 'text' };
    assert.equal(actionFor(key('b', { ctrlKey: true })), 'palette');
    assert.equal(actionFor(key('b', { ctrlKey: true }, input), { onCanvas: false }), 'palette');
    assert.equal(actionFor(key('b', { metaKey: true }), { mac: true }), 'palette');
    assert.equal(actionFor(key('b')), null, 'a plain B types, it does not toggle');
  });

  it('writes the hint shown in tooltips per platform', () => {
    assert.equal(shortcutHint('palette'), 'Ctrl+B');
    assert.equal(shortcutHint('palette', { mac: true }), '⌘B');
    assert.equal(shortcutHint('no-such-action'), null);
  });

  it('tells how to re-point a connection in the mouse help', () => {
    const help = Object.fromEntries(GESTURES.map((g) => [g.label, g.keys.join(' or ')]));
    assert.equal(help['Re-point a connection'], 'Drag either end');
    assert.equal(help['Cancel re-pointing'], 'Drop on empty canvas');
  });
});

describe('keymap scopes', () => {
  it('keeps canvas shortcuts off while focus is in a panel', () => {
    const button = { tagName: 'BUTTON' };
    const ev = { key: 'Backspace', code: '', ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, target: button };
    assert.equal(actionFor(ev, { onCanvas: true }), 'delete');
    assert.equal(actionFor(ev, { onCanvas: false }), null);
    const undo = { ...ev, key: 'z', ctrlKey: true };
    assert.equal(actionFor(undo, { onCanvas: false }), 'undo', 'history works from anywhere');
  });
});

describe('hints written per platform', () => {
  it('names the shortcut in a tooltip, with ⌘ on a Mac', () => {
    assert.equal(withHint('Undo', 'undo'), 'Undo (Ctrl+Z)');
    assert.equal(withHint('Undo', 'undo', { mac: true }), 'Undo (⌘Z)');
    assert.equal(withHint('Redo', 'redo', { mac: true }), 'Redo (⌘⇧Z)');
    assert.equal(withHint('Find steps', 'search', { mac: true }), 'Find steps (⌘F)');
    assert.equal(withHint('Zoom to fit', 'fit'), 'Zoom to fit (Shift+1)');
    assert.equal(withHint('Auto-layout', 'no-such-action'), 'Auto-layout', 'no shortcut, no hint');
  });

  it('writes the zoom gesture with the platform modifier', () => {
    const zoom = GESTURES.find((g) => g.label === 'Zoom');
    assert.deepEqual(zoom.keys.map((k) => formatGesture(k)), ['Ctrl+Scroll', 'Pinch']);
    assert.deepEqual(zoom.keys.map((k) => formatGesture(k, { mac: true })), ['⌘+Scroll', 'Pinch']);
    const written = GESTURES.flatMap((g) => g.keys.map((k) => formatGesture(k, { mac: true })));
    assert.ok(!written.some((k) => k.includes('Ctrl')), written.join(', '));
  });

  it('speaks of steps, as the palette and the panels do', () => {
    const labels = SHORTCUTS.map((s) => s.label);
    assert.ok(labels.includes('Find steps'));
    assert.ok(!labels.some((l) => /\bnodes?\b/.test(l)), labels.join(', '));
  });
});
