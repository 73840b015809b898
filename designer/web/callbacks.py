"""The Sinch callback endpoints: where a drawn flow answers a phone.

``POST /voice/callback`` is the one URL to paste in the Sinch dashboard (the
event is read from the body); ``/voice/ice``, ``/voice/ace``, ``/voice/dice``,
``/voice/pie`` and ``/voice/notify`` are the AsyncAPI channels, same
behaviour.  This blueprint is a thin adapter: read the raw body, check the
signature, hand the payload to ``designer.engine.Engine`` and serialise the
SVAML it returns.

Signing (DESIGN.md §5): a request with an ``Authorization`` header must
verify against the secret of the application it names.  A request without
one is refused while any application has a secret configured (signing is
then on for this server), and accepted otherwise (local development, the
simulator without secrets).  Refusals are ``401`` with the JSON error body
and the reason in the log; the secret never appears in either.

Sinch waits 5 seconds and then plays an error to the caller, so nothing here
may fail with a 5xx: malformed JSON is a ``400``, and any internal failure
is answered with safe SVAML by the engine or, failing that, here.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request

from designer import engine as eng
from designer import signing
from designer.errors import BadRequest, ConfigError, DesignerError, NotFound, SignatureInvalid
from designer.repository import CallEvent
from designer.storage.deadline import time_budget
from designer.tracebus import Subscription, TraceBus, open_bus
from designer.web.extensions import DesignerState, designer_state

log = logging.getLogger(__name__)

bp = Blueprint("callbacks", __name__)

RUNTIME_KEY = "designer.runtime"
CHANNELS = ("ice", "ace", "dice", "pie", "notify")
DEFAULT_REPLAY_WINDOW = 600  # seconds an x-timestamp may be away from our clock
SIGNING_CACHE_SECONDS = 2.0  # how long "is any application secret set?" is remembered


class BackgroundPublisher:
    """Hands trace events to a bus from a thread of its own: a callback never waits on it.

    For a bus that does I/O per event (Redis: a round trip each, up to its
    socket timeout when Redis is slow), ``publish`` only appends to a queue
    and returns; one thread per process forwards the events in order.  If
    the bus falls ``limit`` events behind, the oldest are dropped and counted
    in ``dropped`` -- the stored events stay complete, and websockets fill
    such gaps from them.  Everything else is the wrapped bus's.
    """

    def __init__(self, bus: TraceBus, limit: int = 10_000) -> None:
        self.bus = bus
        self.limit = limit
        self.dropped = 0
        self._queue: deque[CallEvent] = deque()
        self._pending = 0  # queued or being handed over
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._closed = False

    def publish(self, event: CallEvent) -> None:
        with self._wake:
            if self._closed:
                return
            if len(self._queue) >= self.limit:
                self._queue.popleft()
                self._pending -= 1
                self.dropped += 1
            self._queue.append(event)
            self._pending += 1
            if self._thread is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._forward, name="trace-publisher", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def _forward(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._closed:
                    self._wake.wait()
                if not self._queue:
                    return
                event = self._queue.popleft()
            try:
                self.bus.publish(event)
            except Exception:  # the bus must never stop the publisher
                log.exception("publishing trace event %s/%s failed", event.callid, event.seq)
            with self._wake:
                self._pending -= 1
                self._wake.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every event published so far was handed to the bus."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wake.wait(left)
        return True

    @property
    def buffered(self) -> int:
        """Events not yet delivered: queued here, plus those the bus itself keeps (Redis down)."""
        return self._pending + int(getattr(self.bus, "buffered", 0))

    def subscribe(self, call: str | None = None, flow: str | None = None) -> Subscription:
        return self.bus.subscribe(call=call, flow=flow)

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify_all()
            thread = self._thread if self._pid == os.getpid() else None
        if thread is not None:
            thread.join(timeout=2)
        self.bus.close()

    def __getattr__(self, name: str) -> Any:  # ``healthy`` and the rest of the bus's own
        return getattr(self.bus, name)


@dataclass
class Runtime:
    """The engine and trace bus of one app (one per process: created on first use)."""

    engine: eng.Engine
    bus: TraceBus
    _signing_on: tuple[float, bool] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def signing_required(self, state: DesignerState) -> bool:
        """Whether any application has a secret (cached briefly: checked per callback)."""
        with self._lock:
            cached = self._signing_on
        if cached is not None and time.monotonic() - cached[0] < SIGNING_CACHE_SECONDS:
            return cached[1]
        try:
            required = any(app.secret for app in state.repo.list_applications())
        except ConfigError:  # a secret the encryption keys cannot open is still a secret
            required = True
        with self._lock:
            self._signing_on = (time.monotonic(), required)
        return required


_runtime_lock = threading.Lock()


def runtime(app: Flask | None = None) -> Runtime:
    """The app's ``Runtime``; the bus is Redis when ``REDIS_URL`` is set, else in-process.

    Created lazily so that each gunicorn worker (a fork) builds its own bus
    threads and connections.  Tests may put a ready ``TRACE_BUS`` in the config.
    A Redis bus is wrapped in a ``BackgroundPublisher``.
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(RUNTIME_KEY)
    if found is not None:
        return found
    with _runtime_lock:
        found = app.extensions.get(RUNTIME_KEY)
        if found is None:
            state: DesignerState = app.extensions["designer"]
            bus = app.config.get("TRACE_BUS")
            if bus is None:
                redis_url = app.config.get("REDIS_URL")
                bus = open_bus(redis_url)
                if redis_url:  # a network round trip per event: off the callback's thread
                    bus = BackgroundPublisher(bus)
            found = Runtime(engine=eng.Engine(state.repo, bus), bus=bus)
            app.extensions[RUNTIME_KEY] = found
    return found


