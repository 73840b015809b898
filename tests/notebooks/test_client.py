"""``Designer(url)`` against a real server: flows, publishing, the simulator, the call log."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from designer import examples
from designer.errors import BadRequest, Conflict, FlowInvalid, NotFound, ServerUnreachable
from designer.flow import Flow
from designer.notebook import Designer, frames
from tests.notebooks.conftest import TINY_FLOW


@pytest.fixture
def client(server):
    with Designer(server.url) as d:
        yield d


def test_flows_lists_the_loaded_examples(client):
    table = client.flows()
    assert list(table.columns) == frames.FLOW_COLUMNS
    names = set(table["name"])
    assert {examples.load(n).name for n in examples.names()} <= names
    published = table[table["name"] == "Acme support line"].iloc[0]
    assert published["latest_version"] >= 1
    assert published["nodes"] == len(examples.load("support_line").nodes)


def test_the_url_comes_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("DESIGNER_URL", server.url + "/")
    with Designer() as d:
        assert d.url == server.url
        assert not d.flows().empty


def test_a_flow_round_trips_and_publishes(client):
    flow = Flow.from_dict(TINY_FLOW)
    flow_id = client.create_flow(flow)
    assert client.flow(flow_id).to_dict() == flow.to_dict()
    assert client.validate(flow_id).ok
    assert client.publish(flow_id, "first") == 1
    versions = client.versions(flow_id)
    assert versions["number"].tolist() == [1]
    assert versions["comment"].tolist() == ["first"]
    assert client.flow(flow_id, version=1).name == "Tiny line"
    assert client.export(flow_id, "svaml")
    assert client.export(flow_id, "dot").startswith("digraph")
    client.bind("+46850000101", flow_id)
    assert any(b["number"] == "+46850000101" and b["flow"] == flow_id for b in client.numbers())


def test_an_invalid_draft_is_refused_with_its_findings(client):
    broken = {**TINY_FLOW, "edges": [e for e in TINY_FLOW["edges"] if e["from"] != "pin"]}
    report = client.validate(broken)
    assert not report.ok
    assert "dead-end" in report.codes()
    flow_id = client.create_flow(broken)
    with pytest.raises(FlowInvalid) as caught:
        client.publish(flow_id)
    findings = caught.value.details["findings"]
    assert any(f["code"] == "dead-end" and f["node"] == "pin" for f in findings)


def test_a_stale_save_is_a_conflict(client):
    flow_id = client.create_flow(TINY_FLOW)
    revision = client.save_flow(flow_id, TINY_FLOW, revision=1)
    assert revision == 2
    with pytest.raises(Conflict):
        client.save_flow(flow_id, TINY_FLOW, revision=1)


def test_errors_are_designer_errors(client):
    with pytest.raises(NotFound, match="nope"):
        client.flow("nope")
    with pytest.raises(BadRequest):
        client.create_flow({"format": "callflow/1", "nodes": "not a list"})
    with pytest.raises(BadRequest, match="http://host:port"):
        Designer("ftp://example.com")
    with (
        pytest.raises(ServerUnreachable, match=r"127\.0\.0\.1:1"),
        Designer("http://127.0.0.1:1") as d,
    ):
        d.flows()
    with pytest.raises(BadRequest, match="list of steps"):
        client.simulate("x", press="123")


def test_simulated_calls_show_up_in_the_call_log_with_their_paths(client, server):
    flow_id = client.create_flow(TINY_FLOW)
    sessions = [
        client.simulate(flow_id, press=["1"], callee="busy"),
        client.simulate(flow_id, press=["7", "2", "1234#"]),
        client.simulate(flow_id, press=["hangup"]),
    ]
    assert all(s["state"] == "ended" for s in sessions)
    table = client.calls(flow=flow_id)
    assert len(table) == 3
    paths = dict(zip(table["callid"], table["path"], strict=True))
    for session in sessions:
        assert paths[session["callid"]] == session["transcript"]["visited"]
    # the platform re-prompts on the wrong key itself; the engine sees only the "2"
    assert paths[sessions[1]["callid"]] == ["start", "welcome", "main", "pin", "agent"]
    assert table["simulated"].all()
    assert len(client.calls(flow=flow_id, limit=2)) == 2
    assert len(client.calls(flow=flow_id, since="2000-01-01", until=datetime(2100, 1, 1))) == 3
    assert client.calls(flow=flow_id, since="2100-01-01").empty
    with pytest.raises(BadRequest, match="since must be an ISO 8601 time"):
        client.calls(since="last tuesday")
    assert client.calls(flow=flow_id, result="no-such-result").empty

    # the same log read straight from the server's database, without the server
    direct = frames.calls(server.database_url, flow=flow_id)
    pd.testing.assert_frame_equal(
        table.sort_values("callid", ignore_index=True),
        direct.sort_values("callid", ignore_index=True),
    )
    events = client.events(flow=flow_id)
    assert set(events["callid"]) == set(table["callid"])
    one = client.events(sessions[0]["callid"])
    assert one["seq"].tolist() == list(range(1, len(one) + 1))


def test_an_interactive_simulated_call(client):
    flow_id = client.create_flow(TINY_FLOW)
    session = client.simulate(flow_id)
    assert session["state"] == "waiting-for-input"
    assert session["node"] == "main"
    session = client.press_keys(session["id"], "2")
    assert session["node"] == "pin"
    session = client.hang_up(session["id"])
    assert session["state"] == "ended"
    assert client.call(session["callid"])["result"] == "callerhangup"
