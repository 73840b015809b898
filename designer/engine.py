"""The call engine: answers each Sinch callback with the next step of a flow.

Pure core: no Flask, no SQL, no clock.  It is handed the repository, the
trace bus and the time ``now``, and returns the SVAML to answer; the web
layer (``designer.web.callbacks``) only parses HTTP and checks signatures.

One callback is handled in three phases, with one read and one write:

1. **Read** the call, the answer already given to this callback (if any) and
   the seq of the call's latest trace event: ``repo.load_callback(callid,
   key)``.  The key is ``event:timestamp`` (plus the menu result for a PIE);
   a callback answered before -- the platform retried it -- gets that answer
   again and does not advance the call.
2. **Work out** the answer and the changes (a new or updated ``CallRecord``,
   trace events) from the payload and that call, without writing.
3. **Record** it all in one transaction: ``repo.record_step(...)`` claims the
   answer (when two workers race on one callback, the first stored answer
   wins and the other replays it), writes the call and appends the events
   numbered after the seq that was read; then the events are published on
   the bus.  If another callback of the same call was recorded since the
   read (``StaleCall``), nothing was written and the callback is worked out
   again from the new state: a late PIE after the DiCE sees an ended call.

An ICE's route (number → binding → version) is cached for ``ROUTE_TTL`` and
dropped at once when routing changes through this process
(``RouteCache``); parsed published versions are cached for good, since they
never change (``FlowCache``).

Events: ICE routes the call (``to.endpoint`` → number binding → its pinned
or latest published version, else the application's default flow) and walks
from ``start``; PIE picks the waiting node's port from ``menuResult``; ACE
follows the ``answered`` port of the action node; DiCE closes the call;
Notify is recorded.  A call stays on the version it started on.

Never leave a caller hanging: any failure inside (bad flow data, template
error, storage down) is answered with safe SVAML (apology and ``hangup`` for
ICE/PIE, ``continue`` for ACE), logged, and recorded as an ``error`` trace
event when storage still works.

Simulated calls are marked by ``"simulated": true`` in the ICE payload or a
``custom`` field of ``"simulated"`` / ``{"simulated": true}`` (JSON).
The simulator may register a call before its ICE (state ``pending``) with
its flow pinned -- a snapshot of a draft, or a version -- so that a draft can
be called without publishing it; that ICE runs the pinned flow
(``_ice_pinned``).  Real calls never have such a record.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from designer import schedule, svaml, templates
from designer.document import Node
from designer.errors import (
    BadRequest,
    DesignerError,
    NotFound,
    StaleCall,
    StepError,
    StorageUnavailable,
)
from designer.flow import Flow
from designer.isotime import parse_iso
from designer.repository import (
    LOST_RESULT,
    AnsweredCallback,
    CallbackState,
    CallEvent,
    CallRecord,
    Repository,
)
from designer.stepping import Step, follow, menu_choice, walk
from designer.tracebus import TraceBus

log = logging.getLogger(__name__)

EVENTS = ("ice", "ace", "pie", "dice", "notify")
APOLOGY = "We are sorry, something went wrong. Please call again later."
NOT_IN_SERVICE = "The number you have called is not in service."
MAX_VAR_CHARS = 1024
MAX_CALLID = 256
STEP_ATTEMPTS = 4  # tries to record a step while other callbacks of the call overtake it
ROUTE_TTL = timedelta(seconds=2)  # how long another worker's routing change may go unseen
_CONNECT_ACTIONS = frozenset({"connectPstn", "connectSip", "connectMxp", "connectConf", "park"})


# --- payloads -------------------------------------------------------------------


@dataclass(frozen=True)
class Callback:
    """A parsed callback payload; every field Sinch may send is kept in ``payload``."""

    event: str
    callid: str | None
    timestamp: str | None
    payload: Mapping[str, Any]

    @property
    def menu_result(self) -> Mapping[str, Any]:
        value = self.payload.get("menuResult")
        return value if isinstance(value, Mapping) else {}

    @property
    def key(self) -> str:
        """The idempotency key: the same callback delivered twice has the same key."""
        stamp = self.timestamp or _digest(self.payload)
        key = f"{self.event}:{stamp}"
        if self.event == "pie":
            mr = self.menu_result
            key += f":{mr.get('menuId', '')}:{mr.get('type', '')}:{mr.get('value', '')}"
        return key


def _digest(payload: Mapping[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def parse_callback(payload: Any, channel: str | None = None) -> Callback:
    """Read a callback body; ``channel`` is the event of a ``/voice/<event>`` URL.

    Raises ``BadRequest`` for what cannot be a Sinch callback (not an object,
    unknown or contradicting event, missing call id).  Unknown fields are ignored.
    """
    if not isinstance(payload, Mapping):
        raise BadRequest(f"a callback body is a JSON object, not {type(payload).__name__}")
    raw_event = payload.get("event", channel)
    event = raw_event.strip().lower() if isinstance(raw_event, str) else None
    if event not in EVENTS:
        raise BadRequest(
            f"unknown callback event {raw_event!r} (expected one of {', '.join(EVENTS)})",
            details={"event": raw_event},
        )
    if channel is not None and event != channel:
        raise BadRequest(
            f"the event {event!r} was posted to the {channel!r} callback URL",
            details={"event": event, "channel": channel},
        )
    callid = payload.get("callid", payload.get("callId"))
    if callid is not None and (not isinstance(callid, str) or not callid.strip()):
        raise BadRequest("callid must be a non-empty string", details={"callid": callid})
    if isinstance(callid, str) and len(callid) > MAX_CALLID:
        raise BadRequest(f"callid is longer than {MAX_CALLID} characters")
    if callid is None and event != "notify":
        raise BadRequest(f"the {event} callback has no callid")
    timestamp = payload.get("timestamp")
    return Callback(
        event=event,
        callid=callid,
        timestamp=timestamp if isinstance(timestamp, str) and timestamp else None,
        payload=payload,
    )


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 timestamp from a payload as aware UTC, or None when absent/unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None


def is_simulated(payload: Mapping[str, Any]) -> bool:
    if payload.get("simulated") is True:
        return True
    custom = payload.get("custom")
    if not isinstance(custom, str) or not custom:
        return False
    if custom.strip() == "simulated":
        return True
    try:
        decoded = json.loads(custom)
    except ValueError:
        return False
    return isinstance(decoded, dict) and decoded.get("simulated") is True


def _endpoint(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("endpoint")
    return value if isinstance(value, str) and value else None


# --- safe answers ---------------------------------------------------------------


def safe_svaml(event: str, locale: str | None = None, text: str = APOLOGY) -> dict[str, Any]:
    """What to answer when anything goes wrong: the caller is never left waiting."""
    if event in ("ice", "pie"):
        return svaml.svaml([svaml.say(text, locale)], svaml.hangup())
    if event == "ace":
        return svaml.svaml([], svaml.continue_())
    if event == "dice":
        return svaml.svaml([], svaml.hangup())
    return {}


def hangup_svaml() -> dict[str, Any]:
    return svaml.svaml([], svaml.hangup())


# --- the engine -----------------------------------------------------------------


@dataclass
class Outcome:
    """The answer to one callback."""

    svaml: dict[str, Any]
    callid: str | None
    event: str
    replayed: bool = False  # the stored answer of an earlier delivery
    error: str | None = None  # why a safe answer was given


@dataclass
class _Work:
    """What handling one callback decided, before anything is written."""

    response: dict[str, Any]
    stored: CallRecord | None = None  # the call as read for this callback (None: unknown)
    create: CallRecord | None = None
    update: CallRecord | None = None
    events: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)
    error: str | None = None

    def trace(self, kind: str, node: str | None = None, **data: Any) -> None:
        self.events.append((kind, node, data))


class FlowCache:
    """Parsed published versions, which never change once published."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, int], Flow] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, repo: Repository, flow_id: str, version: int) -> Flow:
        key = (flow_id, version)
        with self._lock:
            flow = self._items.get(key)
            if flow is not None:
                self._items.move_to_end(key)
                return flow
        flow = Flow.from_dict(repo.get_version(flow_id, version).document)
        with self._lock:
            self._items[key] = flow
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return flow


