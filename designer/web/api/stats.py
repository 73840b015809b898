"""Per-node call counts of one flow over a period: the editor's heat overlay.

``GET /api/flows/<id>/stats?since=...`` answers, for every node that calls
of the flow visited in the period, how many calls reached it, how often it
was visited, how many calls ended there and how many of those the caller
gave up on (hung up, or let the call time out).  The editor tints the nodes
by it; a drop-off rate is ``dropped / calls``.

``aggregate`` is the whole computation and a pure function over call records
and the paths they took, so it is tested with hand-made calls; the view only
pages through the call log and hands the records over.  The definitions are
the notebooks' (``designer.notebook.analysis.reached`` / ``dropoff``), so
the canvas and a notebook agree on the same log.

A call's path comes from its trace events, one query per call.  The path of
an ended call never changes, so it is kept (``PathCache``, per app and
process, bounded): the heat map refreshes every minute and switches periods,
and only calls it has not seen end cost a query.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify

from designer.errors import BadRequest
from designer.repository import CallEvent, CallFilter, CallRecord
from designer.web.api.flows import FLOW_ID
from designer.web.api.representations import iso
from designer.web.extensions import designer_state
from designer.web.openapi import DATE_TIME, Param, Reply, component, nullable, operation

bp = Blueprint("stats", __name__, url_prefix="/api/flows/<flow_id>")

TAGS = ["calls"]
# How a call ends when the caller gave up (as designer.notebook.analysis.DROP_OUTCOMES).
DROP_OUTCOMES: frozenset[str] = frozenset({"callerhangup", "timeout"})
DEFAULT_PERIOD = timedelta(days=1)
PAGE = 500
MAX_CALLS = 5000  # beyond this the answer says "truncated": the newest calls are counted
CACHE_KEY = "designer.stats.paths"
CACHE_SIZE = 50_000  # paths of ended calls kept per process

_NODE_STATS = {
    "type": "object",
    "required": ["calls", "visits", "ended", "dropped"],
    "properties": {
        "calls": {"type": "integer", "minimum": 0, "description": "calls that reached the node"},
        "visits": {"type": "integer", "minimum": 0, "description": "times it was visited"},
        "ended": {"type": "integer", "minimum": 0, "description": "calls that ended there"},
        "dropped": {
            "type": "integer",
            "minimum": 0,
            "description": "of those, calls the caller gave up on (callerhangup, timeout)",
        },
    },
}
STATS = component(
    "FlowStats",
    {
        "type": "object",
        "required": ["flow", "since", "until", "calls", "active", "truncated", "nodes", "results"],
        "properties": {
            "flow": {"type": "string"},
            "since": DATE_TIME,
            "until": nullable(DATE_TIME),
            "calls": {"type": "integer", "minimum": 0, "description": "calls counted"},
            "active": {"type": "integer", "minimum": 0, "description": "of them, still going"},
            "truncated": {
                "type": "boolean",
                "description": f"more than {MAX_CALLS} calls matched: the newest were counted",
            },
            "nodes": {"type": "object", "additionalProperties": _NODE_STATS},
            "results": {
                "type": "object",
                "additionalProperties": {"type": "integer"},
                "description": "ended calls by result (connected, hangup, callerhangup...)",
            },
        },
    },
)


def call_path(events: Iterable[CallEvent]) -> list[str]:
    """The nodes a call visited, in order (its ``node`` trace events by ``seq``)."""
    ordered = sorted(events, key=lambda e: e.seq)
    return [e.node for e in ordered if e.kind == "node" and isinstance(e.node, str)]


def aggregate(calls: Iterable[CallRecord], paths: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Per-node counts over ``calls``; ``paths`` maps each callid to the nodes it visited.

    A call missing from ``paths`` counts as a call that visited no node.
    Returns ``{"calls", "active", "nodes": {id: {calls, visits, ended,
    dropped}}, "results": {result: n}}`` with nodes in the order calls first
    reached them.
    """
    nodes: dict[str, dict[str, int]] = {}
    results: dict[str, int] = {}
    total = active = 0
    for call in calls:
        total += 1
        path = paths.get(call.callid, ())
        for node in path:
            entry = nodes.setdefault(node, {"calls": 0, "visits": 0, "ended": 0, "dropped": 0})
            entry["visits"] += 1
        for node in dict.fromkeys(path):
            nodes[node]["calls"] += 1
        if call.state != "ended":
            active += 1
            continue
        result = call.result or "ended"
        results[result] = results.get(result, 0) + 1
        if path:
            last = nodes[path[-1]]
            last["ended"] += 1
            if result in DROP_OUTCOMES:
                last["dropped"] += 1
    return {"calls": total, "active": active, "nodes": nodes, "results": results}


