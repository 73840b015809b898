// The REST client: one place that knows the error shape
// {"error": {"code", "message", "details"}}, the ETag/If-Match rules, the
// CSRF header, and what a 401 means in the browser: the sign-in is over (or
// never was), so the page goes to /login and comes back here afterwards --
// unless leaving would lose work not yet saved (`holdPageOnSignOut`): then
// the page stays, and whoever listens (`onSignedOut`) offers the sign-in in
// another tab, after which the work is saved from here.

export class ApiError extends Error {
  constructor(status, code, message, details = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Structured problems to list under the message ({path, message} or findings). */
  get problems() {
    const d = this.details;
    if (Array.isArray(d)) return d;
    if (d && Array.isArray(d.findings)) return d.findings;
    return [];
  }
}

/** A human line for one entry of an error's details. */
export function describeProblem(p) {
  if (p == null) return '';
  if (typeof p === 'string') return p;
  const where = p.path ?? p.node ?? '';
  const port = p.port ? ` (${p.port})` : '';
  return where ? `${where}${port}: ${p.message}` : String(p.message ?? JSON.stringify(p));
}

async function decode(response) {
  const type = response.headers.get('content-type') ?? '';
  if (response.status === 204) return null;
  if (type.includes('json')) {
    try {
      return await response.json();
    } catch {
      return null;
    }
  }
  return response.text();
}

const csrfMeta = () => globalThis.document?.querySelector('meta[name="csrf-token"]') ?? null;

/** The page's CSRF token (<meta name="csrf-token">): the server wants it with every change. */
function csrfToken() {
  return csrfMeta()?.content || null;
}

/**
 * After signing in again (in another tab) the session has a new CSRF token
 * and this page still the old one: take the new one from /api/me.  Whether
 * it changed (a request refused for its token is then worth sending again).
 */
async function refreshCsrfToken(doFetch) {
  const meta = csrfMeta();
  if (!meta) return false;
  try {
    const response = await doFetch('/api/me', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    const me = response.ok ? await decode(response) : null;
    const token = me && typeof me === 'object' ? me.csrfToken : null;
    if (!token || token === meta.content) return false;
    meta.content = token;
    return true;
  } catch {
    return false;
  }
}

/** Where to sign in and then come back to this page: `/login?next=<path and query>`. */
export function loginUrl(location = globalThis.location) {
  const here = `${location?.pathname || '/'}${location?.search ?? ''}`;
  // Slashes stay readable, as in the server's own redirects to /login.
  return `/login?next=${encodeURIComponent(here).replaceAll('%2F', '/')}`;
}

let signingIn = false;
const holds = new Set();
const signedOutListeners = new Set();

/**
 * While `hasUnsavedWork()` is true, a 401 does not leave the page (the
 * editor's autosave registers its state).  Returns the function that removes it.
 */
export function holdPageOnSignOut(hasUnsavedWork) {
  holds.add(hasUnsavedWork);
  return () => holds.delete(hasUnsavedWork);
}

/** `listener(loginUrl)` on each 401 that kept the page; returns the unsubscribe function. */
export function onSignedOut(listener) {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/**
 * The browser's answer to a 401: to the sign-in page (once, whatever else was
 * under way), or, while there is unsaved work, tell the listeners instead.
 */
export function signInAgain(location = globalThis.location) {
  if (!location || signingIn) return;
  const url = loginUrl(location);
  if ([...holds].some((hasUnsavedWork) => hasUnsavedWork())) {
    for (const listener of signedOutListeners) listener(url);
    return;
  }
  signingIn = true;
  location.assign(url);
}

const SIGNED_OUT = 'You are signed out: sign in again to go on.';

function failure(method, path, status, data, onUnauthorized) {
  const err = data && typeof data === 'object' ? data.error : null;
  if (status === 401) onUnauthorized();
  return new ApiError(
    status,
    err?.code ?? `http-${status}`,
    status === 401 ? SIGNED_OUT : (err?.message ?? `${method} ${path} failed with status ${status}.`),
    err?.details ?? null,
  );
}

/**
 * `request(method, path, {body, etag, fetch, onUnauthorized})` -> `{data, etag, status}`;
 * throws ApiError for any non-2xx answer and for network failures
 * (status 0), with the server's message when it sent one.  A 401 first
 * calls `onUnauthorized` (default: go to /login?next=<this page>).
 */
export async function request(
  method,
  path,
  { body, etag, fetch: doFetch = globalThis.fetch, onUnauthorized = signInAgain } = {},
) {
  const unsafe = method !== 'GET' && method !== 'HEAD';
  const send = async () => {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const csrf = unsafe ? csrfToken() : null;
    if (csrf) headers['X-CSRF-Token'] = csrf;
    if (etag) headers['If-Match'] = etag;
    try {
      return await doFetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
      });
    } catch {
      throw new ApiError(0, 'network', 'The server could not be reached. Check that it is running.');
    }
  };
  let response = await send();
  let data = await decode(response);
  if (unsafe && response.status === 403 && data?.error?.code === 'csrf-rejected' && (await refreshCsrfToken(doFetch))) {
    response = await send(); // signed in again elsewhere: the same request with the new token
    data = await decode(response);
  }
  if (!response.ok) throw failure(method, path, response.status, data, onUnauthorized);
  return { data, etag: response.headers.get('etag'), status: response.status };
}

const enc = encodeURIComponent;

/** The endpoints the editor uses (DESIGN.md §5). */
export function makeApi(options = {}) {
  const call = (method, path, extra = {}) => request(method, path, { ...options, ...extra });
  return {
    me: () => call('GET', '/api/me'),
    nodes: () => call('GET', '/api/nodes'),
    openapi: () => call('GET', '/api/openapi.json'),
    listFlows: () => call('GET', '/api/flows'),
    getFlow: (id) => call('GET', `/api/flows/${enc(id)}`),
    createFlow: (doc) => call('POST', '/api/flows', { body: doc }),
    saveFlow: (id, doc, etag) => call('PUT', `/api/flows/${enc(id)}`, { body: doc, etag }),
    deleteFlow: (id, etag) => call('DELETE', `/api/flows/${enc(id)}`, { etag }),
    validate: (doc) => call('POST', '/api/flows/validate', { body: doc }),
    layout: (doc) => call('POST', '/api/flows/layout', { body: doc }),
    layoutDraft: (id) => call('POST', `/api/flows/${enc(id)}/layout`),
    listVersions: (id) => call('GET', `/api/flows/${enc(id)}/versions`),
    publish: (id, comment, etag) =>
      call('POST', `/api/flows/${enc(id)}/versions`, { body: { comment, publishedBy: 'editor' }, etag }),
    exportUrl: (id, format) => `/api/flows/${enc(id)}/export?format=${enc(format)}`,
    listCalls: (query) => call('GET', `/api/calls${queryString(query)}`),
    getCall: (callid) => call('GET', `/api/calls/${enc(callid)}`),
    getVersion: (id, number) => call('GET', `/api/flows/${enc(id)}/versions/${enc(number)}`),
    rollback: (id, version) => call('POST', `/api/flows/${enc(id)}/rollback`, { body: { version } }),
    diff: (id, from, to) => call('GET', `/api/flows/${enc(id)}/diff${queryString({ from, to })}`),
    stats: (id, query) => call('GET', `/api/flows/${enc(id)}/stats${queryString(query)}`),
    listNumbers: () => call('GET', '/api/numbers'),
    bindNumber: (number, binding) => call('PUT', `/api/numbers/${enc(number)}`, { body: binding }),
    unbindNumber: (number) => call('DELETE', `/api/numbers/${enc(number)}`),
    listApplications: () => call('GET', '/api/applications'),
    simStart: (body) => call('POST', '/api/sim/calls', { body }),
    simGet: (id) => call('GET', `/api/sim/calls/${enc(id)}`),
    simDtmf: (id, digits) => call('POST', `/api/sim/calls/${enc(id)}/dtmf`, { body: { digits } }),
    simSilence: (id) => call('POST', `/api/sim/calls/${enc(id)}/silence`),
    simHangup: (id, by = 'caller') => call('POST', `/api/sim/calls/${enc(id)}/hangup`, { body: { by } }),
    simCallee: (id, answer) => call('POST', `/api/sim/calls/${enc(id)}/callee`, { body: { answer } }),
    /** A file from the API as a Blob with its file name (exports), or an ApiError. */
    download: (path) => fetchFile(path, options),
  };
}

/** GET `path` as `{blob, filename}`; errors decoded like every other answer. */
export async function fetchFile(path, { fetch: doFetch = globalThis.fetch, onUnauthorized = signInAgain } = {}) {
  let response;
  try {
    response = await doFetch(path, { credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'The server could not be reached. Check that it is running.');
  }
  if (!response.ok) throw failure('GET', path, response.status, await decode(response), onUnauthorized);
  const disposition = response.headers.get('content-disposition') ?? '';
  const match = /filename="?([^";]+)"?/i.exec(disposition);
  return { blob: await response.blob(), filename: match ? match[1] : null };
}

/** The websocket URL of the trace stream: `{call}` or `{flow}`, on this page's host. */
export function traceSocketUrl(query, location = globalThis.location) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws/traces${queryString(query)}`;
}

/** "?a=1&b=x" from the non-empty entries of `query`. */
export function queryString(query) {
  const parts = Object.entries(query ?? {})
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${enc(k)}=${enc(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

export const api = makeApi();

/**
 * The URL Sinch must send callbacks to: the server's public URL
 * (DESIGNER_PUBLIC_URL, which may carry a path prefix) when it has one, else
 * this page's origin.
 */
export function callbackUrl(publicUrl, origin = globalThis.location?.origin ?? '') {
  const base = (publicUrl || origin).replace(/\/+$/, '');
  return `${base}/voice/callback`;
}
