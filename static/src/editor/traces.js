// A trace websocket (/ws/traces?call=... or ?flow=...) that reconnects.
//
// Frames are trace events in `seq` order per call.  After a reconnect a
// ?call= stream starts again with the stored backlog; the folds of
// lib/trace.js skip what they have seen by `seq`, so nothing is counted
// twice.  An `error` frame without a call id is the server refusing the
// subscription (unknown call or flow): that is final, no retry.
//
// The stream is "open" once the server says the subscription is live (its
// first frame, {"kind": "status", "data": {"subscribed": true}}), not when
// the socket opens: a call started in between would be missed by a ?flow=
// watcher.

import { traceSocketUrl } from '../lib/api.js';

const MAX_BACKOFF_MS = 10_000;

/**
 * Open the stream for `query` ({call} or {flow}); `onEvent(event)` gets each
 * frame, `onState(state, message)` "connecting" | "open" | "reconnecting" |
 * "refused".  Returns a function that closes it for good.
 */
export function connectTraces(query, { onEvent, onState = () => {} }) {
  let socket = null;
  let closed = false;
  let attempt = 0;
  let timer = null;

  const open = () => {
    if (closed) return;
    onState(attempt ? 'reconnecting' : 'connecting');
    try {
      socket = new WebSocket(traceSocketUrl(query));
    } catch {
      schedule();
      return;
    }
    socket.onmessage = (msg) => {
      let event;
      try {
        event = JSON.parse(msg.data);
      } catch {
        return;
      }
      if (event?.kind === 'error' && !event.callid) {
        closed = true;
        onState('refused', event.data?.message ?? 'The server refused the trace stream.');
        return;
      }
      if (isSubscribed(event)) {
        attempt = 0;
        onState('open');
      }
      onEvent(event);
    };
    socket.onclose = () => {
      socket = null;
      schedule();
    };
  };

  const schedule = () => {
    if (closed) return;
    attempt += 1;
    onState('reconnecting');
    timer = setTimeout(open, Math.min(MAX_BACKOFF_MS, 400 * 2 ** attempt));
  };

  open();
  return () => {
    closed = true;
    clearTimeout(timer);
    if (socket) {
      socket.onclose = null;
      socket.close();
    }
  };
}

/** Whether a frame is the server's "the subscription is live" status. */
export function isSubscribed(event) {
  return event?.kind === 'status' && event.data?.subscribed === true;
}
