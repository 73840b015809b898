"""``GET /api/events``: pages of the call log, each call with its trace events.

It must select exactly what ``GET /api/calls`` selects for the same query
(filters, order, paging, total) and give each call the events ``GET
/api/calls/<callid>`` gives it, on every backend.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from designer.repository import CallEvent
from tests.web.test_api_calls import seeded  # noqa: F401  (fixture)


@pytest.fixture
def traced(seeded, now):  # noqa: F811
    """The six calls of ``seeded``; c1 and c4 have events, written interleaved."""
    for i in range(3):
        at = now + timedelta(minutes=4, seconds=i)
        seeded.append_events("c4", [CallEvent("c4", 0, at, "node", f"n{i}", {"i": i})])
    return seeded


def _without_events(item: dict) -> dict:
    return {k: v for k, v in item.items() if k != "events"}


def test_a_page_is_the_call_log_page_with_each_calls_events(client, traced):
    body = client.get("/api/events").get_json()
    calls = client.get("/api/calls").get_json()
    assert [_without_events(i) for i in body["items"]] == calls["items"]
    assert {k: body[k] for k in ("total", "limit", "offset")} == (
        {k: calls[k] for k in ("total", "limit", "offset")}
    )
    for item in body["items"]:
        assert item["events"] == client.get(f"/api/calls/{item['callid']}").get_json()["events"]
    by_call = {i["callid"]: i["events"] for i in body["items"]}
    assert [e["seq"] for e in by_call["c4"]] == [1, 2, 3]
    assert [e["node"] for e in by_call["c4"]] == ["n0", "n1", "n2"]
    assert by_call["c1"][0] == {
        "callid": "c1",
        "seq": 1,
        "ts": "2026-11-25T10:00:00Z",
        "kind": "callback",
        "node": None,
        "data": {"event": "ice"},
        "flow": "flow-b",
    }
    assert by_call["c0"] == [] and by_call["c5"] == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("flow=flow-a", ["c4", "c2", "c0"]),
        ("flow=flow-b", ["c5", "c3", "c1"]),
        ("number=%2B46700000002", ["c5", "c4", "c3"]),
        ("result=connected", ["c4"]),
        ("simulated=true", ["c5"]),
        ("simulated=false&flow=flow-b", ["c3", "c1"]),
        ("since=2026-11-25T10:02:00Z", ["c5", "c4", "c3", "c2"]),
        ("since=2026-11-25T11:01:00%2B01:00&until=2026-11-25T10:03:00", ["c2", "c1"]),
        ("flow=nope", []),
    ],
)
def test_filters_select_what_the_call_log_selects(client, traced, query, expected):
    response = client.get(f"/api/events?{query}")
    assert response.status_code == 200
    body = response.get_json()
    assert [i["callid"] for i in body["items"]] == expected
    assert body["total"] == len(expected)
    calls = client.get(f"/api/calls?{query}").get_json()
    assert [_without_events(i) for i in body["items"]] == calls["items"]


def test_paging(client, traced):
    page = client.get("/api/events?limit=2&offset=2").get_json()
    assert [i["callid"] for i in page["items"]] == ["c3", "c2"]
    assert (page["total"], page["limit"], page["offset"]) == (6, 2, 2)
    pages = [client.get(f"/api/events?limit=4&offset={offset}").get_json() for offset in (0, 4)]
    assert [i["callid"] for p in pages for i in p["items"]] == ["c5", "c4", "c3", "c2", "c1", "c0"]
    assert [len(i["events"]) for p in pages for i in p["items"]] == [0, 3, 0, 0, 4, 0]
    past_end = client.get("/api/events?limit=2&offset=10").get_json()
    assert past_end["items"] == [] and past_end["total"] == 6
    assert client.get("/api/events?limit=500").status_code == 200


def test_the_spec_describes_the_page(client):
    spec = client.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/events"]["get"]
    names = [p["name"] for p in operation["parameters"]]
    assert names == ["flow", "number", "result", "since", "until", "simulated", "limit", "offset"]
    limit = next(p for p in operation["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 500
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert page["properties"]["items"]["items"] == {"$ref": "#/components/schemas/CallEvents"}
    item = spec["components"]["schemas"]["CallEvents"]
    assert item["allOf"][0] == {"$ref": "#/components/schemas/CallSummary"}
    assert item["allOf"][1]["properties"]["events"]["items"] == {
        "$ref": "#/components/schemas/CallEvent"
    }
