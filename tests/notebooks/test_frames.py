"""The call log as DataFrames straight from storage: memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

import designer
from designer.errors import BadRequest, NotMigrated
from designer.notebook import analysis, frames
from designer.repository import CallEvent, CallRecord
from designer.storage import MemoryRepository, open_repository
from tests.notebooks.conftest import TINY_CALLS, TINY_FLOW, tiny_trace
from tests.storage.conftest import (  # noqa: F401  (fixtures)
    pg_admin_url,
    pg_database,
    pg_url,
    sqlite_template,
    sqlite_url,
)

NOW = datetime(2026, 1, 6, tzinfo=UTC)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def fill(repo: Any) -> str:
    """Store the hand-made call log; returns the flow id."""
    flow = repo.create_flow(TINY_FLOW, NOW)
    repo.publish(flow.id, "v1", "tests", NOW)
    for callid, (started, outcome, duration, _) in TINY_CALLS.items():
        at = _time(started)
        repo.create_call(CallRecord(
            callid=callid, flow_id=flow.id, version=1, started_at=at, state="ended",
            cli="+46701000001", to="+46850000000", ended_at=at, result=outcome,
            duration=duration, simulated=True,
        ))  # fmt: skip
        repo.append_events(callid, [
            CallEvent(callid=callid, seq=0, ts=at, kind=e["kind"], node=e["node"], data=e["data"])
            for e in tiny_trace(callid)
        ])  # fmt: skip
    return flow.id


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stored(request: pytest.FixtureRequest) -> Iterator[tuple[Any, str]]:
    """(source, flow id): a repository object, or a database URL the frames open themselves."""
    if request.param == "memory":
        repo = MemoryRepository()
        yield repo, fill(repo)
        return
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    repo = open_repository(url)
    try:
        flow_id = fill(repo)
        yield url, flow_id
    finally:
        from designer.storage.models import Base

        if request.param == "postgres":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            with repo.engine.begin() as conn:
                conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        repo.close()


def test_calls_from_storage_have_one_row_per_call_with_its_path(stored):
    source, flow_id = stored
    table = frames.calls(source)
    assert list(table.columns) == frames.CALL_COLUMNS
    assert len(table) == len(TINY_CALLS)
    assert table["callid"].tolist()[:2] == ["c7", "c8"]  # newest first
    row = table.set_index("callid").loc["c4"]
    assert row["path"] == ["start", "welcome", "main", "sorry", "main", "pin", "agent"]
    assert (row["flow"], row["version"], row["number"], row["outcome"], row["duration"]) == (
        flow_id, 1, "+46850000000", "connected", 200)  # fmt: skip
    assert row["started"] == _time("2026-01-05T10:30:00Z")
    assert str(table["started"].dt.tz) == "UTC"


def test_calls_filters_and_limit(stored):
    source, flow_id = stored
    assert sorted(frames.calls(source, result="callerhangup")["callid"]) == ["c3", "c5"]
    assert len(frames.calls(source, flow=flow_id)) == 8
    assert frames.calls(source, flow="no-such-flow").empty
    window = frames.calls(source, since="2026-01-05T10:00:00Z", until=datetime(2026, 1, 5, 14, 20))
    assert sorted(window["callid"]) == ["c3", "c4", "c5"]  # since inclusive, until exclusive
    assert frames.calls(source, limit=3)["callid"].tolist() == ["c7", "c8", "c6"]
    assert frames.calls(source, paths=False)["path"].map(len).sum() == 0


def test_analysis_of_stored_calls_matches_the_hand_made_log(stored, tiny_calls, tiny_events):
    source, flow_id = stored
    calls = frames.calls(source, flow=flow_id)
    events = frames.events(source, flow=flow_id)
    assert (
        analysis.funnel(calls, TINY_FLOW)["calls"].to_dict()
        == analysis.funnel(tiny_calls, TINY_FLOW)["calls"].to_dict()
    )
    assert analysis.dropoff(calls).to_dict() == analysis.dropoff(tiny_calls).to_dict()
    assert analysis.menu_choices(events).to_dict() == analysis.menu_choices(tiny_events).to_dict()


def test_events_of_one_call_or_of_a_flow(stored):
    source, flow_id = stored
    one = frames.events(source, callid="c4")
    assert one["seq"].tolist() == list(range(1, len(tiny_trace("c4")) + 1))
    assert one["kind"].tolist()[:3] == ["callback", "node", "node"]
    first_input = one[one["kind"] == "input"].iloc[0]
    assert (first_input["node"], first_input["type"], first_input["port"],
            first_input["value"]) == ("main", "return", "invalid", "7")  # fmt: skip
    everything = frames.events(source, flow=flow_id)
    assert len(everything) == sum(len(tiny_trace(c)) for c in TINY_CALLS)
    assert everything["callid"].iloc[0] == "c1"  # oldest call first
    assert list(everything.columns) == frames.EVENT_COLUMNS


def test_designer_calls_is_the_top_level_shortcut(sqlite_url):  # noqa: F811
    repo = open_repository(sqlite_url)
    try:
        fill(repo)
    finally:
        repo.close()
    table = designer.calls(sqlite_url)
    assert len(table) == 8
    assert len(designer.events(sqlite_url, callid="c1")) == len(tiny_trace("c1"))


def test_bad_sources_are_named(tmp_path):
    with pytest.raises(BadRequest, match="call log source"):
        frames.calls(42)
    with pytest.raises(NotMigrated):
        frames.calls(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(BadRequest, match="since"):
        frames.calls(MemoryRepository(), since="yesterday")
    with pytest.raises(BadRequest, match="limit"):
        frames.calls(MemoryRepository(), limit=-1)