Route = tuple[str, int, str]  # flow id, version, how ("number" or "application")


class RouteCache:
    """Where incoming calls go, so that an ICE does not read bindings and versions each time.

    An entry is used while the repository's ``routing_generation`` is the one
    it was resolved under (a binding, publication, flow or application
    changed through this process invalidates every entry at once) and for at
    most ``ttl`` of callback time: changes made by *another* worker or host
    reach this one within ``ttl`` (2 s).  Time is the callbacks' ``now``, so
    the core reads no clock; a clock that goes back expires entries too.
    """

    def __init__(self, ttl: timedelta = ROUTE_TTL, size: int = 1024) -> None:
        self.ttl = ttl
        self._size = size
        self._items: OrderedDict[tuple[str | None, str | None], _RouteEntry] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self, to: str | None, application_key: str | None, generation: int, now: datetime
    ) -> _RouteEntry | None:
        key = (to, application_key)
        with self._lock:
            entry = self._items.get(key)
            if entry is None:
                return None
            if entry.generation != generation or not entry.at <= now < entry.at + self.ttl:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return entry

    def put(
        self, to: str | None, application_key: str | None, route: Route | None,
        generation: int, now: datetime,
    ) -> None:  # fmt: skip
        with self._lock:
            self._items[(to, application_key)] = _RouteEntry(route, generation, now)
            self._items.move_to_end((to, application_key))
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass(frozen=True)
class _RouteEntry:
    route: Route | None  # None: nothing answers this number (cached as well)
    generation: int
    at: datetime