class PathCache:
    """The paths of ended calls (they never change), least recently used dropped first."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, callid: str) -> tuple[str, ...] | None:
        with self._lock:
            path = self._items.get(callid)
            if path is not None:
                self._items.move_to_end(callid)
            return path

    def put(self, callid: str, path: Sequence[str]) -> None:
        with self._lock:
            self._items[callid] = tuple(path)
            self._items.move_to_end(callid)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def path_cache(app: Flask) -> PathCache:
    found = app.extensions.get(CACHE_KEY)
    if found is None:
        found = app.extensions.setdefault(CACHE_KEY, PathCache())
    return found


@bp.get("/stats")
@operation(
    summary="Per-node call counts of a flow over a period (the heat overlay)",
    description=(
        "Counts the calls of the flow started in [since, until): per node, the calls that "
        "reached it, its visits, the calls that ended there and those the caller gave up on. "
        f"since defaults to {DEFAULT_PERIOD.days} day before now; at most {MAX_CALLS} calls "
        "(the newest) are counted."
    ),
    tags=TAGS,
    path=[FLOW_ID],
    query=[
        Param("since", DATE_TIME, "calls started at or after (ISO 8601; UTC when no offset)"),
        Param("until", DATE_TIME, "calls started before (default: now)"),
        Param("simulated", {"type": "boolean"}, "only simulated (true) or real (false) calls"),
    ],
    responses={200: Reply("the counts", STATS)},
    errors=[404],
)
def flow_stats(flow_id: str, query: dict[str, Any]) -> Any:
    state = designer_state()
    repo = state.repo
    repo.get_flow(flow_id)  # NotFound -> 404
    until = query.get("until")
    since = query.get("since") or (until or state.now()) - DEFAULT_PERIOD
    if until is not None and until <= since:
        raise BadRequest(
            "until must be later than since",
            details={"since": iso(since), "until": iso(until)},
        )
    filters = CallFilter(
        flow_id=flow_id, since=since, until=until, simulated=query.get("simulated")
    )
    calls: list[CallRecord] = []
    total = 0
    while len(calls) < MAX_CALLS:
        page, total = repo.list_calls(filters, limit=PAGE, offset=len(calls))
        calls.extend(page[: MAX_CALLS - len(calls)])
        if len(page) < PAGE:
            break
    cache = path_cache(current_app)
    paths: dict[str, Sequence[str]] = {}
    for call in calls:
        cached = cache.get(call.callid) if call.state == "ended" else None
        if cached is not None:
            paths[call.callid] = cached
    # the rest in a few bulk reads rather than one query per call
    missing = [call for call in calls if call.callid not in paths]
    events = repo.list_events_of_calls([call.callid for call in missing]) if missing else {}
    for call in missing:
        path = paths[call.callid] = call_path(events.get(call.callid, []))
        if call.state == "ended":
            cache.put(call.callid, path)
    counts = aggregate(calls, paths)
    return jsonify(
        {
            "flow": flow_id,
            "since": iso(since),
            "until": iso(until),
            "calls": counts["calls"],
            "active": counts["active"],
            "truncated": total > len(calls),
            "nodes": counts["nodes"],
            "results": counts["results"],
        }
    )
