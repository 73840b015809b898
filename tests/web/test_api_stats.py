"""Per-node call counts for the heat overlay: the pure aggregation, then over HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from designer.repository import CallEvent, CallRecord
from designer.web.api.stats import PathCache, aggregate, call_path


def _call(
    callid: str, started: datetime, *, state: str = "ended", result: str | None = "hangup"
) -> CallRecord:
    return CallRecord(
        callid=callid,
        flow_id="f",
        version=1,
        started_at=started,
        state=state,
        result=result if state == "ended" else None,
    )


def _events(callid: str, ts: datetime, *nodes: str) -> list[CallEvent]:
    out = [CallEvent(callid=callid, seq=1, ts=ts, kind="callback", data={"event": "ice"})]
    for i, node in enumerate(nodes, start=2):
        out.append(CallEvent(callid=callid, seq=i, ts=ts, kind="node", node=node))
        out.append(CallEvent(callid=callid, seq=100 + i, ts=ts, kind="svaml", node=node))
    return out


def test_call_path_follows_seq_and_keeps_only_node_events(now):
    events = list(reversed(_events("a", now, "start", "main", "main", "sales")))
    assert call_path(events) == ["start", "main", "main", "sales"]


def test_aggregate_counts_reach_visits_ends_and_drops(now):
    calls = [
        _call("a", now, result="connected"),
        _call("b", now, result="callerhangup"),
        _call("c", now, result="timeout"),
        _call("d", now, state="active"),
        _call("e", now, result="hangup"),
    ]
    paths = {
        "a": ["start", "main", "sales"],
        "b": ["start", "main", "main"],  # "9" repeats the menu, then hangs up
        "c": ["start", "main"],
        "d": ["start", "main"],
        # "e" has no events: counted as a call, visits nothing
    }
    out = aggregate(calls, paths)
    assert out["calls"] == 5
    assert out["active"] == 1
    assert out["results"] == {"connected": 1, "callerhangup": 1, "timeout": 1, "hangup": 1}
    assert list(out["nodes"]) == ["start", "main", "sales"]
    assert out["nodes"]["start"] == {"calls": 4, "visits": 4, "ended": 0, "dropped": 0}
    assert out["nodes"]["main"] == {"calls": 4, "visits": 5, "ended": 2, "dropped": 2}
    assert out["nodes"]["sales"] == {"calls": 1, "visits": 1, "ended": 1, "dropped": 0}


def test_aggregate_of_nothing():
    assert aggregate([], {}) == {"calls": 0, "active": 0, "nodes": {}, "results": {}}


def test_path_cache_keeps_the_most_recently_used():
    cache = PathCache(size=2)
    cache.put("a", ["start"])
    cache.put("b", ["start", "main"])
    assert cache.get("a") == ("start",)  # "a" is now the most recent
    cache.put("c", [])
    assert cache.get("b") is None
    assert cache.get("a") == ("start",)
    assert cache.get("c") == ()


@pytest.fixture
def seeded(app, now):
    repo = app.extensions["designer"].repo
    plans = [
        ("old", now - timedelta(days=3), "callerhangup", ("start", "main")),
        ("x1", now - timedelta(hours=5), "connected", ("start", "main", "sales")),
        ("x2", now - timedelta(minutes=30), "callerhangup", ("start", "main")),
        ("other", now - timedelta(minutes=10), "hangup", ("start", "bye")),
    ]
    for callid, started, result, nodes in plans:
        repo.create_call(
            CallRecord(
                callid=callid,
                flow_id="other-flow" if callid == "other" else "f",
                version=1,
                started_at=started,
                state="ended",
                result=result,
            )
        )
        repo.append_events(callid, _events(callid, started, *nodes))
    return repo


@pytest.fixture
def flow_id(make_flow, seeded):
    """Seeded calls name the flow "f": rename the seeded calls to the created flow's id."""
    flow = make_flow()
    for callid in ("old", "x1", "x2"):
        call = seeded.get_call(callid)
        call.flow_id = flow["id"]
        seeded.update_call(call)
    return flow["id"]


def test_stats_of_the_last_day_by_default(client, flow_id, now):
    response = client.get(f"/api/flows/{flow_id}/stats")
    assert response.status_code == 200
    body = response.get_json()
    assert body["flow"] == flow_id
    assert body["since"] == "2026-11-24T10:00:00Z"
    assert body["until"] is None
    assert (body["calls"], body["active"], body["truncated"]) == (2, 0, False)
    assert body["nodes"]["main"] == {"calls": 2, "visits": 2, "ended": 1, "dropped": 1}
    assert body["nodes"]["sales"]["ended"] == 1
    assert "bye" not in body["nodes"]  # another flow's call
    assert body["results"] == {"connected": 1, "callerhangup": 1}


def test_an_ended_call_is_read_once_and_a_live_one_every_time(client, flow_id, app, now):
    repo = app.extensions["designer"].repo
    repo.create_call(
        CallRecord(callid="live", flow_id=flow_id, version=1, started_at=now, state="active")
    )
    repo.append_events("live", _events("live", now, "start"))
    reads: list[list[str]] = []  # the callids of each bulk read
    original = repo.list_events_of_calls

    def counting(callids):
        reads.append(sorted(callids))
        return original(callids)

    repo.list_events_of_calls = counting
    client.get(f"/api/flows/{flow_id}/stats")
    assert reads == [["live", "x1", "x2"]]  # one bulk read, not one per call
    repo.append_events("live", _events("live", now, "start", "main")[2:])
    reads.clear()
    body = client.get(f"/api/flows/{flow_id}/stats").get_json()
    assert reads == [["live"]]  # the ended calls' paths come from the cache
    assert body["active"] == 1
    assert body["nodes"]["main"]["calls"] == 3


def test_stats_of_a_chosen_period(client, flow_id):
    body = client.get(
        f"/api/flows/{flow_id}/stats?since=2026-11-25T09:00:00Z&until=2026-11-25T10:00:00Z"
    ).get_json()
    assert body["calls"] == 1
    assert body["nodes"]["main"]["dropped"] == 1
    week = client.get(f"/api/flows/{flow_id}/stats?since=2026-11-18T10:00:00Z").get_json()
    assert week["calls"] == 3
    assert week["nodes"]["main"] == {"calls": 3, "visits": 3, "ended": 2, "dropped": 2}


def test_stats_errors_name_the_problem(client, flow_id):
    missing = client.get("/api/flows/nope/stats")
    assert missing.status_code == 404
    bad = client.get(f"/api/flows/{flow_id}/stats?since=yesterday")
    assert bad.status_code == 400
    assert "since" in bad.get_json()["error"]["message"]
    backwards = client.get(
        f"/api/flows/{flow_id}/stats?since=2026-11-25T10:00:00Z&until=2026-11-25T09:00:00Z"
    )
    assert backwards.status_code == 400
    assert "until" in backwards.get_json()["error"]["message"]
