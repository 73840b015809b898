"""The call log over HTTP: filters, paging and one call with its events.

Calls are seeded through the app's own repository, as the callback handler
would store them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from designer.repository import CallEvent, CallRecord


@pytest.fixture
def seeded(app, now):
    """Six calls, one minute apart (c0 oldest): two flows, two numbers, mixed results."""
    repo = app.extensions["designer"].repo
    for i in range(6):
        started = now + timedelta(minutes=i)
        repo.create_call(
            CallRecord(
                callid=f"c{i}",
                flow_id="flow-a" if i % 2 == 0 else "flow-b",
                version=1,
                started_at=started,
                to="+46700000001" if i < 3 else "+46700000002",
                cli="+15550000000",
                state="ended",
                ended_at=started + timedelta(seconds=30),
                result="hangup" if i != 4 else "connected",
                duration=30,
                simulated=i == 5,
            )
        )
    repo.append_events(
        "c1",
        [
            CallEvent(callid="c1", seq=0, ts=now, kind=kind, node=node, data=data)
            for kind, node, data in [
                ("callback", None, {"event": "ice"}),
                ("node", "start", {}),
                ("node", "welcome", {}),
                ("svaml", None, {"action": {"name": "hangup"}}),
            ]
        ],
    )
    return repo


def _ids(response) -> list[str]:
    return [c["callid"] for c in response.get_json()["items"]]


def test_list_newest_first_with_total(client, seeded):
    body = client.get("/api/calls").get_json()
    assert [c["callid"] for c in body["items"]] == ["c5", "c4", "c3", "c2", "c1", "c0"]
    assert (body["total"], body["limit"], body["offset"]) == (6, 50, 0)
    first = body["items"][-1]
    assert first == {
        "callid": "c0",
        "flow": "flow-a",
        "version": 1,
        "application": None,
        "state": "ended",
        "currentNode": None,
        "cli": "+15550000000",
        "to": "+46700000001",
        "startedAt": "2026-11-25T10:00:00Z",
        "endedAt": "2026-11-25T10:00:30Z",
        "result": "hangup",
        "reason": None,
        "duration": 30,
        "simulated": False,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("flow=flow-a", ["c4", "c2", "c0"]),
        ("number=%2B46700000002", ["c5", "c4", "c3"]),
        ("result=connected", ["c4"]),
        ("simulated=true", ["c5"]),
        ("simulated=false&flow=flow-b", ["c3", "c1"]),
        ("since=2026-11-25T10:02:00Z", ["c5", "c4", "c3", "c2"]),
        ("until=2026-11-25T10:02:00Z", ["c1", "c0"]),
        ("since=2026-11-25T11:01:00%2B01:00&until=2026-11-25T10:03:00", ["c2", "c1"]),
        ("flow=nope", []),
    ],
)
def test_filters(client, seeded, query, expected):
    response = client.get(f"/api/calls?{query}")
    assert response.status_code == 200
    assert _ids(response) == expected
    assert response.get_json()["total"] == len(expected)


def test_paging(client, seeded):
    page = client.get("/api/calls?limit=2&offset=2").get_json()
    assert [c["callid"] for c in page["items"]] == ["c3", "c2"]
    assert (page["total"], page["limit"], page["offset"]) == (6, 2, 2)
    past_end = client.get("/api/calls?limit=2&offset=10").get_json()
    assert past_end["items"] == [] and past_end["total"] == 6
    assert client.get("/api/calls?limit=500").status_code == 200


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("limit=501", "limit"),
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("since=yesterday", "since"),
        ("until=2026-13-01", "until"),
        ("simulated=maybe", "simulated"),
    ],
)
@pytest.mark.parametrize("path", ["/api/calls", "/api/events"])  # the same filters and paging
def test_bad_query_parameters_are_400_naming_them(client, seeded, path, query, param):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert param in error["message"]
    assert error["details"][0]["path"] == param


def test_one_call_with_events_in_order(client, seeded):
    response = client.get("/api/calls/c1")
    assert response.status_code == 200
    call = response.get_json()
    assert call["callid"] == "c1" and call["context"] == {}
    assert [e["seq"] for e in call["events"]] == [1, 2, 3, 4]
    assert [e["node"] for e in call["events"]] == [None, "start", "welcome", None]
    assert call["events"][0] == {
        "callid": "c1",
        "seq": 1,
        "ts": "2026-11-25T10:00:00Z",
        "kind": "callback",
        "node": None,
        "data": {"event": "ice"},
        "flow": "flow-b",
    }
    assert client.get("/api/calls/c0").get_json()["events"] == []
    assert client.get("/api/calls/nope").status_code == 404
