"""Rules shared by the SQL and the in-memory repository.

Both implementations must behave identically (the same suite runs against
each), so everything that is a decision rather than a storage mechanism
lives here once: id generation, names, time normalisation, JSON checks and
the wording of every error.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from designer.errors import BadRequest, Conflict, NotFound, StaleCall, Unprocessable
from designer.repository import CallRecord

UNTITLED = "Untitled flow"
_ID_ALPHABET = string.ascii_lowercase + string.digits
_SLUG_MAX = 32


def utc(value: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    if not isinstance(value, datetime):
        raise BadRequest(f"expected a datetime, got {type(value).__name__}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


def now_utc() -> datetime:
    """The clock, for the few stamps the protocol does not pass in (storage is not core)."""
    return datetime.now(UTC)


def json_copy(value: Any, what: str) -> Any:
    """A deep copy through JSON: proves the value can be stored and detaches it from the caller.

    Both backends store JSON text, so the in-memory one copies the same way to
    hand back exactly what a database would (tuples become lists, no NaN).
    """
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"{what} cannot be stored as JSON: {exc}") from None


def json_text(value: Any, what: str) -> str:
    """``value`` serialised for a JSON column, once (the callback hot path's copy-free check).

    Refuses what a database could not store, as ``json_copy`` does; compact and
    UTF-8 (not ASCII-escaped) to keep rows small.
    """
    try:
        return _dumps(value)
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"{what} cannot be stored as JSON: {exc}") from None


_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def json_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequest(f"{what} must be a JSON object, not {type(value).__name__}")
    return json_copy(value, what)


def flow_name(document: dict[str, Any]) -> str:
    name = document.get("name")
    return name.strip() if isinstance(name, str) and name.strip() else UNTITLED


def new_flow_id(name: str) -> str:
    """A short, url-safe, readable id: ``support-line-k3x9q2ma``.

    The slug makes ids recognisable in URLs and CLI listings; the random part
    (8 characters, 36**8 values) makes them unique without coordination.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:_SLUG_MAX].strip("-")
    suffix = "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))
    return f"{slug or 'flow'}-{suffix}"


def normalise_call(call: CallRecord) -> CallRecord:
    """The call as it will be stored: UTC times, a JSON-able context, a real bool."""
    check_key(call.callid, "callid")
    return replace(
        call,
        started_at=utc(call.started_at),
        ended_at=utc_or_none(call.ended_at),
        simulated=bool(call.simulated),
        context=json_object(call.context, "call context"),
    )


def check_page(limit: int, offset: int) -> None:
    for label, value in (("limit", limit), ("offset", offset)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise BadRequest(f"{label} must be a non-negative integer, got {value!r}")


def check_key(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{what} must be a non-empty string, got {value!r}")
    return value


# --- the wording of errors ------------------------------------------------------
def flow_not_found(flow_id: str) -> NotFound:
    return NotFound(f"flow {flow_id!r} not found", details={"flow": flow_id})


def version_not_found(flow_id: str, number: int) -> NotFound:
    return NotFound(
        f"flow {flow_id!r} has no version {number}", details={"flow": flow_id, "version": number}
    )


def stale_revision(flow_id: str, expected: int, current: int) -> Conflict:
    return Conflict(
        f"flow {flow_id!r} was changed meanwhile: you edited revision {expected}, "
        f"it is now at revision {current}; reload it and apply your change again",
        details={"flow": flow_id, "expected_revision": expected, "revision": current},
    )


def application_not_found(key: str) -> NotFound:
    return NotFound(f"application {key!r} not found", details={"application": key})


def application_exists(key: str) -> Conflict:
    return Conflict(f"application {key!r} already exists", details={"application": key})


def binding_not_found(number: str) -> NotFound:
    return NotFound(f"number {number} is not bound to a flow", details={"number": number})


def call_not_found(callid: str) -> NotFound:
    return NotFound(f"call {callid!r} not found", details={"callid": callid})


def call_exists(callid: str) -> Conflict:
    return Conflict(f"call {callid!r} already exists", details={"callid": callid})


def stale_call(callid: str) -> StaleCall:
    return StaleCall(
        f"call {callid!r} changed while this callback was being answered; read it again",
        details={"callid": callid},
    )


def missing_default_flow(key: str, flow_id: str) -> Unprocessable:
    return Unprocessable(
        f"application {key!r}: default flow {flow_id!r} does not exist",
        details={"application": key, "flow": flow_id},
    )


def missing_bound_flow(number: str, flow_id: str) -> Unprocessable:
    return Unprocessable(
        f"cannot bind {number}: flow {flow_id!r} does not exist",
        details={"number": number, "flow": flow_id},
    )


def unpublished_bound_flow(number: str, flow_id: str) -> Unprocessable:
    return Unprocessable(
        f"cannot bind {number}: flow {flow_id!r} has never been published; publish it first",
        details={"number": number, "flow": flow_id},
    )


def missing_bound_version(number: str, flow_id: str, version: int) -> Unprocessable:
    return Unprocessable(
        f"cannot bind {number}: flow {flow_id!r} has no version {version}",
        details={"number": number, "flow": flow_id, "version": version},
    )


def missing_bound_application(number: str, key: str) -> Unprocessable:
    return Unprocessable(
        f"cannot bind {number}: application {key!r} does not exist",
        details={"number": number, "application": key},
    )


def check_version_number(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadRequest(f"version must be a positive integer, got {value!r}")
    return value
