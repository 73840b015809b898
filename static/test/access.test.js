import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { currentAccess, describeAccess, loadAccess, LOADING, resetAccess, subscribeAccess } from '../src/lib/access.js';

const me = (role, can, extra = {}) => ({ user: `${role}-user`, role, auth: 'required', via: 'session', can, ...extra });
const VIEWER = me('viewer', { read: true, edit: false, publish: false, admin: false });
const EDITOR = me('editor', { read: true, edit: true, publish: false, admin: false });
const PUBLISHER = me('publisher', { read: true, edit: true, publish: true, admin: false });

describe('what each role may do, and why not', () => {
  it('a viewer reads, and is told which role editing needs', () => {
    const access = describeAccess(VIEWER);
    assert.equal(access.status, 'ready');
    assert.deepEqual(access.can, { read: true, edit: false, publish: false, admin: false });
    assert.equal(access.why('read'), null);
    assert.equal(access.why('edit', 'changing flows'), 'Changing flows needs the editor role; you are signed in as viewer-user (viewer).');
    assert.equal(access.loginRequired, true);
  });

  it('an editor edits but does not publish; a publisher does both', () => {
    assert.equal(describeAccess(EDITOR).why('edit'), null);
    assert.equal(
      describeAccess(EDITOR).why('publish', 'publishing'),
      'Publishing needs the publisher role; you are signed in as editor-user (editor).',
    );
    assert.equal(describeAccess(PUBLISHER).why('publish'), null);
    assert.match(describeAccess(PUBLISHER).why('admin', 'managing users'), /needs the admin role/);
  });

  it('with login off everyone is an admin with no name', () => {
    const access = describeAccess({ user: null, role: 'admin', auth: 'off', via: 'local', can: { read: true, edit: true, publish: true, admin: true } });
    assert.equal(access.loginRequired, false);
    assert.equal(access.why('publish'), null);
  });

  it('allows nothing until /api/me answers, nor when it failed, and says so', () => {
    assert.equal(LOADING.status, 'loading');
    assert.equal(LOADING.why('edit'), 'Checking what you may do…');
    const failed = describeAccess(null, new Error('The server could not be reached.'));
    assert.equal(failed.status, 'error');
    assert.equal(failed.can.read, false);
    assert.equal(failed.why('edit'), 'Could not check what you may do: The server could not be reached.');
  });

  it('ignores what is not a yes or no in `can`', () => {
    const access = describeAccess(me('viewer', { read: true, edit: 'yes', publish: 1 }));
    assert.deepEqual(access.can, { read: true, edit: false, publish: false, admin: false });
  });
});

describe('one /api/me per page', () => {
  it('asks once, shares the answer and tells subscribers', async () => {
    resetAccess();
    let asked = 0;
    const api = { me: async () => ((asked += 1), { data: EDITOR }) };
    let told = 0;
    const stop = subscribeAccess(() => (told += 1));
    try {
      assert.equal(currentAccess(), LOADING);
      const [a, b] = await Promise.all([loadAccess(api), loadAccess(api)]);
      assert.equal(asked, 1);
      assert.equal(a, b);
      assert.equal(currentAccess(), a);
      assert.equal(a.can.edit, true);
      assert.equal(told, 1);
    } finally {
      stop();
      resetAccess();
    }
  });

  it('resolves to an access that allows nothing when the question fails', async () => {
    resetAccess();
    try {
      const access = await loadAccess({ me: async () => Promise.reject(new Error('offline')) });
      assert.equal(access.status, 'error');
      assert.equal(access.can.read, false);
    } finally {
      resetAccess();
    }
  });
});
