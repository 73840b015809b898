// The "Live" view: where the calls of this flow are right now.
//
// On, it subscribes to /ws/traces?flow=<id> and follows each call to its
// current node (lib/trace.js liveReducer); calls already in progress when
// it is switched on are seeded from the call log (active calls of the last
// half hour, at their current node), since the stream only carries new events.

import { useCallback, useEffect, useRef, useState } from 'react';

import { api } from '../lib/api.js';
import { EMPTY_LIVE, liveReducer, seedLive } from '../lib/trace.js';
import { connectTraces } from './traces.js';

const SEED_WINDOW_MS = 30 * 60 * 1000; // simulated calls left hanging expire after 30 idle minutes

export function useLiveView(flowId) {
  const [on, setOn] = useState(false);
  const [state, setState] = useState(EMPTY_LIVE);
  const [status, setStatus] = useState('off'); // connecting | open | reconnecting | refused
  const [message, setMessage] = useState(null);
  const closeRef = useRef(null);

  useEffect(() => {
    if (!on) return undefined;
    let cancelled = false;
    setState(EMPTY_LIVE);
    setMessage(null);
    closeRef.current = connectTraces(
      { flow: flowId },
      {
        onEvent: (ev) => setState((s) => liveReducer(s, ev)),
        onState: (s, msg) => {
          setStatus(s);
          if (msg) setMessage(msg);
        },
      },
    );
    api
      .listCalls({ flow: flowId, since: new Date(Date.now() - SEED_WINDOW_MS).toISOString(), limit: 500 })
      .then(({ data }) => {
        if (cancelled) return;
        const seeded = seedLive(data.items);
        // What the stream said already wins over the log's snapshot.
        setState((s) => ({ calls: { ...seeded.calls, ...s.calls } }));
      })
      .catch(() => {});
    return () => {
      cancelled = true;
      closeRef.current?.();
      closeRef.current = null;
      setStatus('off');
    };
  }, [on, flowId]);

  const toggle = useCallback(() => setOn((x) => !x), []);
  return { on, toggle, setOn, state, status, message, count: Object.keys(state.calls).length };
}
