"""The simulator API (``/api/sim``): call a flow from the browser's keypad.

``POST /api/sim/calls`` starts a simulated call -- to a flow's draft (the
default) or one of its published versions, or to a phone number as a real
caller would -- and answers with the call's state and transcript.  The call
then waits for the keypad: ``/dtmf``, ``/silence``, ``/hangup``, ``/callee``
(how the party a connect rings reacts) and ``/talk`` each move it on, and
``GET`` shows where it is.  With a ``script`` the call runs to its end at once
(``designer simulate FLOW_ID`` uses that).

The platform side is ``designer.simulator``; its callbacks go to this same
app's ``/voice/callback`` through an in-process WSGI transport -- the code
path a real Sinch callback takes, signing included -- so a simulated call is
routed, traced, streamed to the canvas and logged like a real one, marked
``simulated`` by the ``custom`` field of its ICE.

Running a draft: the engine only routes ICEs to published versions.  To run
a draft (or a chosen version) without publishing it, this module registers
the call before its ICE: a ``CallRecord`` in state ``pending``, marked
simulated, whose context pins the flow -- for a draft, a snapshot of the
document and its revision, so editing the draft mid-call does not change a
running call.  The engine answers that call's ICE from the pinned flow.  A
real ICE never finds such a record (its call id is new), so real callbacks
are unaffected.

Sessions are held in the memory of the process that started them
(``SessionStore``), expire after ``SIM_SESSION_IDLE_SECONDS`` (default 30
minutes) without input, and are capped at ``SIM_MAX_SESSIONS``.  Under
gunicorn with several workers a session lives in one worker: route the
simulator to one worker (sticky sessions) or run ``designer run``; another
worker answers 404 for a session it does not hold.

``Sandbox`` runs a flow document in a private app with an in-memory
repository (the CLI on a flow file, random walks, replays): nothing it does
touches the real database.  It is the ``LineFactory`` that
``designer.simulator.randomwalk`` and ``replay`` take; ``call_flow`` places
one scripted call in it (notebooks).
"""

from __future__ import annotations

import random
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify

from designer.errors import BadRequest, NotFound
from designer.flow import Flow
from designer.repository import CallRecord, NumberBinding, Repository, check_e164
from designer.simulator.platform import (
    CALLEE_OUTCOMES,
    CallSettings,
    Phase,
    Reply,
    SimulatedCall,
    new_callid,
)
from designer.simulator.script import Callee, Script, parse_step, run
from designer.simulator.transcript import Transcript, attach_trace
from designer.simulator.transport import HttpTransport
from designer.web.api.representations import E164_PATTERN
from designer.web.extensions import DesignerState
from designer.web.openapi import Param, operation
from designer.web.openapi import Reply as ApiReply

bp = Blueprint("sim", __name__, url_prefix="/api/sim")

TAGS = ["simulator"]
STORE_KEY = "designer.sim"
DEFAULT_IDLE_SECONDS = 30 * 60
DEFAULT_MAX_SESSIONS = 200
DEFAULT_CLI = "+46708168731"
DEFAULT_TO = "+46812345678"
MAX_TALK_SECONDS = 4 * 3600

# --- sessions ---------------------------------------------------------------------


@dataclass
class Session:
    id: str
    call: SimulatedCall
    flow_id: str | None
    version: int | str | None  # a version number, "draft", or None (routed by number)
    callee: str | None  # answers every connect by itself when set
    touched: datetime
    lock: threading.Lock = field(default_factory=threading.Lock)


class SessionStore:
    """Interactive simulated calls of one app, in this process, with idle expiry."""

    def __init__(self, idle: timedelta, capacity: int) -> None:
        self.idle = idle
        self.capacity = capacity
        self._items: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, session: Session, now: datetime) -> None:
        with self._lock:
            self._sweep(now)
            while len(self._items) >= self.capacity:
                self._items.popitem(last=False)  # the longest idle goes first
            self._items[session.id] = session

    def get(self, session_id: str, now: datetime) -> Session:
        with self._lock:
            self._sweep(now)
            session = self._items.get(session_id)
            if session is None:
                raise NotFound(
                    f"no simulated call {session_id!r}: it never existed, expired after "
                    f"{int(self.idle.total_seconds() // 60)} idle minutes, or lives in "
                    "another worker process",
                    details={"id": session_id},
                )
            session.touched = now
            self._items.move_to_end(session_id)
            return session

    def _sweep(self, now: datetime) -> None:
        for key in [k for k, s in self._items.items() if now - s.touched > self.idle]:
            del self._items[key]


