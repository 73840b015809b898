import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { COLLAPSED_KEY, filterCategories, filterTypes, loadCollapsed, queryWords, saveCollapsed } from '../src/lib/palette.js';
import { registry } from './helpers.js';

const reg = registry();

const names = (categories) => categories.flatMap((c) => c.types.map((t) => t.type));

/** A Storage-shaped map (localStorage's interface). */
function memoryStorage() {
  const items = new Map();
  return {
    getItem: (k) => (items.has(k) ? items.get(k) : null),
    setItem: (k, v) => items.set(k, String(v)),
    removeItem: (k) => items.delete(k),
    items,
  };
}

const broken = {
  getItem() {
    throw new Error('SecurityError');
  },
  setItem() {
    throw new Error('QuotaExceededError');
  },
  removeItem() {
    throw new Error('SecurityError');
  },
};

describe('palette filter', () => {
  it('shows every category for an empty or blank query', () => {
    assert.equal(filterCategories(reg.categories, ''), reg.categories);
    assert.equal(filterCategories(reg.categories, '   '), reg.categories);
    assert.deepEqual(queryWords('  Connect   PHONE '), ['connect', 'phone']);
  });

  it('matches names, type names and descriptions, ignoring case', () => {
    assert.deepEqual(names(filterCategories(reg.categories, 'HANG')), ['hangup']);
    assert.deepEqual(names(filterCategories(reg.categories, 'connectSip')), ['connectSip']);
    // Only the description of Opening hours says "weekly schedule".
    assert.deepEqual(names(filterCategories(reg.categories, 'weekly schedule')), ['hours']);
  });

  it('needs every word, in any order', () => {
    assert.deepEqual(names(filterCategories(reg.categories, 'phone connect')), ['connectPstn']);
    assert.deepEqual(names(filterCategories(reg.categories, 'phone nothing-like-this')), []);
  });

  it('drops categories left empty and keeps registry order', () => {
    const groups = filterCategories(reg.categories, 'recording');
    assert.deepEqual(
      groups.map((g) => g.name),
      ['call'],
    );
    assert.deepEqual(names(groups), ['startRecording', 'stopRecording']);
    assert.ok(reg.categories.find((c) => c.name === 'call').types.length > 2, 'the registry category is untouched');
  });

  it('finds nothing for text no type has (the empty state)', () => {
    assert.deepEqual(filterCategories(reg.categories, 'zzzz'), []);
  });

  it('lists name matches before description-only ones in the picker', () => {
    const types = filterTypes(reg.types, 'hang');
    assert.equal(types[0].type, 'hangup');
    const call = filterTypes(reg.types, 'call').map((t) => t.type);
    const nameMatches = reg.types.filter((t) => /call/i.test(t.label) || /call/i.test(t.type)).map((t) => t.type);
    assert.deepEqual(call.slice(0, nameMatches.length), nameMatches);
    assert.ok(call.length > nameMatches.length, 'descriptions mentioning calls come after');
  });
});

describe('palette collapsed state', () => {
  it('is remembered in storage and forgotten when expanded again', () => {
    const storage = memoryStorage();
    assert.equal(loadCollapsed(storage), false);
    saveCollapsed(true, storage);
    assert.equal(storage.items.get(COLLAPSED_KEY), 'true');
    assert.equal(loadCollapsed(storage), true);
    saveCollapsed(false, storage);
    assert.equal(storage.items.has(COLLAPSED_KEY), false);
    assert.equal(loadCollapsed(storage), false);
  });

  it('falls back to expanded when storage is unavailable or holds junk', () => {
    assert.equal(loadCollapsed(broken), false);
    assert.doesNotThrow(() => saveCollapsed(true, broken));
    const storage = memoryStorage();
    storage.setItem(COLLAPSED_KEY, 'yes please');
    assert.equal(loadCollapsed(storage), false);
  });
});