class Engine:
    """Answers callbacks for flows stored in ``repo``, tracing to ``bus``.

    Per callback it does one read (``repo.load_callback``: the call, an
    earlier answer to the same callback, the latest trace seq) and one write
    (``repo.record_step``: answer, call and trace events in one transaction);
    an ICE also needs its route (``RouteCache``) and its flow (``FlowCache``),
    both cached.  When the call changed between the two (another callback of
    the same call was recorded meanwhile: ``StaleCall``) the callback is
    worked out again from the new state, so a late or concurrent event never
    overwrites a newer one.
    """

    def __init__(
        self,
        repo: Repository,
        bus: TraceBus | None = None,
        *,
        apology: str = APOLOGY,
        flow_cache: FlowCache | None = None,
        route_cache: RouteCache | None = None,
    ) -> None:
        self.repo = repo
        self.bus = bus
        self.apology = apology
        self.flows = flow_cache or FlowCache()
        self.routes = route_cache or RouteCache()

    # --- entry point ------------------------------------------------------
    def handle(self, payload: Any, now: datetime, *, channel: str | None = None) -> Outcome:
        """Answer one callback.  Raises only ``BadRequest`` for an unreadable payload."""
        cb = parse_callback(payload, channel)
        try:
            return self._handle(cb, now)
        except Exception as exc:  # the last line of defence: never leave a caller hanging
            if isinstance(exc, DesignerError):  # storage down, schema missing...
                log.error("callback %s for call %s: %s", cb.event, cb.callid, exc.message)
            else:
                log.exception("callback %s for call %s failed", cb.event, cb.callid)
            self._record_error_best_effort(cb, now, exc)
            return Outcome(safe_svaml(cb.event), cb.callid, cb.event, error=_reason(exc))

    def _handle(self, cb: Callback, now: datetime) -> Outcome:
        for _attempt in range(STEP_ATTEMPTS):
            state = (
                self.repo.load_callback(cb.callid, cb.key)
                if cb.callid is not None
                else CallbackState(call=None)
            )
            if state.answer is not None:  # the platform retried a callback answered before
                return self._replayed(cb, now, state.answer)
            work = self._work_out(cb, now, state.call)
            call = work.create or work.update
            if call is None or cb.callid is None:  # unknown call: nothing to record
                return Outcome(work.response, cb.callid, cb.event, error=work.error)
            events = [CallEvent(callid=cb.callid, seq=0, ts=now, kind=k, node=n, data=d)
                      for k, n, d in work.events]  # fmt: skip
            step = AnsweredCallback(
                callid=cb.callid,
                key=cb.key,
                response=work.response,
                call=call,
                events=events,
                after_seq=state.last_seq,
                create=work.create is not None,
                now=now,
            )
            try:
                recorded = self.repo.record_step(step)
            except StaleCall:  # another callback of this call was recorded meanwhile
                log.info("call %s changed while answering its %s; again", cb.callid, cb.event)
                continue
            if recorded.replayed:  # a concurrent delivery of this callback answered first
                return self._replayed(cb, now, recorded.response)
            if work.error:
                log.warning("call %s (%s): %s", cb.callid, cb.event, work.error)
            self._publish(recorded.events)
            return Outcome(work.response, cb.callid, cb.event, error=work.error)
        raise StaleCall(
            f"call {cb.callid!r} kept changing while its {cb.event} was being answered",
            details={"callid": cb.callid, "attempts": STEP_ATTEMPTS},
        )

    def _work_out(self, cb: Callback, now: datetime, stored: CallRecord | None) -> _Work:
        """The answer and the changes for this callback, given the call as stored."""
        handler: Callable[[Callback, datetime, _Work], None] = getattr(self, f"_{cb.event}")
        work = _Work(response=safe_svaml(cb.event, text=self.apology), stored=stored)
        try:
            handler(cb, now, work)
        except DesignerError as exc:  # a flow problem (or storage) while working it out
            if isinstance(exc, StorageUnavailable):
                raise
            work = self._failed(cb, now, exc, work)
        return work

    def _replayed(self, cb: Callback, now: datetime, response: dict[str, Any]) -> Outcome:
        """A callback answered before: the same answer again, the call not advanced."""
        callid = cb.callid or ""
        log.info("repeated %s callback for call %s answered as before", cb.event, callid)
        try:
            self._store_events(
                callid, now,
                [("callback", None, {"event": cb.event, "duplicate": True, "key": cb.key})],
            )  # fmt: skip
        except DesignerError as exc:  # the answer matters more than the trace of the repeat
            log.warning("could not trace the repeated callback of call %s: %s", callid, exc)
        return Outcome(response, cb.callid, cb.event, replayed=True)

    def _publish(self, events: list[CallEvent]) -> None:
        """Hand stored events to the bus; the bus must never fail or delay a callback."""
        if self.bus is None:
            return
        for event in events:
            try:
                self.bus.publish(event)
            except Exception:
                log.exception("publishing trace event %s/%s failed", event.callid, event.seq)

    def _store_events(
        self, callid: str, now: datetime, items: list[tuple[str, str | None, dict[str, Any]]]
    ) -> list[CallEvent]:
        """Append events outside a step (repeats, failures) and publish them."""
        events = [CallEvent(callid=callid, seq=0, ts=now, kind=k, node=n, data=d)
                  for k, n, d in items]  # fmt: skip
        stored = self.repo.append_events(callid, events)
        self._publish(stored)
        return stored

    def _failed(self, cb: Callback, now: datetime, exc: DesignerError, partial: _Work) -> _Work:
        """A flow-level failure (bad flow data, template, step): safe answer, call kept.

        ``partial`` is what the handler had worked out before failing: the call
        as it was (or as routed, for an ICE), which is kept with ``result=error``.
        """
        work = _Work(
            response=safe_svaml(cb.event, text=self.apology),
            stored=partial.stored,
            error=_reason(exc),
        )
        work.trace("callback", None, event=cb.event, payload=_jsonable(cb.payload))
        work.trace("error", _error_node(exc), code=exc.code, message=exc.message)
        work.trace("svaml", None, event=cb.event, svaml=work.response)
        call = partial.create or partial.update or partial.stored
        if call is None:
            if cb.event == "ice":
                work.create = self._new_call(cb, now, None, None, result="error")
            return work
        context = {**call.context, "error": exc.message}
        if cb.event in ("ice", "pie"):  # the safe answer hangs up
            context.update(waiting=None, waitingFor=None, lastAction="hangup")
        failed = replace(call, result="error", context=context)
        if partial.create is not None or partial.stored is None:
            work.create = failed
        else:
            work.update = failed
        return work

    def _record_error_best_effort(self, cb: Callback, now: datetime, exc: Exception) -> None:
        if cb.callid is None:
            return
        try:
            self._store_events(
                cb.callid,
                now,
                [("callback", None, {"event": cb.event, "payload": _jsonable(cb.payload)}),
                 ("error", None, {"code": getattr(exc, "code", "internal"),
                                  "message": _reason(exc)})],
            )  # fmt: skip
        except Exception as again:  # storage is down as well: the log is all we have
            log.warning("could not record the error of call %s: %s", cb.callid, again)

    # --- routing ----------------------------------------------------------
    def route(
        self, to: str | None, application_key: str | None, now: datetime | None = None
    ) -> Route | None:
        """``(flow_id, version, how)`` for an incoming call, or None when nothing matches.

        With ``now`` the answer may come from (and goes into) the route cache.
        """
        if now is None:
            return self._resolve(to, application_key)
        generation = self.repo.routing_generation()  # read before resolving: see RouteCache
        entry = self.routes.get(to, application_key, generation, now)
        if entry is not None:
            return entry.route
        route = self._resolve(to, application_key)
        self.routes.put(to, application_key, route, generation, now)
        return route

    def _resolve(self, to: str | None, application_key: str | None) -> Route | None:
        if to:
            candidates = [to] if to.startswith("+") else [to, f"+{to}"]
            for number in candidates:
                try:
                    binding = self.repo.get_binding(number)
                except (NotFound, BadRequest):
                    continue
                if (binding.application_key and application_key
                        and binding.application_key != application_key):  # fmt: skip
                    continue
                version = binding.version
                if version is None:
                    version = self._latest(binding.flow_id)
                if version is not None:
                    return binding.flow_id, version, "number"
        if application_key:
            try:
                app = self.repo.get_application(application_key)
            except (NotFound, BadRequest):
                return None
            if app.default_flow_id:
                version = self._latest(app.default_flow_id)
                if version is not None:
                    return app.default_flow_id, version, "application"
        return None

    def _latest(self, flow_id: str) -> int | None:
        try:
            return self.repo.get_flow(flow_id).latest_version
        except NotFound:
            return None

    # --- ICE --------------------------------------------------------------
    def _new_call(
        self,
        cb: Callback,
        now: datetime,
        flow_id: str | None,
        version: int | None,
        *,
        result: str | None = None,
    ) -> CallRecord:
        p = cb.payload
        app_key = p.get("applicationKey")
        return CallRecord(
            callid=cb.callid or "",
            flow_id=flow_id,
            version=version,
            started_at=parse_time(cb.timestamp) or now,
            application_key=app_key if isinstance(app_key, str) else None,
            state="active",
            cli=p.get("cli") if isinstance(p.get("cli"), str) else None,
            to=_endpoint(p.get("to")),
            result=result,
            simulated=is_simulated(p),
            context={"vars": {}, "digits": "", "waiting": None, "waitingFor": None},
        )

    def _ice(self, cb: Callback, now: datetime, work: _Work) -> None:
        work.trace("callback", None, event="ice", payload=_jsonable(cb.payload))
        existing = work.stored
        if existing is not None:
            if is_pinned_simulation(existing):
                self._ice_pinned(cb, now, work, existing)
                return
            # Same call id, another timestamp: not a retry but a second ICE for a call
            # already in progress; end this leg and keep the call as it is.
            work.response = hangup_svaml()
            work.error = "a second ICE arrived for a call already in progress"
            work.trace("error", None, code="duplicate-ice", message=work.error)
            work.trace("svaml", None, event="ice", svaml=work.response)
            work.update = existing
            return

        app_key = cb.payload.get("applicationKey")
        app_key = app_key if isinstance(app_key, str) else None
        to = _endpoint(cb.payload.get("to"))
        route = self.route(to, app_key, now)
        if route is None:
            work.response = svaml.svaml([svaml.say(NOT_IN_SERVICE)], svaml.hangup())
            work.error = (
                f"no published flow is bound to {to!r} and the application {app_key!r} "
                "has no default flow with a published version"
            )
            work.trace("error", None, code="no-route", message=work.error)
            work.trace("svaml", None, event="ice", svaml=work.response)
            call = self._new_call(cb, now, None, None, result="unrouted")
            call.context.update(lastAction="hangup")
            work.create = call
            return

        flow_id, version, how = route
        call = self._new_call(cb, now, flow_id, version)
        call.context["route"] = how
        work.create = call  # recorded even if the flow then fails
        flow = self.flows.get(self.repo, flow_id, version)
        start = flow.start
        if start is None:
            raise StepError(f"flow {flow_id!r} version {version} has no start node")
        self._step(
            work,
            call,
            flow,
            now,
            "ice",
            lambda d, r: walk(flow, start.id, decide=d, render=r, event="ice"),
        )
        return

    def _ice_pinned(self, cb: Callback, now: datetime, work: _Work, pending: CallRecord) -> None:
        """The ICE of a simulated call registered with its flow pinned (``designer.web.sim``).

        The simulator registers the call before its ICE, in state ``pending``,
        with the flow to run: a published version, or a snapshot of the draft
        in ``context["draft"]``.  Real calls never have such a record.
        """
        fresh = self._new_call(cb, now, pending.flow_id, pending.version)
        call = replace(fresh, simulated=True, context={**fresh.context, **pending.context})
        work.update = call
        flow = self.flow_of(call)
        start = flow.start
        if start is None:
            raise StepError(f"flow {call.flow_id!r} has no start node")
        self._step(
            work, call, flow, now, "ice",
            lambda d, r: walk(flow, start.id, decide=d, render=r, event="ice"),
        )  # fmt: skip

    def flow_of(self, call: CallRecord) -> Flow:
        """The flow a call runs: its pinned draft snapshot, else its published version."""
        draft = call.context.get("draft")
        if call.simulated and isinstance(draft, Mapping):
            return Flow.from_dict(draft.get("document"))
        return self.flows.get(self.repo, call.flow_id or "", call.version or 0)

    # --- PIE --------------------------------------------------------------
    def _pie(self, cb: Callback, now: datetime, work: _Work) -> None:
        work.response = hangup_svaml()
        work.trace("callback", None, event="pie", payload=_jsonable(cb.payload))
        call = self._known_call(cb, work)
        if call is None:
            return
        work.update = call
        if call.state == "ended":  # e.g. the DiCE overtook this PIE: nothing left to run
            work.trace("svaml", None, event="pie", svaml=work.response, late=True)
            return
        mr = cb.menu_result
        kind = str(mr.get("type", "")).lower()
        waiting = call.context.get("waiting")
        if call.context.get("waitingFor") != "pie" or not waiting or call.flow_id is None:
            work.error = "a PIE arrived while the call was not waiting for input"
            work.trace("error", None, code="unexpected-pie", message=work.error)
            work.trace("svaml", None, event="pie", svaml=work.response)
            return
        if kind == "hangup":
            work.trace("input", waiting, type=kind, value=mr.get("value"))
            work.trace("svaml", None, event="pie", svaml=work.response)
            work.update = replace(
                call, state="ended", result="callerhangup", ended_at=now,
                context={**call.context, "waiting": None, "waitingFor": None,
                         "lastAction": "hangup"},
            )  # fmt: skip
            return

        flow = self.flow_of(call)
        node = flow.by_id.get(waiting)
        if node is None:
            raise StepError(f"the waiting node {waiting!r} is not in the flow", {"node": waiting})
        digits: str | None = None
        if kind == "error":  # the platform could not run the menu: treat as no valid input
            has_invalid = node.type == "menu" and flow.target(waiting, "invalid") is not None
            port = "invalid" if has_invalid else "timeout"
        else:
            choice = menu_choice(flow, waiting, mr)
            port, digits = (choice.port, choice.digits) if choice else ("timeout", None)
        context = {**call.context, "vars": dict(call.context.get("vars") or {})}
        if digits is not None:
            context["digits"] = digits[:MAX_VAR_CHARS]
            variable = node.data.get("variable")
            if node.type == "collect" and port == "next" and isinstance(variable, str) and variable:
                context["vars"][variable] = digits[:MAX_VAR_CHARS]
        work.trace("input", waiting, type=kind, value=mr.get("value"), port=port, digits=digits)
        call = replace(call, context=context)
        work.update = call
        self._step(
            work,
            call,
            flow,
            now,
            "pie",
            lambda d, r: follow(flow, waiting, port, decide=d, render=r, event="pie"),
        )
        return

    # --- ACE --------------------------------------------------------------
    def _ace(self, cb: Callback, now: datetime, work: _Work) -> None:
        work.response = svaml.svaml([], svaml.continue_())
        work.trace("callback", None, event="ace", payload=_jsonable(cb.payload))
        call = self._known_call(cb, work)
        if call is None:
            return
        context = {**call.context, "answeredAt": now.isoformat()}
        amd = cb.payload.get("amd")
        if isinstance(amd, Mapping):
            context["amd"] = _jsonable(amd)
        if context.get("waitingFor") == "ace" and context.get("waiting"):
            context["connected"] = context["waiting"]  # the callee of this action answered
        call = replace(call, context=context)
        work.update = call
        waiting = context.get("waiting")
        if (call.state == "ended" or context.get("waitingFor") != "ace" or not waiting
                or call.flow_id is None):  # fmt: skip
            work.trace("svaml", None, event="ace", svaml=work.response)
            return
        flow = self.flow_of(call)
        self._step(
            work,
            call,
            flow,
            now,
            "ace",
            lambda d, r: follow(flow, waiting, "answered", decide=d, render=r, event="ace"),
        )
        return

    # --- DiCE -------------------------------------------------------------
    def _dice(self, cb: Callback, now: datetime, work: _Work) -> None:
        work.response = hangup_svaml()
        work.trace("callback", None, event="dice", payload=_jsonable(cb.payload))
        call = self._known_call(cb, work)
        if call is None:
            return
        p = cb.payload
        reason = p.get("reason") if isinstance(p.get("reason"), str) else None
        dice_result = p.get("result") if isinstance(p.get("result"), str) else None
        duration = p.get("duration")
        if not isinstance(duration, int) or isinstance(duration, bool):
            duration = call.duration
        dice = {"reason": reason, "result": dice_result}
        for key in ("debit", "userRate"):
            if isinstance(p.get(key), Mapping):
                dice[key] = _jsonable(p[key])
        work.trace("dice", call.current_node, reason=reason, result=dice_result, duration=duration)
        work.update = replace(
            call,
            state="ended",
            reason=reason,
            result=outcome(call, reason, dice_result),
            duration=duration,
            ended_at=parse_time(cb.timestamp) or call.ended_at or now,
            context={**call.context, "waiting": None, "waitingFor": None, "dice": dice},
        )
        return

    # --- Notify -----------------------------------------------------------
    def _notify(self, cb: Callback, now: datetime, work: _Work) -> None:
        work.response = {}
        if cb.callid is None:
            log.info("notify without a callid: %s", cb.payload.get("type"))
            return
        call = self._known_call(cb, work)
        if call is None:
            return
        data = {k: v for k, v in _jsonable(cb.payload).items() if k != "event"}
        work.events = [("notify", call.current_node, data)]
        work.update = call
        return

    @staticmethod
    def _known_call(cb: Callback, work: _Work) -> CallRecord | None:
        """The stored call, or None (logged) when the platform names an unknown one."""
        if work.stored is None:
            log.info("%s callback for unknown call %s", cb.event, cb.callid)
        return work.stored

    # --- stepping ---------------------------------------------------------
    def _step(
        self,
        work: _Work,
        call: CallRecord,
        flow: Flow,
        now: datetime,
        event: str,
        run: Callable[[Callable[[Node], str], Callable[[str], str]], Step],
    ) -> None:
        variables: dict[str, Any] = dict(call.context.get("vars") or {})
        context = {
            "call": {"cli": call.cli or "", "to": call.to or "", "callid": call.callid,
                     "locale": flow.locale},
            "vars": variables,
            "digits": call.context.get("digits") or "",
        }  # fmt: skip
        decisions: dict[str, dict[str, Any]] = {}

        def render(text: str) -> str:
            return templates.render(text, context)

        def decide(node: Node) -> str:
            port, detail = _decide(node, context, variables, now)
            decisions[node.id] = {"port": port, **detail}
            return port

        step = run(decide, render)
        for node_id in step.visited:
            node = flow.by_id[node_id]
            work.trace("node", node_id, type=node.type, **decisions.get(node_id, {}))
        if step.fell_off is not None:
            node_id, port = step.fell_off
            message = f"port {port!r} of node {node_id!r} leads nowhere; hanging up"
            work.trace("error", node_id, code="dead-end", port=port, message=message)
        response = step.svaml()
        work.response = response
        work.trace("svaml", step.stop_node, event=event, svaml=response)

        action = (step.action or {}).get("name")
        waiting_for = None
        if step.waiting:
            waiting_for = "pie"
        elif action in _CONNECT_ACTIONS and step.stop_node is not None:
            waiting_for = "ace"
        new_context = {
            **call.context,
            "vars": variables,
            "waiting": step.waiting[0] if step.waiting else (
                step.stop_node if waiting_for == "ace" else None),
            "waitingFor": waiting_for,
            "lastAction": action,
        }  # fmt: skip
        updated = replace(
            call,
            current_node=step.stop_node
            or (step.visited[-1] if step.visited else call.current_node),
            context=new_context,
        )
        if work.create is not None:
            work.create = updated
        else:
            work.update = updated


