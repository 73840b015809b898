"""The call log: calls with filters and paging, and one call with its trace events."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from designer.repository import CallFilter, CallRecord
from designer.web.api.representations import (
    CALL,
    CALL_SUMMARY,
    call_json,
    event_json,
)
from designer.web.extensions import designer_state
from designer.web.openapi import DATE_TIME, Param, Reply, operation

bp = Blueprint("calls", __name__, url_prefix="/api/calls")

TAGS = ["calls"]
MAX_LIMIT = 500
DEFAULT_LIMIT = 50

# The call log's filters and paging: GET /api/events reads the same calls.
FILTERS = (
    Param("flow", {"type": "string"}, "only calls of this flow id"),
    Param("number", {"type": "string"}, "only calls to this number"),
    Param("result", {"type": "string"}, "only calls with this result, e.g. hangup"),
    Param("since", DATE_TIME, "started at or after (ISO 8601; UTC when no offset)"),
    Param("until", DATE_TIME, "started before (ISO 8601; UTC when no offset)"),
    Param("simulated", {"type": "boolean"}, "only simulated (true) or real (false) calls"),
    Param(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        "page size",
    ),
    Param("offset", {"type": "integer", "minimum": 0, "default": 0}, "calls to skip"),
)


def page_schema(item: dict[str, Any]) -> dict[str, Any]:
    """One page of calls; ``item`` is what a route tells about each call."""
    return {
        "type": "object",
        "required": ["items", "total", "limit", "offset"],
        "properties": {
            "items": {"type": "array", "items": item},
            "total": {"type": "integer", "minimum": 0, "description": "matching calls, all pages"},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            "offset": {"type": "integer", "minimum": 0},
        },
    }


def page_of_calls(query: dict[str, Any]) -> tuple[list[CallRecord], dict[str, Any]]:
    """The selected calls and the page's paging fields; one reading for every paged route,
    so that the same query selects the same calls from each."""
    filters = CallFilter(
        flow_id=query.get("flow"),
        number=query.get("number"),
        result=query.get("result"),
        since=query.get("since"),
        until=query.get("until"),
        simulated=query.get("simulated"),
    )
    limit, offset = query.get("limit", DEFAULT_LIMIT), query.get("offset", 0)
    calls, total = designer_state().repo.list_calls(filters, limit=limit, offset=offset)
    return calls, {"total": total, "limit": limit, "offset": offset}


@bp.get("")
@operation(
    summary="List calls, newest first",
    tags=TAGS,
    query=FILTERS,
    responses={200: Reply("one page of calls", page_schema(CALL_SUMMARY))},
)
def list_calls(query: dict[str, Any]) -> Any:
    calls, page = page_of_calls(query)
    return jsonify({"items": [call_json(c) for c in calls], **page})


@bp.get("/<callid>")
@operation(
    summary="Get one call with its trace events",
    tags=TAGS,
    path=[Param("callid", {"type": "string", "minLength": 1}, "the Sinch call id")],
    responses={200: Reply("the call; events in seq order", CALL)},
    errors=[404],
)
def get_call(callid: str) -> Any:
    repo = designer_state().repo
    call = repo.get_call(callid)
    events = sorted(repo.list_events(callid), key=lambda e: e.seq)
    return jsonify(
        {**call_json(call), "context": call.context, "events": [event_json(e) for e in events]}
    )
