import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  ApiError,
  callbackUrl,
  fetchFile,
  holdPageOnSignOut,
  loginUrl,
  makeApi,
  onSignedOut,
  queryString,
  signInAgain,
  traceSocketUrl,
} from '../src/lib/api.js';

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

describe('signed out: a 401', () => {
  const unauthorized = () => json(401, { error: { code: 'unauthorized', message: 'sign in first (/login)' } });

  it('comes back to the same page after signing in', () => {
    assert.equal(loginUrl({ pathname: '/flows/support-1', search: '' }), '/login?next=/flows/support-1');
    assert.equal(loginUrl({ pathname: '/flows/a', search: '?call=x@y&b=1' }), '/login?next=/flows/a%3Fcall%3Dx%40y%26b%3D1');
    assert.equal(loginUrl({ pathname: '', search: '' }), '/login?next=/');
  });

  it('tells the page, and fails the request with a message that says so', async () => {
    const { fetch } = fakeFetch(unauthorized);
    let told = 0;
    const api = makeApi({ fetch, onUnauthorized: () => (told += 1) });
    await assert.rejects(api.saveFlow('f', { nodes: [] }, '"1"'), (err) => {
      assert.equal(err.status, 401);
      assert.equal(err.code, 'unauthorized');
      assert.match(err.message, /signed out/);
      return true;
    });
    await assert.rejects(fetchFile('/api/flows/f/export', { fetch, onUnauthorized: () => (told += 1) }));
    assert.equal(told, 2);
  });

  it('goes to sign in once, unless leaving would lose unsaved work', () => {
    const visited = [];
    const location = { pathname: '/flows/f', search: '', assign: (url) => visited.push(url) };
    const heard = [];
    const stopListening = onSignedOut((url) => heard.push(url));
    let unsaved = true;
    const release = holdPageOnSignOut(() => unsaved);
    try {
      signInAgain(location);
      signInAgain(location);
      assert.deepEqual(visited, []); // the page stays: the work is not saved yet
      assert.deepEqual(heard, ['/login?next=/flows/f', '/login?next=/flows/f']);
      unsaved = false;
      signInAgain(location);
      signInAgain(location); // a burst of 401s navigates once
      assert.deepEqual(visited, ['/login?next=/flows/f']);
    } finally {
      release();
      stopListening();
    }
  });
});

describe('the CSRF token after signing in again elsewhere', () => {
  it('takes the session\'s new token from /api/me and sends the change once more', async () => {
    const meta = { content: 'old-token' };
    const saved = globalThis.document;
    globalThis.document = { querySelector: (sel) => (sel === 'meta[name="csrf-token"]' ? meta : null) };
    try {
      const { fetch, seen } = fakeFetch((url, init) => {
        if (url === '/api/me') return json(200, { user: 'ed', csrfToken: 'new-token' });
        if (init.headers['X-CSRF-Token'] === 'new-token') return json(200, { saved: true }, { etag: '"2"' });
        return json(403, { error: { code: 'csrf-rejected', message: 'missing or wrong X-CSRF-Token header' } });
      });
      const api = makeApi({ fetch, onUnauthorized: () => assert.fail('not a 401') });
      const { data, etag } = await api.saveFlow('f', { nodes: [] }, '"1"');
      assert.deepEqual(data, { saved: true });
      assert.equal(etag, '"2"');
      assert.equal(meta.content, 'new-token'); // later requests use it too
      assert.deepEqual(
        seen.map((r) => [r.method ?? 'GET', r.url, r.headers?.['X-CSRF-Token'] ?? null]),
        [
          ['PUT', '/api/flows/f', 'old-token'],
          ['GET', '/api/me', null],
          ['PUT', '/api/flows/f', 'new-token'],
        ],
      );
    } finally {
      globalThis.document = saved;
    }
  });

  it('does not loop when the token did not change', async () => {
    const meta = { content: 'same' };
    const saved = globalThis.document;
    globalThis.document = { querySelector: () => meta };
    try {
      const { fetch, seen } = fakeFetch((url) =>
        url === '/api/me'
          ? json(200, { csrfToken: 'same' })
          : json(403, { error: { code: 'csrf-rejected', message: 'refused a request from another web site' } }),
      );
      await assert.rejects(makeApi({ fetch }).deleteFlow('f', '"1"'), (err) => err.status === 403);
      assert.equal(seen.length, 2); // the DELETE, /api/me; not sent again
    } finally {
      globalThis.document = saved;
    }
  });
});
