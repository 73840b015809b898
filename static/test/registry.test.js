import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { acceptsInput, categoryTitle, indexRegistry, initialData, paramTitle, portsOf } from '../src/lib/registry.js';
import { registry, registryJson } from './helpers.js';

const reg = registry();

describe('registry helpers', () => {
  it('indexes every type and groups all of them into categories', () => {
    const json = registryJson();
    assert.equal(reg.byType.size, json.types.length);
    const grouped = reg.categories.flatMap((c) => c.types.map((t) => t.type));
    assert.deepEqual([...grouped].sort(), json.types.map((t) => t.type).sort());
    assert.equal(reg.categories[0].types[0].type, json.types[0].type, 'registry order kept');
  });

  it('derives menu ports from options, then the fixed ports', () => {
    const ports = portsOf(reg.byType.get('menu'), { options: ['1', '2', '1'] });
    assert.deepEqual(ports.map((p) => p.name), ['1', '2', 'timeout', 'invalid']);
    assert.deepEqual(ports.map((p) => p.required), [true, true, true, false]);
    assert.deepEqual(ports.map((p) => p.dynamic), [true, true, false, false]);
  });

  it('derives branch ports from case names and ignores junk', () => {
    const ports = portsOf(reg.byType.get('branch'), { cases: [{ port: 'vip' }, { when: 'x' }, 'str', null] });
    assert.deepEqual(ports.map((p) => p.name), ['vip', 'else']);
  });

  it('knows fixed ports and the start node', () => {
    assert.deepEqual(portsOf(reg.byType.get('hours'), {}).map((p) => p.name), ['open', 'closed']);
    assert.deepEqual(portsOf(reg.byType.get('hangup'), {}), []);
    assert.deepEqual(portsOf(reg.byType.get('connectPstn'), {}).map((p) => [p.name, p.required]), [['answered', false]]);
    assert.deepEqual(portsOf(null, {}), []);
    assert.equal(acceptsInput(reg.byType.get('start')), false);
    assert.equal(acceptsInput(reg.byType.get('say')), true);
  });

  it('copies examples and titles parameters', () => {
    const a = initialData(reg.byType.get('menu'));
    a.options.push('9');
    assert.notDeepEqual(initialData(reg.byType.get('menu')), a);
    assert.deepEqual(initialData(reg.byType.get('hangup')), {});
    assert.equal(paramTitle('timeoutMills', { title: 'Silence timeout (ms)' }), 'Silence timeout (ms)');
    assert.equal(paramTitle('maxTimeoutMills', {}), 'Max timeout mills');
    assert.equal(categoryTitle('connect'), 'Connect');
  });

  it('tolerates an empty registry', () => {
    const empty = indexRegistry({});
    assert.equal(empty.types.length, 0);
    assert.deepEqual(empty.categories, []);
  });
});
