import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { filterOutline, outline, resolve, typeName } from '../src/lib/openapi.js';
import { openapiJson } from './helpers.js';

const spec = openapiJson();
const sections = outline(spec);
const find = (method, path) => sections.flatMap((s) => s.operations).find((op) => op.method === method && op.path === path);

describe('the API reference outline', () => {
  it('lists every operation of the description once, grouped by tag', () => {
    const listed = sections.flatMap((s) => s.operations.map((op) => `${op.method} ${op.path}`));
    const described = Object.entries(spec.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    assert.deepEqual([...listed].sort(), [...described].sort());
    assert.equal(new Set(listed).size, listed.length);
  });

  it('starts with the flows, titled for people, paths in order and GET first', () => {
    assert.equal(sections[0].title, 'Flows');
    assert.ok(sections.every((s) => /^[A-Z]/.test(s.title)), sections.map((s) => s.title).join(', '));
    const flows = sections[0].operations.map((op) => `${op.method} ${op.path}`);
    assert.deepEqual(flows.slice(0, 2), ['GET /api/flows', 'POST /api/flows']);
  });

  it('says what an operation takes: parameters, body fields, who may call it', () => {
    const calls = find('GET', '/api/calls');
    const limit = calls.params.find((p) => p.name === 'limit');
    assert.equal(limit.in, 'query');
    assert.match(limit.type, /^integer, ≥ 1, ≤ \d+$/);
    const publish = find('POST', '/api/flows/{flow_id}/versions');
    assert.ok(publish.body.fields.some((f) => f.name === 'comment' && f.type.startsWith('string')));
    assert.equal(publish.permission, 'publisher');
    const create = find('POST', '/api/flows');
    assert.equal(create.body.type, 'FlowDocument');
    assert.ok(create.body.fields.find((f) => f.name === 'nodes').required);
    assert.ok(create.responses.some((r) => r.status === '201'));
  });

  it('follows references and writes unions', () => {
    assert.equal(resolve(spec, { $ref: '#/components/schemas/Flow' }), spec.components.schemas.Flow);
    assert.equal(typeName(spec, { anyOf: [{ type: 'string' }, { type: 'null' }] }), 'string | null');
    assert.equal(typeName(spec, { type: 'array', items: { $ref: '#/components/schemas/Call' } }), 'array of Call');
  });

  it('filters by every word typed, across method, path and summary', () => {
    const hits = filterOutline(sections, 'post new version');
    assert.deepEqual(
      hits.flatMap((s) => s.operations.map((op) => `${op.method} ${op.path}`)),
      ['POST /api/flows/{flow_id}/versions'],
    );
    assert.deepEqual(filterOutline(sections, 'no such thing'), []);
    assert.equal(filterOutline(sections, '  '), sections);
  });
});
