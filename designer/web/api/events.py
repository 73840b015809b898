"""Trace events of many calls in one request, for analyses that read a whole call log.

``GET /api/calls/<callid>`` answers one call; a notebook reading two
thousand calls that way makes two thousand round trips.  This route pages
through the call log exactly as ``GET /api/calls`` does (same filters, same
order, same ``limit``/``offset``/``total``) and gives each call of the page
with its events, so the whole log is a handful of requests, each answered
with one ``list_calls`` and one ``list_events_of_calls``.  Paging by call
rather than by event keeps a call's events together on one page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from designer.web.api.calls import FILTERS, MAX_LIMIT, TAGS, page_of_calls, page_schema
from designer.web.api.representations import CALL_SUMMARY, EVENT, call_json, event_json
from designer.web.extensions import designer_state
from designer.web.openapi import Reply, component, operation

bp = Blueprint("events", __name__, url_prefix="/api/events")

CALL_EVENTS = component(
    "CallEvents",
    {
        "allOf": [
            CALL_SUMMARY,
            {
                "type": "object",
                "required": ["events"],
                "properties": {
                    "events": {"type": "array", "items": EVENT, "description": "in seq order"}
                },
            },
        ],
        "description": "a call of the log with its trace events",
    },
)


@bp.get("")
@operation(
    summary="Trace events of many calls: pages of calls, each with its events",
    tags=TAGS,
    description=(
        "The calls that GET /api/calls selects with the same query (same filters, newest "
        f"first, at most {MAX_LIMIT} a page, the same total), each with its trace events in "
        "seq order.  Page with offset until offset + limit reaches total."
    ),
    query=FILTERS,
    responses={200: Reply("one page of calls with their events", page_schema(CALL_EVENTS))},
)
def list_events(query: dict[str, Any]) -> Any:
    calls, page = page_of_calls(query)
    by_call = designer_state().repo.list_events_of_calls([c.callid for c in calls])
    items = [{**call_json(c), "events": [event_json(e) for e in by_call[c.callid]]} for c in calls]
    return jsonify({"items": items, **page})
