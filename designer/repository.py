"""The storage interface the rest of the application programs against.

Records are small dataclasses; ``Repository`` is the protocol that both the
SQLAlchemy implementation (``designer.storage.sql``) and the in-memory one
(``designer.storage.memory``) satisfy, so the engine and the web layer are
tested against either.  Every method is atomic: it either applies fully or
raises and changes nothing.  Times are timezone-aware UTC datetimes passed in
by the caller (the core never reads the clock).

Errors: ``NotFound`` for unknown ids, ``Conflict`` for a stale revision or a
duplicate key (its subclass ``StaleCall`` for a callback step worked out from
a call that has changed since), ``Unprocessable`` when a record refers to
something unusable (a binding to a missing or never-published flow, a missing
version or application; an application's missing default flow),
``BadRequest`` for a number that is not E.164 or a negative limit/offset.

The callback hot path (``designer.engine``) uses two methods per callback:
``load_callback`` (one read: the call, an earlier answer to the same
callback, the latest trace seq) and ``record_step`` (one transaction: the
answer, the call and its trace events).  Everything else is for the API,
the simulator and the CLI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from designer.errors import BadRequest

E164_RE = re.compile(r"^\+[1-9][0-9]{1,14}$")


def check_e164(number: str) -> str:
    """Return ``number`` if it is an E.164 phone number (``+46700000001``), else raise."""
    if not isinstance(number, str) or not E164_RE.match(number):
        raise BadRequest(
            f"{number!r} is not an E.164 phone number: '+', country code and subscriber "
            "number, up to 15 digits, e.g. +46700000001"
        )
    return number


def check_callids(callids: Any) -> list[str]:
    """``callids`` as a list without repeats, in order; refuses what cannot name calls.

    One string is refused rather than read as a list of one-letter ids.
    """
    if isinstance(callids, str | bytes) or not isinstance(callids, list | tuple):
        raise BadRequest(f"call ids must be a list of strings, not {type(callids).__name__}")
    for callid in callids:
        if not isinstance(callid, str):
            raise BadRequest(f"a call id must be a string, not {callid!r}")
    return list(dict.fromkeys(callids))


@dataclass
class Application:
    key: str
    secret: str | None = None  # base64 as in the Sinch dashboard; never serialised by the API
    name: str = ""
    default_flow_id: str | None = None
    created_at: datetime | None = None


@dataclass
class FlowRecord:
    id: str
    name: str
    document: dict[str, Any]
    revision: int
    created_at: datetime
    updated_at: datetime
    latest_version: int | None = None  # highest published version number


@dataclass
class FlowVersion:
    flow_id: str
    number: int
    document: dict[str, Any]
    comment: str
    published_by: str
    published_at: datetime


@dataclass
class NumberBinding:
    number: str  # E.164
    flow_id: str
    application_key: str | None = None
    version: int | None = None  # pinned version; None = the latest published
    updated_at: datetime | None = None


@dataclass
class CallRecord:
    callid: str
    flow_id: str | None
    version: int | None
    started_at: datetime
    application_key: str | None = None
    state: str = "active"  # active | ended
    current_node: str | None = None
    cli: str | None = None
    to: str | None = None
    ended_at: datetime | None = None
    result: str | None = None  # outcome: connected, hangup, callerhangup, timeout, error...
    reason: str | None = None  # DiCE reason
    duration: int | None = None
    simulated: bool = False
    context: dict[str, Any] = field(default_factory=dict)  # engine state: vars, waiting node...


@dataclass
class CallEvent:
    callid: str
    seq: int
    ts: datetime
    kind: str  # callback, node, svaml, dice, notify, error...
    node: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    flow_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "callid": self.callid,
            "seq": self.seq,
            "ts": self.ts.isoformat().replace("+00:00", "Z"),
            "kind": self.kind,
            "node": self.node,
            "data": self.data,
            "flow": self.flow_id,
        }


@dataclass
class CallbackState:
    """What answering one callback needs to read, fetched by ``load_callback`` at once.

    ``answer`` is the response stored for this callback's idempotency key when
    it was answered before (the platform retried it); ``last_seq`` is the seq
    of the call's latest trace event (0 for none), which ``record_step`` uses
    to refuse a step worked out from a call that changed meanwhile.
    """

    call: CallRecord | None
    answer: dict[str, Any] | None = None
    last_seq: int = 0


@dataclass
class AnsweredCallback:
    """Everything one answered callback changes; ``record_step`` writes it in one transaction.

    ``call`` is the call as the callback leaves it (inserted when ``create``,
    else replacing the stored one); ``events`` are numbered ``after_seq + 1``
    onwards (their own ``seq`` is ignored); ``after_seq`` is the ``last_seq``
    of the ``CallbackState`` the step was worked out from.
    """

    callid: str
    key: str
    response: dict[str, Any]
    call: CallRecord
    events: list[CallEvent]
    after_seq: int = 0
    create: bool = False
    now: datetime | None = None  # when the answer was given (default: the storage clock)


@dataclass
class RecordedStep:
    """What ``record_step`` stored: the answer to give and the numbered trace events.

    ``replayed`` means another delivery of the same callback was answered
    first: ``response`` is that earlier answer, and nothing else was written.
    """

    response: dict[str, Any]
    events: list[CallEvent] = field(default_factory=list)
    replayed: bool = False


@dataclass
class CallFilter:
    flow_id: str | None = None
    number: str | None = None  # the called number
    result: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    simulated: bool | None = None


# What ``Repository.sweep_stale_calls`` writes into a call whose DiCE never came.
LOST_RESULT = "lost"
NO_DICE_REASON = "no-dice"
SWEPT_EVENT = "swept"


class Repository(Protocol):
    # applications
    def add_application(self, app: Application) -> Application: ...
    def get_application(self, key: str, *, with_secret: bool = True) -> Application:
        """``with_secret=False`` leaves ``secret`` None: what replacing a secret needs,
        even one that no configured key can decrypt any more."""
        ...

    def list_applications(self) -> list[Application]: ...
    def update_application(self, app: Application) -> Application: ...
    def delete_application(self, key: str) -> None: ...

    # flows (drafts) with optimistic concurrency on ``revision``
    def create_flow(self, document: dict[str, Any], now: datetime) -> FlowRecord: ...
    def get_flow(self, flow_id: str) -> FlowRecord: ...
    def list_flows(self) -> list[FlowRecord]: ...
    def update_flow(
        self,
        flow_id: str,
        document: dict[str, Any],
        expected_revision: int | None,
        now: datetime,
    ) -> FlowRecord: ...
    def delete_flow(self, flow_id: str, expected_revision: int | None) -> None: ...

    # published versions (immutable)
    def publish(
        self,
        flow_id: str,
        comment: str,
        published_by: str,
        now: datetime,
        expected_revision: int | None = None,
    ) -> FlowVersion: ...
    def list_versions(self, flow_id: str) -> list[FlowVersion]: ...
    def get_version(self, flow_id: str, number: int) -> FlowVersion: ...
    def rollback(self, flow_id: str, number: int, now: datetime) -> FlowRecord: ...

    # number bindings
    def bind_number(self, binding: NumberBinding, now: datetime) -> NumberBinding: ...
    def get_binding(self, number: str) -> NumberBinding: ...
    def list_bindings(self) -> list[NumberBinding]: ...
    def unbind_number(self, number: str) -> None: ...

    # calls and their trace events
    def create_call(self, call: CallRecord) -> CallRecord: ...
    def get_call(self, callid: str) -> CallRecord: ...
    def update_call(self, call: CallRecord) -> CallRecord: ...
    def list_calls(
        self, filters: CallFilter, limit: int = 50, offset: int = 0
    ) -> tuple[list[CallRecord], int]: ...
    def append_events(self, callid: str, events: list[CallEvent]) -> list[CallEvent]:
        """Store events, assigning consecutive ``seq`` numbers per call (given seq ignored)."""
        ...

    def list_events(self, callid: str, after_seq: int = 0) -> list[CallEvent]: ...

    # bulk reads of trace events (the call log's analysis reads thousands of calls)
    def list_events_of_calls(self, callids: list[str]) -> dict[str, list[CallEvent]]:
        """Each call's events in ``seq`` order, keyed by call id in the order asked.

        Every id asked for is a key (given twice, once); an unknown call's list
        is empty, as is that of a call without events.  One query per few
        hundred calls rather than one per call, in one transaction, so the
        calls' events are read from one state of the database.
        """
        ...

    # idempotent callbacks: the answer given to (callid, key) is replayed on a retry
    def get_callback_response(self, callid: str, key: str) -> dict[str, Any] | None:
        """The response stored for this callback, or None when it was never answered."""
        ...

    def save_callback_response(
        self, callid: str, key: str, response: dict[str, Any], now: datetime | None = None
    ) -> dict[str, Any]:
        """Store the response unless one is already stored; return the stored one.

        When two deliveries of the same callback race, both get the first answer.
        """
        ...

    # the callback hot path: one read and one write per callback
    def load_callback(self, callid: str, key: str) -> CallbackState:
        """The call (None if unknown), the answer stored for ``key`` and the latest seq."""
        ...

    def record_step(self, step: AnsweredCallback) -> RecordedStep:
        """Claim the answer, write the call and append its events: all or nothing.

        - The answer already stored for ``(callid, key)`` wins: it is returned
          with ``replayed=True`` and nothing is written.
        - ``StaleCall`` (nothing written) when the call changed after
          ``after_seq`` was read -- events were appended since, or ``create``
          finds the call already there: read again and work the step out anew.
        - ``NotFound`` when the call to update does not exist.
        """
        ...

    def routing_generation(self) -> int:
        """A counter bumped by every write through this object that can change routing.

        Routing reads bindings, published versions, flows and applications.
        An unchanged value means none of them changed *through this object*;
        other processes' writes are not seen, so a cache keyed on it must also
        expire (the call engine keeps routes for a couple of seconds).
        """
        ...

    # housekeeping (designer.housekeeping): close calls whose DiCE never came,
    # forget callback answers no retry will ask for again
    def sweep_stale_calls(
        self, idle_before: datetime, now: datetime, *, dry_run: bool = False
    ) -> list[CallEvent]:
        """End every ``active`` call whose latest activity is older than ``idle_before``.

        Latest activity is the ts of its latest trace event, else ``started_at``.
        Each such call gets ``state="ended"``, ``result=LOST_RESULT``,
        ``reason=NO_DICE_REASON``, ``ended_at`` = that latest activity (not
        ``now``), and a ``SWEPT_EVENT`` trace event at ``now`` numbered after
        its last seq, so a callback step worked out before the sweep is
        ``StaleCall`` and a late DiCE is recorded after it.  Calls are ended in
        batches, each its own transaction; a call that changed meanwhile is
        left alone.  Returns the swept events, oldest call first (``dry_run``:
        the events it would write, nothing written).
        """
        ...

    def prune_callback_responses(self, before: datetime, *, dry_run: bool = False) -> int:
        """Delete the stored callback answers given before ``before``; how many went.

        In batches, each its own transaction (``dry_run``: only count them).
        """
        ...
