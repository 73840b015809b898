"""Filling a server's call log with random callers (``fill_call_log``)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from designer.errors import BadRequest, Unprocessable
from designer.notebook import Designer, fill_call_log, frames
from designer.notebook.generate import OFFICE_HOURS, at_hour, caller_number
from tests.notebooks.conftest import TINY_FLOW


@pytest.fixture
def client(server):
    with Designer(server.url) as d:
        yield d


def _published(client: Designer, number: str) -> str:
    flow_id = client.create_flow(TINY_FLOW)
    client.publish(flow_id)
    client.bind(number, flow_id)
    return flow_id


def test_calls_run_in_process_against_the_servers_database(server, client):
    flow_id = _published(client, "+46850000201")
    report = fill_call_log(server.url, flow_id, calls=40, seed=3,
                           database_url=server.database_url)  # fmt: skip
    assert report.calls == 40 and report.ok, report.render()
    table = client.calls(flow=flow_id)  # the server serves what was stored
    assert len(table) == 40
    assert (table["state"] == "ended").all() and table["simulated"].all()
    assert table["path"].map(lambda p: p[:3] == ["start", "welcome", "main"]).all()
    assert table["outcome"].notna().all()
    # spread over the simulated week, at office-hours-shaped times
    assert table["started"].min() >= datetime(2026, 1, 5, tzinfo=UTC)
    assert table["started"].max() < datetime(2026, 1, 12, tzinfo=UTC)
    assert table["started"].dt.day.nunique() > 3
    assert table["cli"].nunique() > 10
    assert sum(table["path"].map(len)) == sum(report.node_hits.values())


def test_the_same_seed_places_the_same_calls(server, client):
    first = _published(client, "+46850000202")
    second = _published(client, "+46850000203")
    for flow_id in (first, second):
        fill_call_log(server.url, flow_id, calls=15, seed=11, database_url=server.database_url)

    def log(flow_id: str) -> list[tuple]:
        table = frames.calls(server.database_url, flow=flow_id).sort_values("started")
        return list(zip(table["started"], table["cli"], table["path"].map(tuple),
                        table["outcome"], strict=True))  # fmt: skip

    assert log(first) == log(second)


def test_calls_can_go_over_http(server, client, monkeypatch):
    monkeypatch.delenv("DESIGNER_DATABASE_URL", raising=False)
    flow_id = _published(client, "+46850000204")
    report = fill_call_log(server.url, flow_id, calls=4, seed=1)
    assert report.ok, report.render()
    assert len(client.calls(flow=flow_id)) == 4


def test_the_database_url_may_come_from_the_environment(server, client, monkeypatch):
    monkeypatch.setenv("DESIGNER_DATABASE_URL", server.database_url)
    flow_id = _published(client, "+46850000205")
    fill_call_log(server.url, flow_id, calls=3, seed=2)
    started = client.calls(flow=flow_id)["started"]
    assert (started < datetime(2026, 1, 12, tzinfo=UTC)).all()  # the simulated week: in-process


def test_what_is_missing_is_named(server, client, tmp_path):
    unbound = client.create_flow(TINY_FLOW)
    with pytest.raises(Unprocessable, match="no number is bound"):
        fill_call_log(server.url, unbound, calls=1, database_url=server.database_url)
    client.publish(unbound)
    with pytest.raises(Unprocessable, match="not bound"):
        fill_call_log(server.url, unbound, calls=1, number="+46850000299")
    client.bind("+46850000206", unbound)
    from designer.storage.migrate import upgrade

    other = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(other)
    with pytest.raises(BadRequest, match="not the database of the server"):
        fill_call_log(server.url, unbound, calls=1, database_url=other)
    with pytest.raises(BadRequest, match="positive integer"):
        fill_call_log(server.url, unbound, calls=0)
    with pytest.raises(BadRequest, match="24 non-negative weights"):
        fill_call_log(server.url, unbound, calls=1, profile=[1.0] * 23)
    with pytest.raises(BadRequest, match="id of a stored flow"):
        fill_call_log(server.url, None)


def test_times_and_callers_follow_the_profile():
    rng = random.Random(5)
    moment = datetime(2026, 1, 7, 3, 15, tzinfo=UTC)
    hours = [at_hour(moment, rng, OFFICE_HOURS).hour for _ in range(2000)]
    daytime = sum(8 <= h < 18 for h in hours) / len(hours)
    assert daytime > 0.7  # the profile puts about 80 % of calls in office hours
    assert at_hour(moment, rng, None) == moment
    assert caller_number(rng).startswith("+46701")
