// What the signed-in user may do, from GET /api/me, and why not.
//
// The server decides (every route checks the caller's role); this only
// keeps the pages from offering what would be refused: buttons a role
// cannot use are disabled with the reason, or left out.  /api/me answers
// {user, role, auth, via, can: {read, edit, publish, admin}}; with login
// off everyone is an admin.
//
// One request per page: `loadAccess(api)` starts it (main.jsx does, before
// any page asks) and every later call gets the same answer.  React reads it
// with useAccess() (ui/useAccess.js), a subscription to this small store.

/** The role each level of permission needs (designer.accounts.ROLES). */
export const ROLE_FOR = { read: 'viewer', edit: 'editor', publish: 'publisher', admin: 'admin' };

const LEVELS = Object.keys(ROLE_FOR);
const NOTHING = Object.freeze(Object.fromEntries(LEVELS.map((level) => [level, false])));

/** Before /api/me has answered: nothing is allowed yet, and that is the reason. */
export const LOADING = describeAccess(null);

/**
 * The access object pages use, from /api/me's answer (`me`), or from the
 * error that kept it from coming:
 * `{status, user, role, loginRequired, can: {read, edit, publish, admin}, why(level, doing)}`.
 * `why` is null when `level` is allowed, else a sentence for a tooltip.
 */
export function describeAccess(me, error = null) {
  const status = error ? 'error' : me ? 'ready' : 'loading';
  const can = me?.can && typeof me.can === 'object' ? { ...NOTHING, ...pickBooleans(me.can) } : NOTHING;
  const user = typeof me?.user === 'string' ? me.user : null;
  const role = typeof me?.role === 'string' ? me.role : null;
  const why = (level, doing = 'This') => {
    if (can[level]) return null;
    if (status === 'loading') return 'Checking what you may do…';
    if (status === 'error') return `Could not check what you may do: ${error.message ?? error}`;
    const who = user ? `you are signed in as ${user} (${role})` : `your role is ${role}`;
    return `${capitalize(doing)} needs the ${ROLE_FOR[level] ?? level} role; ${who}.`;
  };
  return { status, user, role, loginRequired: me?.auth === 'required', can, why };
}

function pickBooleans(obj) {
  return Object.fromEntries(LEVELS.filter((level) => typeof obj[level] === 'boolean').map((level) => [level, obj[level]]));
}

function capitalize(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

// --- the page's one answer -------------------------------------------------------

let current = LOADING;
let pending = null;
const listeners = new Set();

/** Ask /api/me once (later calls share the answer); resolves to the access object, never rejects. */
export function loadAccess(api) {
  if (!pending) {
    pending = api.me().then(
      ({ data }) => settle(describeAccess(data)),
      (error) => settle(describeAccess(null, error)),
    );
  }
  return pending;
}

function settle(access) {
  current = access;
  for (const listener of listeners) listener();
  return access;
}

/** The access known now (LOADING until /api/me answers). */
export const currentAccess = () => current;

/** Be told when the access changes; returns the unsubscribe function. */
export function subscribeAccess(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Forget the answer (tests). */
export function resetAccess() {
  current = LOADING;
  pending = null;
}
