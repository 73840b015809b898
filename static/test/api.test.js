import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ApiError, callbackUrl, fetchFile, makeApi, queryString, traceSocketUrl } from '../src/lib/api.js';

/** A fetch that records what was asked and answers `reply`. */
function fakeFetch(reply) {
  const seen = [];
  const fetch = async (url, init = {}) => {
    seen.push({ url, ...init });
    return reply(url, init);
  };
  return { fetch, seen };
}

const json = (status, body, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('URLs the editor builds', () => {
  it('gives Sinch the public URL when configured, else the page origin', () => {
    assert.equal(callbackUrl('https://ivr.example.com', 'http://127.0.0.1:5000'), 'https://ivr.example.com/voice/callback');
    assert.equal(callbackUrl('https://example.com/designer/', 'http://x'), 'https://example.com/designer/voice/callback');
    assert.equal(callbackUrl(null, 'http://127.0.0.1:5000'), 'http://127.0.0.1:5000/voice/callback');
    assert.equal(callbackUrl('', 'https://a.b'), 'https://a.b/voice/callback');
  });

  it('opens trace websockets on the page host, wss under https', () => {
    assert.equal(traceSocketUrl({ call: 'a@b' }, { protocol: 'http:', host: 'h:5000' }), 'ws://h:5000/ws/traces?call=a%40b');
    assert.equal(traceSocketUrl({ flow: 'f' }, { protocol: 'https:', host: 'h' }), 'wss://h/ws/traces?flow=f');
  });

  it('leaves empty filters out of query strings', () => {
    assert.equal(queryString({ from: 3, to: 'draft', x: '', y: null }), '?from=3&to=draft');
    assert.equal(queryString({}), '');
  });
});

describe('the endpoints of versions, the simulator and numbers', () => {
  it('sends what the server expects', async () => {
    const { fetch, seen } = fakeFetch(() => json(200, { ok: true }));
    const api = makeApi({ fetch });
    await api.rollback('f 1', 2);
    await api.diff('f', 1, 'draft');
    await api.simStart({ flow: 'f' });
    await api.simDtmf('s', '#');
    await api.simSilence('s');
    await api.simCallee('s', 'busy');
    await api.bindNumber('+46700000001', { flow: 'f', version: null });
    await api.stats('f', { since: '2026-11-25T09:00:00.000Z' });
    assert.deepEqual(
      seen.map((r) => [r.method, r.url, r.body ? JSON.parse(r.body) : undefined]),
      [
        ['POST', '/api/flows/f%201/rollback', { version: 2 }],
        ['GET', '/api/flows/f/diff?from=1&to=draft', undefined],
        ['POST', '/api/sim/calls', { flow: 'f' }],
        ['POST', '/api/sim/calls/s/dtmf', { digits: '#' }],
        ['POST', '/api/sim/calls/s/silence', undefined],
        ['POST', '/api/sim/calls/s/callee', { answer: 'busy' }],
        ['PUT', '/api/numbers/%2B46700000001', { flow: 'f', version: null }],
        ['GET', '/api/flows/f/stats?since=2026-11-25T09%3A00%3A00.000Z', undefined],
      ],
    );
  });
});

describe('downloads', () => {
  it('returns the file with the name the server gave it', async () => {
    const { fetch } = fakeFetch(
      () => new Response('<svg/>', { status: 200, headers: { 'content-disposition': 'attachment; filename="acme.svg"' } }),
    );
    const { blob, filename } = await fetchFile('/api/flows/f/export?format=svg', { fetch });
    assert.equal(filename, 'acme.svg');
    assert.equal(await blob.text(), '<svg/>');
  });

  it('turns an error answer into an ApiError with the server message and findings', async () => {
    const { fetch } = fakeFetch(() =>
      json(422, { error: { code: 'flow-invalid', message: 'flow has 1 error(s)', details: { findings: [{ node: 'a', message: 'm' }] } } }),
    );
    await assert.rejects(fetchFile('/x', { fetch }), (err) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 422);
      assert.equal(err.message, 'flow has 1 error(s)');
      assert.deepEqual(err.problems, [{ node: 'a', message: 'm' }]);
      return true;
    });
    const down = fakeFetch(() => Promise.reject(new TypeError('offline')));
    await assert.rejects(fetchFile('/x', { fetch: down.fetch }), (err) => err.status === 0);
  });
});