def _decide(
    node: Node, context: Mapping[str, Any], variables: dict[str, Any], now: datetime
) -> tuple[str, dict[str, Any]]:
    """The port a logic node takes for this call, and what to trace about it."""
    data = node.data
    if node.type == "branch":
        for case in data.get("cases") or []:
            if isinstance(case, Mapping) and templates.truthy(str(case.get("when", "")), context):
                return str(case.get("port")), {"when": case.get("when")}
        return "else", {}
    if node.type == "hours":
        port = "open" if schedule.is_open(data, now) else "closed"
        return port, schedule.describe(data, now)
    if node.type == "setVariable":
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise StepError(f"setVariable node {node.id!r} has no variable name", {"node": node.id})
        value = templates.render(str(data.get("value", "")), context, max_chars=MAX_VAR_CHARS)
        variables[name] = value
        return "next", {"name": name, "value": value}
    raise StepError(f"the engine cannot decide {node.type} node {node.id!r}", {"node": node.id})


def outcome(call: CallRecord, reason: str | None, dice_result: str | None) -> str:
    """The call log's one-word result, from what the flow did and how the call ended."""
    last = call.context.get("lastAction")
    if call.result == "error" or call.context.get("error"):
        return "error"
    connected = last in _CONNECT_ACTIONS or call.context.get("connected")
    if connected and (dice_result or "").upper() == "ANSWERED":
        return "connected"
    # "lost" only stood in for a DiCE that had not come (designer.housekeeping): now it has
    if call.result and call.result != LOST_RESULT:
        return call.result
    if (reason or "").upper() == "CALLERHANGUP":
        return "callerhangup"
    if last == "hangup":
        return "hangup"
    if (reason or "").upper() == "TIMEOUT":
        return "timeout"
    return (dice_result or reason or "ended").lower()


def _error_node(exc: DesignerError) -> str | None:
    details = exc.details
    if isinstance(details, Mapping) and isinstance(details.get("node"), str):
        return details["node"]
    return None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, DesignerError):
        return exc.message
    return f"internal error ({type(exc).__name__})"


def _jsonable(value: Any) -> Any:
    """A JSON-safe copy of payload data (unknown types as strings)."""
    return json.loads(json.dumps(value, default=str))


def is_pinned_simulation(call: CallRecord) -> bool:
    """A simulated call registered before its ICE, its flow pinned by the simulator."""
    return call.simulated and call.state == "pending" and call.flow_id is not None