def store(app: Flask) -> SessionStore:
    found = app.extensions.get(STORE_KEY)
    if found is None:
        idle = int(app.config.get("SIM_SESSION_IDLE_SECONDS") or DEFAULT_IDLE_SECONDS)
        capacity = int(app.config.get("SIM_MAX_SESSIONS") or DEFAULT_MAX_SESSIONS)
        found = app.extensions.setdefault(STORE_KEY, SessionStore(timedelta(seconds=idle),
                                                                  capacity))  # fmt: skip
    return found


# --- starting a simulated call ----------------------------------------------------------


def _signing_application(repo: Repository, preferred: str | None) -> tuple[str | None, str | None]:
    """The application key (and secret) to sign with, as Sinch would for that number."""
    apps = repo.list_applications()
    if preferred:
        for application in apps:
            if application.key == preferred:
                return application.key, application.secret
    with_secret = [a for a in apps if a.secret]
    if with_secret:  # signing is on for this server: sign as one of its applications
        return with_secret[0].key, with_secret[0].secret
    return (apps[0].key if apps else None), None


def _pin(
    repo: Repository, flow_id: str, version: int | str, call: CallRecord
) -> tuple[CallRecord, int | str]:
    record = repo.get_flow(flow_id)  # NotFound -> 404
    if version == "draft":
        call.context["draft"] = {"revision": record.revision, "document": record.document}
        return call, "draft"
    repo.get_version(flow_id, int(version))  # NotFound -> 404
    call.version = int(version)
    return call, int(version)


def start_call(
    app: Flask,
    *,
    flow_id: str | None = None,
    version: int | str = "draft",
    number: str | None = None,
    cli: str = DEFAULT_CLI,
    to: str | None = None,
    rng: random.Random | None = None,
) -> tuple[SimulatedCall, int | str | None]:
    """Ring ``flow_id`` (pinned to ``version``) or ``number`` through ``app``'s callbacks.

    Returns the started call (its ICE answered) and the version it runs.
    """
    state: DesignerState = app.extensions["designer"]
    repo = state.repo
    rng = rng or random.Random(secrets.randbits(64))
    if (flow_id is None) == (number is None):
        raise BadRequest("give either 'flow' (a flow id) or 'number' (an E.164 number to call)")
    preferred = None
    pinned: int | str | None = None
    callid = new_callid(rng)
    if number is not None:
        to = check_e164(number)
        try:
            preferred = repo.get_binding(to).application_key
        except NotFound:
            preferred = None  # the engine answers "not in service", as for a real caller
    else:
        assert flow_id is not None
        to = check_e164(to) if to else _number_of(repo, flow_id) or DEFAULT_TO
    key, secret = _signing_application(repo, preferred)
    settings = CallSettings(cli=cli, to=to, callid=callid,
                            **({"application_key": key} if key else {}))  # fmt: skip
    if flow_id is not None:
        now = state.now()
        record = CallRecord(
            callid=callid,
            flow_id=flow_id,
            version=None,
            started_at=now,
            application_key=settings.application_key,
            state="pending",
            cli=cli,
            to=to,
            simulated=True,
            context={"vars": {}, "digits": "", "waiting": None, "waitingFor": None,
                     "route": "simulation"},
        )  # fmt: skip
        record, pinned = _pin(repo, flow_id, version, record)
        repo.create_call(record)
    transport = HttpTransport.to_wsgi(
        app, application_key=settings.application_key, secret=secret, clock=state.now
    )
    call = SimulatedCall(transport, state.now(), settings, rng=rng)
    call.start()
    return call, pinned


def _number_of(repo: Repository, flow_id: str) -> str | None:
    return next((b.number for b in repo.list_bindings() if b.flow_id == flow_id), None)


def trace(repo: Repository, call: SimulatedCall) -> Transcript:
    """The call's transcript with the nodes the engine visited for each callback."""
    try:
        events = repo.list_events(call.callid)
    except NotFound:
        events = []
    attach_trace(call.transcript, [e.to_dict() for e in events])
    return call.transcript


# --- the sandbox ------------------------------------------------------------------------


