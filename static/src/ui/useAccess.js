// useAccess(): what the signed-in user may do (lib/access.js), re-rendering
// once GET /api/me has answered.

import { useSyncExternalStore } from 'react';

import { currentAccess, subscribeAccess } from '../lib/access.js';

export function useAccess() {
  return useSyncExternalStore(subscribeAccess, currentAccess, currentAccess);
}
