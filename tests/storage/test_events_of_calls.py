"""``list_events_of_calls``: many calls' trace events in a few queries, on every backend.

The answer must be what asking ``list_events`` call by call gives, whatever
the order the events were written in, however the ids fall into chunks, and
with unknown or repeated ids among them; on SQL it must take one query per
chunk of ids, never one per call.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from designer.errors import BadRequest
from designer.repository import CallEvent, CallRecord, Repository
from designer.storage import SqlRepository, sql


def make_calls(repo: Repository, now: datetime, count: int) -> list[str]:
    """``count`` calls started a second apart; call i has i % 4 events (some have none).

    Events are appended round-robin across the calls, so rows of one call are
    not stored next to each other.
    """
    ids = [f"call-{i:03d}" for i in range(count)]
    for i, callid in enumerate(ids):
        repo.create_call(CallRecord(callid, f"flow-{i % 2}", 1, now + timedelta(seconds=i)))
    for round_ in range(3):
        for i, callid in enumerate(ids):
            if round_ < i % 4:
                at = now + timedelta(seconds=i, milliseconds=round_)
                data = {"round": round_, "call": i}
                repo.append_events(callid, [CallEvent(callid, 0, at, "node", f"n{round_}", data)])
    return ids


def one_by_one(repo: Repository, callids: list[str]) -> dict[str, list[CallEvent]]:
    return {callid: repo.list_events(callid) for callid in callids}


@pytest.fixture
def event_queries(repo: Repository) -> Iterator[list[str]]:
    """The SELECTs on call_events the repository sends (none are seen on the memory one).

    Clear it before the call whose queries are counted: setting up sends some too.
    """
    seen: list[str] = []
    if not isinstance(repo, SqlRepository):
        yield seen
        return

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "call_events" in statement:
            seen.append(statement)

    event.listen(repo.engine, "before_cursor_execute", record)
    yield seen
    event.remove(repo.engine, "before_cursor_execute", record)


def test_each_calls_events_in_seq_order_as_list_events_gives_them(
    repo: Repository, now: datetime
) -> None:
    ids = make_calls(repo, now, 8)
    found = repo.list_events_of_calls(ids)
    assert found == one_by_one(repo, ids)
    assert list(found) == ids
    assert [len(found[c]) for c in ids] == [0, 1, 2, 3, 0, 1, 2, 3]
    assert [e.seq for e in found["call-003"]] == [1, 2, 3]
    assert [e.node for e in found["call-003"]] == ["n0", "n1", "n2"]
    assert {e.flow_id for e in found["call-003"]} == {"flow-1"}
    assert found["call-003"][2].data == {"round": 2, "call": 3}
    assert found["call-003"][1].ts == now + timedelta(seconds=3, milliseconds=1)


def test_keys_follow_the_order_asked_once_each(repo: Repository, now: datetime) -> None:
    make_calls(repo, now, 4)
    found = repo.list_events_of_calls(["call-003", "call-001", "call-003", "call-002"])
    assert list(found) == ["call-003", "call-001", "call-002"]
    assert found == one_by_one(repo, list(found))


def test_unknown_calls_and_calls_without_events_get_empty_lists(
    repo: Repository, now: datetime
) -> None:
    make_calls(repo, now, 3)
    found = repo.list_events_of_calls(["ghost", "call-000", "call-002", ""])
    assert found["ghost"] == [] and found[""] == []
    assert found["call-000"] == []
    assert [e.seq for e in found["call-002"]] == [1, 2]
    assert repo.list_events_of_calls([]) == {}


def test_chunks_of_ids_give_the_same_answer(
    repo: Repository, now: datetime, monkeypatch: pytest.MonkeyPatch, event_queries: list[str]
) -> None:
    monkeypatch.setattr(sql, "CALLS_PER_EVENT_QUERY", 3)
    ids = make_calls(repo, now, 8)
    # 10 distinct ids: chunks of 3, 3, 3 and 1; a repeat and unknown ids across the boundaries
    asked = [*ids[:2], "ghost-1", ids[2], ids[0], *ids[3:], "ghost-2"]
    event_queries.clear()
    found = repo.list_events_of_calls(asked)
    queries = len(event_queries)
    assert list(found) == [*ids[:2], "ghost-1", *ids[2:], "ghost-2"]
    assert {c: found[c] for c in ids} == one_by_one(repo, ids)
    assert found["ghost-1"] == found["ghost-2"] == []
    if isinstance(repo, SqlRepository):
        assert queries == 4


def test_one_query_for_a_chunk_not_one_per_call(
    repo: Repository, now: datetime, event_queries: list[str]
) -> None:
    ids = make_calls(repo, now, 12)
    assert sql.CALLS_PER_EVENT_QUERY >= 12
    event_queries.clear()
    found = repo.list_events_of_calls(ids)
    assert sum(len(events) for events in found.values()) == 18
    if isinstance(repo, SqlRepository):
        assert len(event_queries) == 1


@pytest.mark.parametrize(
    ("callids", "message"),
    [
        ("call-001", "must be a list of strings, not str"),
        (None, "must be a list of strings, not NoneType"),
        ({"call-001"}, "must be a list of strings, not set"),
        (["call-001", 7], "a call id must be a string, not 7"),
    ],
)
def test_what_cannot_name_calls_is_refused(
    repo: Repository, now: datetime, callids: object, message: str
) -> None:
    make_calls(repo, now, 2)
    with pytest.raises(BadRequest, match=message):
        repo.list_events_of_calls(callids)  # type: ignore[arg-type]