class Sandbox:
    """A private app with an in-memory repository that runs one flow document.

    The flow is published and bound to ``number``; calls ring that number.
    The app's clock follows the simulated call, so ``hours`` nodes see the
    simulated time of each callback.
    """

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        number: str = DEFAULT_TO,
        started_at: datetime | None = None,
    ) -> None:
        from designer.storage import MemoryRepository
        from designer.web import create_app

        self.number = check_e164(number)
        self.started_at = started_at or datetime.now(UTC)
        self._now = self.started_at
        self.repo = MemoryRepository()
        self.app = create_app(
            {
                "REPOSITORY": self.repo,
                "DATABASE_URL": "memory://",
                "REDIS_URL": None,
                "CLOCK": lambda: self._now,
            }
        )
        record = self.repo.create_flow(dict(document), self._now)
        self.flow_id = record.id
        self.repo.publish(record.id, "simulation", "designer simulate", self._now)
        self.repo.bind_number(NumberBinding(self.number, record.id), self._now)
        self._transport = HttpTransport.to_wsgi(self.app)

    def send(self, payload: dict[str, Any], timestamp: datetime) -> Reply:
        self._now = timestamp
        return self._transport(payload, timestamp)

    def dial(
        self,
        *,
        cli: str = DEFAULT_CLI,
        rng: random.Random | None = None,
        started_at: datetime | None = None,
    ) -> SimulatedCall:
        settings = CallSettings(cli=cli, to=self.number)
        return SimulatedCall(self.send, started_at or self.started_at, settings, rng=rng)

    def events(self, callid: str) -> list[dict[str, Any]]:
        try:
            return [e.to_dict() for e in self.repo.list_events(callid)]
        except NotFound:
            return []

    def call(self, script: Script, **kw: Any) -> Transcript:
        """Place one scripted call; the transcript has the nodes visited."""
        call = self.dial(**kw)
        run(call, script)
        attach_trace(call.transcript, self.events(call.callid))
        return call.transcript

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def call_flow(
    flow: Flow | Mapping[str, Any] | str | Path,
    *steps: str,
    callee: str = "answer",
    at: datetime | None = None,
    cli: str = DEFAULT_CLI,
    seed: int | None = None,
) -> Transcript:
    """Call a flow (object, document or file) in a sandbox: for notebooks and scripts.

    ``steps`` are script steps in text form (``"1"``, ``"4321#"``, ``"silence"``,
    ``"hangup"``); ``at`` is when the call starts (opening hours), default now.
    """
    if isinstance(flow, str | Path):
        flow = Flow.load(flow)
    document = flow.to_dict() if isinstance(flow, Flow) else dict(flow)
    rng = random.Random(seed) if seed is not None else None
    with Sandbox(document, started_at=at) as sandbox:
        return sandbox.call(Script.parse(steps, callee=callee), cli=cli, rng=rng)


# --- HTTP ------------------------------------------------------------------------------

CALLEE = {"type": "string", "enum": list(CALLEE_OUTCOMES)}
START_BODY = {
    "type": "object",
    "properties": {
        "flow": {"type": "string", "minLength": 1, "description": "a flow id to call"},
        "version": {
            "anyOf": [{"type": "integer", "minimum": 1}, {"const": "draft"}],
            "default": "draft",
            "description": "the flow's draft (default) or a published version number",
        },
        "number": {"type": "string", "pattern": E164_PATTERN,
                   "description": "call this number instead, routed like a real call"},
        "cli": {"type": "string", "pattern": r"^(\+[1-9][0-9]{1,14}|private)$",
                "description": "the caller's number"},
        "to": {"type": "string", "pattern": E164_PATTERN,
               "description": "the number called (for a flow: its bound number by default)"},
        "callee": {**CALLEE, "description": "how every connect's callee reacts, "
                                            "without asking the keypad"},
        "talk": {"type": "number", "minimum": 0, "maximum": MAX_TALK_SECONDS,
                 "description": "seconds of conversation when a script connects a call"},
        "script": {"type": "array", "maxItems": 200, "items": {"type": "string"},
                   "description": "run the call to its end: steps like '1', '4321#', "
                                  "'!1', 'silence', 'hangup', 'callee:busy'"},
    },
    "additionalProperties": False,
}  # fmt: skip
SESSION = {
    "type": "object",
    "required": ["id", "callid", "state", "prompt", "transcript"],
    "properties": {
        "id": {"type": "string"},
        "callid": {"type": "string"},
        "state": {"type": "string", "enum": [p.value for p in Phase if p is not Phase.NEW]},
        "prompt": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "menu": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "keys": {"type": "array", "items": {"type": "string"}},
        "maxDigits": {"type": "integer"},
        "node": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "flow": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "version": {"anyOf": [{"type": "integer"}, {"const": "draft"}, {"type": "null"}]},
        "transcript": {"type": "object"},
    },
}
DTMF_BODY = {
    "type": "object",
    "required": ["digits"],
    "properties": {
        "digits": {"type": "string", "pattern": r"^[0-9*#]{1,32}$"},
        "duringPrompt": {"type": "boolean", "default": False,
                         "description": "key while the prompt plays (needs barge-in)"},
    },
    "additionalProperties": False,
}  # fmt: skip
HANGUP_BODY = {
    "type": "object",
    "properties": {"by": {"type": "string", "enum": ["caller", "callee"], "default": "caller"}},
    "additionalProperties": False,
}
CALLEE_BODY = {
    "type": "object",
    "required": ["answer"],
    "properties": {"answer": CALLEE},
    "additionalProperties": False,
}
TALK_BODY = {
    "type": "object",
    "required": ["seconds"],
    "properties": {"seconds": {"type": "number", "minimum": 0, "maximum": MAX_TALK_SECONDS}},
    "additionalProperties": False,
}
ID = Param("id", {"type": "string", "minLength": 1}, "the simulated call's id")


