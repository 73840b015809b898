"""Trace events as they happen: ``async for event in live(url, flow=...)``.

A thin client of the server's ``GET /ws/traces?call=<callid>|?flow=<id>``
websocket (the ``websockets`` package).  Each text frame is one trace event
``{callid, seq, ts, kind, node, data, flow}``; the server sends them in
``seq`` order per call, without duplicates, a call's stored events first.
Status frames (the trace bus going down and up) are skipped unless asked
for; an error frame (an unknown call or flow) raises the matching
``designer.errors`` class.

A notebook cell can ``await`` it directly (Jupyter runs an asyncio loop)::

    async for event in designer.live(URL, call=callid):
        print(event["seq"], event["kind"], event["node"])

Watching one call ends by itself once the call is over (its ``dice``
event); watching a flow runs until the loop is broken, ``limit`` events
arrived, or nothing arrived for ``idle_timeout`` seconds.

The server's first frame says the subscription is live (``{"kind":
"status", "data": {"subscribed": true, ...}}``); ``on_open`` is called when
it arrives, so a script that starts calls from ``on_open`` (or after
``LiveFlow.ready()``) cannot start one the watcher misses.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from designer.errors import BadRequest, DesignerError, ServerUnreachable
from designer.notebook.client import STATUS_ERRORS, error_classes, server_url
from designer.repository import SWEPT_EVENT

WS_PATH = "/ws/traces"
OPEN_TIMEOUT_S = 10.0
# after these a call has nothing more to say ("swept": ended by housekeeping, its DiCE lost)
END_KINDS = frozenset({"dice", SWEPT_EVENT})


def traces_url(url: str | None, *, flow: str | None = None, call: str | None = None) -> str:
    """The websocket URL for a server URL (``http`` → ``ws``, ``https`` → ``wss``)."""
    if (flow is None) == (call is None):
        raise BadRequest("give exactly one of flow=<flow id> or call=<callid>")
    for name, value in (("flow", flow), ("call", call)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise BadRequest(f"{name} must be a non-empty string, not {value!r}")
    parts = urlsplit(server_url(url))
    scheme = "wss" if parts.scheme == "https" else "ws"
    query = urlencode({"call": call} if call is not None else {"flow": flow})
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + WS_PATH, query, ""))


def _raise_error_frame(frame: dict[str, Any]) -> None:
    data = frame.get("data") if isinstance(frame.get("data"), dict) else {}
    code = data.get("code")
    cls = error_classes().get(code) if isinstance(code, str) else None
    message = data.get("message") or "the trace websocket refused the subscription"
    raise (cls or DesignerError)(str(message), details=data)


def _subscribed(frame: dict[str, Any]) -> bool:
    data = frame.get("data")
    return isinstance(data, dict) and data.get("subscribed") is True


def _refused(target: str, status: int, body: bytes) -> DesignerError:
    """The error for a handshake the server answered with an HTTP error (401 without a token...)."""
    try:
        error = json.loads(body).get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    message = error.get("message") if isinstance(error, dict) else None
    cls = error_classes().get(error.get("code")) if isinstance(error, dict) else None
    cls = cls or STATUS_ERRORS.get(status, ServerUnreachable)
    return cls(
        f"the trace websocket {target} was refused (HTTP {status}): {message or 'no reason'}"
    )


async def live(
    url: str | None = None,
    *,
    flow: str | None = None,
    call: str | None = None,
    token: str | None = None,
    idle_timeout: float | None = None,
    limit: int | None = None,
    until_ended: bool | None = None,
    include_status: bool = False,
    on_open: Callable[[], None] | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Yield the trace events of one call, or of every call of one flow, as they arrive.

    ``url`` is the server (default ``$DESIGNER_URL``).  ``until_ended``
    (default: on when watching a call) stops after the call's ``dice``
    event; ``idle_timeout`` stops after that many quiet seconds; ``limit``
    after that many events.  ``include_status`` also yields the bus's
    ``status`` frames.  ``on_open`` is called once the subscription is
    live (the server's ``subscribed`` status frame): a flow watcher sees
    every call that starts after that.
    """
    from websockets.asyncio.client import connect
    from websockets.exceptions import (
        ConnectionClosed,
        InvalidHandshake,
        InvalidStatus,
        InvalidURI,
    )

    target = traces_url(url, flow=flow, call=call)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise BadRequest(f"limit must be a positive integer or None, got {limit!r}")
    if idle_timeout is not None and idle_timeout <= 0:
        raise BadRequest(f"idle_timeout must be positive seconds or None, got {idle_timeout!r}")
    stop_at_end = (call is not None) if until_ended is None else until_ended
    headers = {"authorization": f"Bearer {token}"} if token else None
    try:
        socket = await connect(
            target, additional_headers=headers, open_timeout=OPEN_TIMEOUT_S, max_size=None
        )
    except InvalidStatus as exc:
        raise _refused(target, exc.response.status_code, bytes(exc.response.body)) from None
    except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
        raise ServerUnreachable(f"cannot open the trace websocket {target}: {exc}") from None
    sent = 0
    try:
        while True:
            try:
                if idle_timeout is None:
                    raw = await socket.recv()
                else:
                    raw = await asyncio.wait_for(socket.recv(), idle_timeout)
            except TimeoutError:
                return
            except ConnectionClosed:
                return
            try:
                frame = json.loads(raw)
            except ValueError:
                raise ServerUnreachable(f"{target} sent a frame that is not JSON") from None
            if not isinstance(frame, dict):
                continue
            kind = frame.get("kind")
            if kind == "error" and "callid" not in frame:
                _raise_error_frame(frame)
            if kind == "status" and on_open is not None and _subscribed(frame):
                on_open()
                on_open = None  # once
            if kind == "status" and not include_status:
                continue
            yield frame
            sent += 1
            if limit is not None and sent >= limit:
                return
            if stop_at_end and kind in END_KINDS and (call is None or frame.get("callid") == call):
                return
    finally:
        try:
            await socket.close()  # the closing handshake
        except BaseException:
            socket.transport.abort()  # cancelled again while closing: drop the connection
            raise
