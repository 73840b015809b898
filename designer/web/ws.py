"""Live trace events over a websocket: ``GET /ws/traces?call=<callid>`` or ``?flow=<id>``.

``?call=`` first sends the events already stored for the call, then live ones;
``?flow=`` sends the live events of every call of the flow (the canvas lights
the active node up).  Frames are JSON text, one trace event each
(``{callid, seq, ts, kind, node, data, flow}``), in ``seq`` order per call
with no duplicates: the connection subscribes to the bus *before* reading
the backlog, skips live events it has already sent, and fills any gap (an
event the bus dropped or delivered late) from the stored events, which are
the source of truth.  While the bus reports that it is down, the stored
events are polled instead.

Each connection owns its subscription and its thread; nothing else ever
writes to its socket.  An unknown id gets an ``error`` frame and a clean
close (1008) whose reason names the problem.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed

from designer.errors import BadRequest, NotFound
from designer.repository import Repository
from designer.tracebus import Subscription
from designer.web.callbacks import runtime
from designer.web.extensions import designer_state

log = logging.getLogger(__name__)

bp = Blueprint("ws", __name__)
sock = Sock()

POLICY_VIOLATION = 1008
POLL_SECONDS = 1.0


def _send(ws: Any, item: dict[str, Any]) -> None:
    ws.send(json.dumps(item, separators=(",", ":"), default=str))


def _refuse(ws: Any, code: str, message: str) -> None:
    _send(ws, {"kind": "error", "data": {"code": code, "message": message}})
    ws.close(reason=POLICY_VIOLATION, message=message[:120])


class _CallStream:
    """Sends the events of calls in ``seq`` order without duplicates, filling gaps."""

    def __init__(self, ws: Any, repo: Repository, *, live_only: bool) -> None:
        self.ws = ws
        self.repo = repo
        self.live_only = live_only  # flow watchers start each call at its first live event
        self.last: dict[str, int] = {}

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
        last = self.last.get(callid)
        if last is None and self.live_only:
            self.last[callid] = last = seq - 1
        last = last or 0
        if seq <= last:
            return  # already sent (backlog or an earlier fill)
        if seq > last + 1:
            self.send_stored(callid)  # the bus skipped something: the store has it
            return
        self._emit(item)

    def _emit(self, item: dict[str, Any]) -> None:
        _send(self.ws, item)
        self.last[item["callid"]] = item["seq"]


def _pump(ws: Any, sub: Subscription, stream: _CallStream, call: str | None) -> None:
    polling = False
    while ws.connected:
        item = sub.get(timeout=POLL_SECONDS)
        if item is None:
            if sub.closed:
                break
            if polling:
                for callid in [call] if call else list(stream.last):
                    stream.send_stored(callid)
            continue
        if item.get("kind") == "status":
            _send(ws, item)
            bus = item.get("data", {}).get("bus")
            if bus in ("down", "up"):
                polling = bus == "down"
                for callid in [call] if call else list(stream.last):
                    stream.send_stored(callid)
            continue
        stream.offer(item)


@sock.route("/ws/traces", bp=bp)
def traces(ws: Any) -> None:
    call = request.args.get("call") or None
    flow = request.args.get("flow") or None
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

    sub = runtime().bus.subscribe(call=call, flow=flow)
    stream = _CallStream(ws, state.repo, live_only=call is None)
    try:
        if call is not None:
            stream.send_stored(call)
        _pump(ws, sub, stream, call)
    except ConnectionClosed:
        pass
    finally:
        sub.close()
