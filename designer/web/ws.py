"""Live trace events over a websocket: ``GET /ws/traces?call=<callid>`` or ``?flow=<id>``.

``?call=`` first sends the events already stored for the call, then live ones;
``?flow=`` sends the live events of every call of the flow (the canvas lights
the active node up).  Frames are JSON text, one trace event each
(``{callid, seq, ts, kind, node, data, flow}``), in ``seq`` order per call
with no duplicates: the connection subscribes to the bus *before* reading
the backlog, skips live events it has already sent, and fills any gap (an
event the bus dropped or delivered late) from the stored events, which are
the source of truth.  While the bus reports that it is down, the stored
events are polled instead (a flow watcher also looks for calls of its flow
that started meanwhile), and when it is back everything stored is sent
once more, so a watcher never misses a stored event because of an outage.
A flow watcher sees each call from its first event: when the first live
event of a call is not its first (the earlier ones were published by
another worker that is a moment behind, or the watcher joined mid-call),
the earlier ones come from the store.

When the worker is stopping (``designer.web.lifecycle``: gunicorn got
SIGTERM) the socket is closed with 1001 "going away" within a second, so
the worker can exit as soon as its callbacks are answered; the client
reconnects to another worker and ``?call=`` starts with the stored events.

Once the subscription is live the first frame is a status frame
``{"kind": "status", "data": {"subscribed": true, "flow": <id>}}`` (or
``"call"``): a client that means to watch calls it is about to start waits
for it, since a call that starts before it may be missed by a ``?flow=``
watcher.  Other status frames report the trace bus going ``down`` and
``up``; none of them has a ``callid``.

Each connection owns its subscription and its thread; nothing else ever
writes to its socket.  An unknown id gets an ``error`` frame and a clean
close (1008) whose reason names the problem.  However the stream ends, the
connection's socket is released: a client that never answers the closing
handshake is disconnected after ``CLOSE_WAIT_S`` rather than holding a
socket and simple_websocket's reader thread for as long as it stays.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed

from designer.errors import BadRequest, DesignerError, NotFound
from designer.repository import CallFilter, Repository
from designer.tracebus import Subscription, status_item
from designer.web.callbacks import runtime
from designer.web.extensions import designer_state
from designer.web.lifecycle import stopping

log = logging.getLogger(__name__)

bp = Blueprint("ws", __name__)
sock = Sock()

POLICY_VIOLATION = 1008
GOING_AWAY = 1001
POLL_SECONDS = 1.0
CLOSE_WAIT_S = 2.0  # how long a client gets to answer the closing handshake
# A call's start time comes from the platform's clock: look this far before an outage
# for calls of a flow that started during it.
OUTAGE_MARGIN = timedelta(minutes=5)
RECENT_CALLS = 200  # calls a flow watcher looks up per poll while the bus is down


def _send(ws: Any, item: dict[str, Any]) -> None:
    ws.send(json.dumps(item, separators=(",", ":"), default=str))


def _refuse(ws: Any, code: str, message: str) -> None:
    _send(ws, {"kind": "error", "data": {"code": code, "message": message}})
    ws.close(reason=POLICY_VIOLATION, message=message[:120])


def _release(ws: Any) -> None:
    """Close the connection (if still open) and make sure its socket is freed.

    simple_websocket's reader thread holds the socket until the client answers
    the closing handshake or hangs up; one that does neither is cut off after
    ``CLOSE_WAIT_S`` (shutting the socket down wakes the thread, which closes it).
    """
    if ws.connected:
        with contextlib.suppress(ConnectionClosed, OSError):
            ws.close()
    reader = getattr(ws, "thread", None)
    if reader is None or reader is threading.current_thread():
        return
    reader.join(CLOSE_WAIT_S)
    if reader.is_alive():
        with contextlib.suppress(OSError):
            ws.sock.shutdown(socket.SHUT_RDWR)
        reader.join(CLOSE_WAIT_S)


class _CallStream:
    """Sends the events of calls in ``seq`` order without duplicates, filling gaps."""

    def __init__(self, ws: Any, repo: Repository, *, flow: str | None = None) -> None:
        self.ws = ws
        self.repo = repo
        self.flow = flow  # a flow watcher: calls appear as their events do
        self.last: dict[str, int] = {}
        self.ended: set[str] = set()

    def send_stored(self, callid: str) -> None:
        try:
            events = self.repo.list_events(callid, after_seq=self.last.get(callid, 0))
        except NotFound:
            return
        for event in events:
            self._emit(event.to_dict())

    def offer(self, item: dict[str, Any]) -> None:
        callid, seq = item.get("callid"), item.get("seq")
        if not isinstance(callid, str) or not isinstance(seq, int):
            return
        last = self.last.get(callid, 0)
        if seq <= last:
            return  # already sent (backlog or an earlier fill)
        if seq > last + 1:
            self.send_stored(callid)  # the bus skipped something, or is ahead: the store has it
            return
        self._emit(item)

    def _emit(self, item: dict[str, Any]) -> None:
        _send(self.ws, item)
        self.last[item["callid"]] = item["seq"]
        if item.get("kind") == "dice":
            self.ended.add(item["callid"])

    def catch_up(self, callids: list[str]) -> None:
        for callid in callids:
            self.send_stored(callid)

    def calls_since(self, since: datetime) -> list[str]:
        """Calls of the watched flow that started after ``since`` (newest first)."""
        if self.flow is None:
            return []
        calls, _total = self.repo.list_calls(
            CallFilter(flow_id=self.flow, since=since), limit=RECENT_CALLS
        )
        return [c.callid for c in calls]


class _Outage:
    """What a watcher does while the bus is down: poll the store, then catch up once."""

    def __init__(self, stream: _CallStream, call: str | None, now: Callable[[], datetime]) -> None:
        self.stream = stream
        self.call = call
        self.now = now
        self.since: datetime | None = None  # when the bus went down (None: it is up)

    def bus_down(self) -> None:
        if self.since is None:
            self.since = self.now() - OUTAGE_MARGIN
        self.poll()

    def bus_up(self) -> None:
        since, self.since = self.since, None
        # everything stored meanwhile, once: the bus may have dropped some of it
        self.stream.catch_up(self._calls(since, every=True))

    def poll(self) -> None:
        if self.since is not None:
            self.stream.catch_up(self._calls(self.since, every=False))

    def _calls(self, since: datetime | None, *, every: bool) -> list[str]:
        if self.call is not None:
            return [self.call]
        known = [c for c in self.stream.last if every or c not in self.stream.ended]
        found = self.stream.calls_since(since) if since is not None else []
        return list(dict.fromkeys([*known, *reversed(found)]))


def _pump(ws: Any, sub: Subscription, stream: _CallStream, outage: _Outage,
          stop: threading.Event) -> None:  # fmt: skip
    while ws.connected and not stop.is_set():
        item = sub.get(timeout=POLL_SECONDS)
        if item is None:
            if sub.closed:
                break
            try:
                outage.poll()
            except DesignerError as exc:  # storage down too: try again at the next poll
                log.warning("trace websocket could not read stored events: %s", exc.message)
            continue
        if item.get("kind") == "status":
            _send(ws, item)
            data = item.get("data") or {}
            try:
                if data.get("bus") == "down":
                    outage.bus_down()
                elif data.get("bus") == "up" or data.get("dropped"):
                    outage.bus_up()
            except DesignerError as exc:
                log.warning("trace websocket could not read stored events: %s", exc.message)
            continue
        stream.offer(item)
    if stop.is_set() and ws.connected:
        ws.close(reason=GOING_AWAY, message="the server is restarting; reconnect")


@sock.route("/ws/traces", bp=bp)
def traces(ws: Any) -> None:
    try:
        _stream(ws, request.args.get("call") or None, request.args.get("flow") or None)
    except ConnectionClosed:
        pass  # the client went away
    finally:
        _release(ws)


def _stream(ws: Any, call: str | None, flow: str | None) -> None:
    if (call is None) == (flow is None):
        _refuse(ws, BadRequest.code, "give exactly one of ?call=<callid> or ?flow=<flowid>")
        return
    state = designer_state()
    try:
        if call is not None:
            state.repo.get_call(call)
        else:
            state.repo.get_flow(flow or "")
    except NotFound as exc:
        _refuse(ws, exc.code, exc.message)
        return
    except Exception:
        log.exception("trace websocket could not look up %s", call or flow)
        _refuse(ws, "storage-unavailable", "the call log cannot be read right now")
        return

    stop = stopping(current_app)
    sub = runtime().bus.subscribe(call=call, flow=flow)
    stream = _CallStream(ws, state.repo, flow=flow)
    outage = _Outage(stream, call, state.now)
    try:
        # From here on nothing published for the call or flow is missed.
        watching = {"call": call} if call is not None else {"flow": flow}
        _send(ws, status_item(subscribed=True, **watching))
        if call is not None:
            stream.send_stored(call)
        _pump(ws, sub, stream, outage, stop)
    finally:
        sub.close()