def _replay_window() -> timedelta | None:
    raw = current_app.config.get("CALLBACK_REPLAY_WINDOW", DEFAULT_REPLAY_WINDOW)
    try:
        seconds = int(raw)
    except (TypeError, ValueError):
        seconds = DEFAULT_REPLAY_WINDOW
    return None if seconds <= 0 else timedelta(seconds=seconds)


def _secret_of(state: DesignerState, key: str) -> str | None:
    try:
        return state.repo.get_application(key).secret
    except (NotFound, BadRequest):
        return None
    except ConfigError as exc:  # e.g. encrypted with another key: for the operator, not Sinch
        log.error("cannot check signatures of application %r: %s", key, exc.message)
        raise SignatureInvalid(
            f"the secret of application {key!r} cannot be read on this server (see its log)"
        ) from None


def check_signature(state: DesignerState, rt: Runtime, body: bytes) -> str | None:
    """Verify the request's signature; return the application key it proves, if signed."""
    header = request.headers.get("Authorization")
    if not header:
        if rt.signing_required(state):
            raise SignatureInvalid("missing Authorization header")
        return None
    window = _replay_window()
    return signing.verify(
        header,
        request.method,
        request.headers.get("Content-Type"),
        request.headers.get("x-timestamp"),
        request.script_root + request.path,  # the path the platform requested
        body,
        lambda k: _secret_of(state, k),
        now=state.now() if window is not None else None,
        replay_window=window,
    )


def check_application(signed_by: str | None, payload: Any) -> None:
    """A signed payload may not claim to come from another application."""
    named = payload.get("applicationKey") if isinstance(payload, dict) else None
    if signed_by and isinstance(named, str) and named and named != signed_by:
        raise SignatureInvalid(f"signed with key {signed_by!r} but the payload names {named!r}")


def _json(body: Any, status: int = 200) -> Response:
    return current_app.response_class(
        json.dumps(body, separators=(",", ":")), status=status, mimetype="application/json"
    )


def _error(exc: DesignerError, status: int) -> Response:
    return _json({"error": {"code": exc.code, "message": exc.message, "details": exc.details}},
                 status)  # fmt: skip


def _event_hint(payload: Any, channel: str | None) -> str:
    if channel:
        return channel
    event = payload.get("event") if isinstance(payload, dict) else None
    return event.lower() if isinstance(event, str) and event.lower() in CHANNELS else "ice"


def _parse(body: bytes) -> tuple[Any, BadRequest | None]:
    try:
        return json.loads(body), None
    except (UnicodeDecodeError, ValueError) as exc:
        where = f" at line {exc.lineno}, column {exc.colno}" if hasattr(exc, "lineno") else ""
        return None, BadRequest(f"the callback body is not valid JSON{where}")


def handle_callback(channel: str | None) -> Response:
    # Every database wait of this callback ends within the budget, so that even a
    # hung database gets the caller a (safe) answer in time: designer.storage.deadline.
    with time_budget(current_app.config["CALLBACK_BUDGET_MS"] / 1000):
        return _handle_callback(channel)


def _handle_callback(channel: str | None) -> Response:
    body = request.get_data(cache=True)
    payload, malformed = _parse(body)
    try:
        state = designer_state()
        rt = runtime()
        try:
            # the raw bytes are what is signed: a tampered body is a 401, not a 400
            signed_by = check_signature(state, rt, body)
            if malformed is not None:
                return _error(malformed, 400)
            check_application(signed_by, payload)
        except SignatureInvalid as exc:
            log.warning(
                "refused %s %s from %s: %s", request.method, request.path,
                request.remote_addr, exc.message,
            )  # fmt: skip
            return _error(exc, 401)
        outcome = rt.engine.handle(payload, state.now(), channel=channel)
    except BadRequest as exc:
        return _error(exc, 400)
    except DesignerError as exc:  # storage down while checking secrets...
        if malformed is not None:
            return _error(malformed, 400)
        log.error("callback %s answered safely: %s", request.path, exc.message)
        return _json(eng.safe_svaml(_event_hint(payload, channel)))
    except Exception:  # a bug: keep the caller safe, keep the traceback
        log.exception("callback %s failed before the engine could answer", request.path)
        return _json(eng.safe_svaml(_event_hint(payload, channel)))
    return _json(outcome.svaml)


@bp.post("/voice/callback")
def callback() -> Response:
    return handle_callback(None)


def _channel_view(event: str):
    def view() -> Response:
        return handle_callback(event)

    view.__name__ = f"{event}_callback"
    view.__doc__ = f"The {event.upper()} channel of the AsyncAPI description."
    return view


for _event in CHANNELS:
    bp.add_url_rule(f"/voice/{_event}", view_func=_channel_view(_event), methods=["POST"])