def _now() -> datetime:
    state: DesignerState = current_app.extensions["designer"]
    return state.now()


def session_json(session: Session) -> dict[str, Any]:
    call = session.call
    transcript = trace(current_app.extensions["designer"].repo, call)
    visited = transcript.visited
    return {
        "id": session.id,
        "callid": call.callid,
        "state": call.phase.value,
        "prompt": call.prompt,
        "menu": call.menu_id,
        "keys": call.menu_keys,
        "maxDigits": call.max_digits,
        "node": visited[-1] if visited else None,
        "flow": session.flow_id,
        "version": session.version,
        "transcript": transcript.to_dict(),
    }


def _settle(session: Session) -> None:
    """Let a session's own callee answer a connect when one was chosen up front."""
    call = session.call
    if session.callee and call.phase is Phase.DIALING:
        call.callee(session.callee)


@bp.post("/calls")
@operation(
    summary="Start a simulated call",
    description="Calls a flow's draft or version, or a number; with a script, to the end.",
    tags=TAGS,
    body=START_BODY,
    responses={201: ApiReply("the call, waiting for the keypad or ended", SESSION)},
    errors=[404, 409],
)
def start(body: dict[str, Any]) -> Any:
    script = None
    if "script" in body:
        script = Script(
            [parse_step(s) for s in body["script"]],
            callee=Callee(body.get("callee", "answer"), talk=body.get("talk", 30.0)),
        )
    call, pinned = start_call(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        flow_id=body.get("flow"),
        version=body.get("version", "draft"),
        number=body.get("number"),
        cli=body.get("cli", DEFAULT_CLI),
        to=body.get("to"),
    )
    session = Session(
        id=secrets.token_urlsafe(12),
        call=call,
        flow_id=body.get("flow"),
        version=pinned,
        callee=body.get("callee"),
        touched=_now(),
    )
    if script is not None:
        run(call, script)
    else:
        _settle(session)
    store(current_app).add(session, _now())
    return jsonify(session_json(session)), 201


@bp.get("/calls/<id>")
@operation(
    summary="A simulated call: its state, current prompt and transcript",
    tags=TAGS,
    path=[ID],
    responses={200: ApiReply("the call", SESSION)},
    errors=[404],
)
def get(id: str) -> Any:
    session = store(current_app).get(id, _now())
    with session.lock:
        return jsonify(session_json(session))


def _input(id: str, act) -> Any:
    session = store(current_app).get(id, _now())
    with session.lock:
        act(session.call)
        _settle(session)
        return jsonify(session_json(session))


@bp.post("/calls/<id>/dtmf")
@operation(
    summary="Key digits at the prompt",
    tags=TAGS,
    path=[ID],
    body=DTMF_BODY,
    responses={200: ApiReply("the call after the keys", SESSION)},
    errors=[404, 409],
)
def dtmf(id: str, body: dict[str, Any]) -> Any:
    return _input(
        id, lambda call: call.press(body["digits"], during_prompt=body.get("duringPrompt", False))
    )


@bp.post("/calls/<id>/silence")
@operation(
    summary="Stay silent: the menu times out (or the hold time runs out)",
    tags=TAGS,
    path=[ID],
    responses={200: ApiReply("the call after the silence", SESSION)},
    errors=[404, 409],
)
def silence(id: str) -> Any:
    return _input(id, lambda call: call.silence())


@bp.post("/calls/<id>/hangup")
@operation(
    summary="Hang up (the caller, or once connected the callee)",
    tags=TAGS,
    path=[ID],
    body=HANGUP_BODY,
    body_required=False,
    responses={200: ApiReply("the ended call", SESSION)},
    errors=[404, 409],
)
def hangup(id: str, body: dict[str, Any] | None) -> Any:
    return _input(id, lambda call: call.hangup((body or {}).get("by", "caller")))


@bp.post("/calls/<id>/callee")
@operation(
    summary="How the party a connect rings reacts",
    tags=TAGS,
    path=[ID],
    body=CALLEE_BODY,
    responses={200: ApiReply("the call, connected or ended", SESSION)},
    errors=[404, 409],
)
def callee(id: str, body: dict[str, Any]) -> Any:
    return _input(id, lambda call: call.callee(body["answer"]))


@bp.post("/calls/<id>/talk")
@operation(
    summary="Let caller and callee talk for a while (maxDuration may end the call)",
    tags=TAGS,
    path=[ID],
    body=TALK_BODY,
    responses={200: ApiReply("the call after the conversation", SESSION)},
    errors=[404, 409],
)
def talk(id: str, body: dict[str, Any]) -> Any:
    return _input(id, lambda call: call.talk(float(body["seconds"])))
