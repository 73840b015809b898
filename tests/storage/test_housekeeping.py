"""Housekeeping in the repository: ending calls whose DiCE never came, pruning old answers.

Run against every implementation (see conftest ``repo``).  What the call log
relies on: a quiet active call is ended when it was last heard of, with a
trace event numbered after its last one; everything else is left alone; a
callback step worked out before the sweep is refused as stale, and a DiCE
that comes late (or at the same moment, through the engine) is recorded
after the sweep with its reason and duration, never a duplicate seq.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from designer.engine import Engine
from designer.errors import BadRequest, StaleCall
from designer.housekeeping import housekeep
from designer.repository import (
    LOST_RESULT,
    NO_DICE_REASON,
    SWEPT_EVENT,
    CallEvent,
    CallRecord,
    Repository,
)
from designer.storage import open_repository, stale
from tests.storage.test_callback_steps import call, step
from tests.storage.test_repository_concurrency import run_together

IDLE = timedelta(hours=6)


def started(repo: Repository, callid: str, at: datetime, *, heard: datetime | None = None) -> None:
    """A call answered at ``at`` (3 events) and, with ``heard``, once more then (2 events)."""
    repo.record_step(step(callid, "ice:1", at, create=True, record=call(callid, at)))
    if heard is not None:
        repo.record_step(
            step(callid, "pie:2", heard, after=3, record=call(callid, at, current_node="menu"),
                 kinds=("callback", "svaml"))
        )  # fmt: skip


def dice(callid: str, stamp: datetime) -> dict:
    return {"event": "dice", "callid": callid, "timestamp": stamp.isoformat(),
            "reason": "CALLERHANGUP", "result": "ANSWERED", "duration": 61}  # fmt: skip


def test_a_quiet_call_is_ended_when_it_was_last_heard_of(repo: Repository, now: datetime) -> None:
    began = now - timedelta(hours=9)
    heard = began + timedelta(minutes=2)
    started(repo, "c1", began, heard=heard)

    swept = repo.sweep_stale_calls(now - IDLE, now)

    assert [(e.callid, e.seq, e.ts, e.kind, e.node, e.flow_id) for e in swept] == [
        ("c1", 6, now, SWEPT_EVENT, None, "f1")]  # fmt: skip
    assert swept[0].data == {"reason": NO_DICE_REASON, "result": LOST_RESULT,
                             "lastActivity": heard.isoformat().replace("+00:00", "Z")}  # fmt: skip
    record = repo.get_call("c1")
    assert (record.state, record.result, record.reason) == ("ended", LOST_RESULT, NO_DICE_REASON)
    assert record.ended_at == heard and record.duration is None
    assert record.context["waiting"] is None and record.context["waitingFor"] is None
    assert record.context["vars"] == {}  # what the flow kept is kept
    assert record.current_node == "menu" and record.started_at == began
    events = repo.list_events("c1")
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
    assert events[-1].to_dict() == swept[0].to_dict()
    assert repo.load_callback("c1", "dice:3").last_seq == 6


def test_a_call_without_events_counts_from_its_start(repo: Repository, now: datetime) -> None:
    began = now - timedelta(days=3)
    repo.create_call(CallRecord("bare", None, None, began))
    swept = repo.sweep_stale_calls(now - IDLE, now)
    assert [(e.callid, e.seq, e.flow_id) for e in swept] == [("bare", 1, None)]
    assert repo.get_call("bare").ended_at == began
    assert [e.kind for e in repo.list_events("bare")] == [SWEPT_EVENT]


def test_only_calls_active_and_quiet_for_long_enough_are_ended(
    repo: Repository, now: datetime
) -> None:
    long_ago = now - timedelta(hours=10)
    started(repo, "quiet", long_ago)
    started(repo, "just-quiet", now - IDLE - timedelta(seconds=1))
    started(repo, "not-quite", now - IDLE)  # exactly at the limit: not older than it
    started(repo, "long-but-lively", long_ago, heard=now - timedelta(minutes=5))
    started(repo, "recent", now - timedelta(minutes=1))
    started(repo, "hung-up", long_ago)
    hung_up = call("hung-up", long_ago, state="ended", result="hangup")
    repo.record_step(step("hung-up", "dice:2", long_ago, after=3, record=hung_up))
    repo.create_call(CallRecord("pending", None, None, long_ago, state="pending"))
    repo.create_call(CallRecord("failed", None, None, long_ago, result="error"))

    swept = repo.sweep_stale_calls(now - IDLE, now)

    assert [e.callid for e in swept] == ["failed", "quiet", "just-quiet"]  # oldest first
    assert repo.get_call("failed").result == "error"  # a result the flow set is kept
    for callid in ("not-quite", "long-but-lively", "recent", "pending"):
        assert repo.get_call(callid).state in ("active", "pending"), callid
        assert SWEPT_EVENT not in [e.kind for e in repo.list_events(callid)]
    assert repo.get_call("hung-up").result == "hangup"
    assert repo.sweep_stale_calls(now - IDLE, now) == []  # once ended, never again


def test_a_dry_run_says_what_would_be_ended_and_writes_nothing(
    repo: Repository, now: datetime
) -> None:
    started(repo, "c1", now - timedelta(hours=7))
    planned = repo.sweep_stale_calls(now - IDLE, now, dry_run=True)
    assert [(e.callid, e.seq, e.kind) for e in planned] == [("c1", 4, SWEPT_EVENT)]
    assert repo.get_call("c1").state == "active"
    assert len(repo.list_events("c1")) == 3
    done = repo.sweep_stale_calls(now - IDLE, now)
    assert [e.to_dict() for e in done] == [e.to_dict() for e in planned]


def test_a_big_backlog_is_swept_batch_by_batch(
    repo: Repository, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of 3; lively calls among the quiet ones do not stop the sweep short."""
    monkeypatch.setattr(stale, "SWEEP_BATCH", 3)
    quiet = []
    for i in range(11):
        began = now - timedelta(hours=20) + timedelta(minutes=i)
        if i % 3 == 1:  # started as long ago, but heard of a moment ago
            started(repo, f"c{i:02}", began, heard=now - timedelta(seconds=30))
        else:
            started(repo, f"c{i:02}", began)
            quiet.append(f"c{i:02}")
    assert [e.callid for e in repo.sweep_stale_calls(now - IDLE, now, dry_run=True)] == quiet
    assert [e.callid for e in repo.sweep_stale_calls(now - IDLE, now)] == quiet
    assert {c for c in quiet if repo.get_call(c).state == "ended"} == set(quiet)
    assert all(repo.get_call(f"c{i:02}").state == "active" for i in (1, 4, 7, 10))


def test_a_step_worked_out_before_the_sweep_is_stale_and_a_late_dice_follows_it(
    repo: Repository, now: datetime
) -> None:
    began = now - timedelta(hours=8)
    started(repo, "c1", began)
    read = repo.load_callback("c1", "dice:2")  # a DiCE being answered as the sweep runs
    repo.sweep_stale_calls(now - IDLE, now)
    ended = call("c1", began, state="ended", reason="CALLERHANGUP", result="callerhangup")
    with pytest.raises(StaleCall):
        repo.record_step(step("c1", "dice:2", now, after=read.last_seq, record=ended,
                              kinds=("callback", "dice")))  # fmt: skip
    again = repo.load_callback("c1", "dice:2")
    assert again.call is not None and again.call.state == "ended" and again.last_seq == 4
    recorded = repo.record_step(step("c1", "dice:2", now, after=4, record=ended,
                                     kinds=("callback", "dice")))  # fmt: skip
    assert [e.seq for e in recorded.events] == [5, 6]
    assert [e.kind for e in repo.list_events("c1")][3:] == [SWEPT_EVENT, "callback", "dice"]


def test_events_appended_after_the_sweep_continue_its_seq(repo: Repository, now: datetime) -> None:
    started(repo, "c1", now - timedelta(hours=8))
    repo.sweep_stale_calls(now - IDLE, now)
    stored = repo.append_events("c1", [CallEvent("c1", 0, now, "callback", data={"late": True})])
    assert [e.seq for e in stored] == [5]


def test_a_late_dice_records_its_reason_and_duration_after_the_sweep(
    repo: Repository, now: datetime
) -> None:
    began = now - timedelta(hours=8)
    started(repo, "c1", began)
    repo.sweep_stale_calls(now - IDLE, now)
    hung_up = began + timedelta(seconds=61)
    outcome = Engine(repo).handle(dice("c1", hung_up), now)
    assert outcome.error is None and not outcome.replayed
    record = repo.get_call("c1")
    assert (record.state, record.reason, record.duration) == ("ended", "CALLERHANGUP", 61)
    assert record.ended_at == hung_up  # the platform's own end time, now that it is known
    assert record.result == "callerhangup"  # the real outcome replaces "lost"
    assert record.context["dice"]["reason"] == "CALLERHANGUP"
    events = repo.list_events("c1")
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [e.kind for e in events][3:] == [SWEPT_EVENT, "callback", "dice"]


def test_a_dice_racing_the_sweep_is_recorded_either_way(repo: Repository, now: datetime) -> None:
    """Whichever commits first, the DiCE's reason and duration end up on the call, seq unbroken."""
    engine = Engine(repo)
    began = now - timedelta(hours=8)
    for i in range(8):
        callid = f"race{i}"
        started(repo, callid, began)
        results = run_together([
            lambda: repo.sweep_stale_calls(now - IDLE, now),
            lambda c=callid: engine.handle(dice(c, began + timedelta(seconds=61)), now),  # type: ignore[misc]
        ])  # fmt: skip
        assert not [r for r in results if isinstance(r, Exception)], results
        assert results[1].error is None, results[1]
        record = repo.get_call(callid)
        assert (record.state, record.reason, record.duration) == ("ended", "CALLERHANGUP", 61)
        events = repo.list_events(callid)
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        kinds = [e.kind for e in events][3:]
        assert kinds in (["callback", "dice"], [SWEPT_EVENT, "callback", "dice"]), kinds
        assert kinds.count("dice") == 1
    assert repo.sweep_stale_calls(now - IDLE, now) == []


def test_sweeps_running_at_once_end_each_call_once(repo: Repository, now: datetime) -> None:
    callids = [f"c{i}" for i in range(12)]
    for callid in callids:
        started(repo, callid, now - timedelta(hours=7))
    results = run_together([lambda: repo.sweep_stale_calls(now - IDLE, now) for _ in range(4)])
    assert not [r for r in results if isinstance(r, Exception)], results
    swept = sorted(e.callid for r in results for e in r)
    assert swept == sorted(callids)  # each by exactly one of the sweeps
    for callid in callids:
        assert [e.kind for e in repo.list_events(callid)].count(SWEPT_EVENT) == 1


@pytest.mark.postgres
def test_a_call_a_callback_is_writing_is_skipped_not_waited_for(pg_url: str, now: datetime) -> None:
    """PostgreSQL: the sweep passes over a row locked by a callback in flight, and gets it later."""
    repo = open_repository(pg_url, statement_timeout_ms=5000)  # waiting would fail, not hang
    callid = f"locked-{secrets.token_hex(4)}"
    try:
        started(repo, callid, now - timedelta(hours=8))
        with repo.engine.connect() as conn:  # another worker's callback, mid-transaction
            conn.exec_driver_sql("SELECT 1 FROM calls WHERE callid = %(c)s FOR UPDATE",
                                 {"c": callid})  # fmt: skip
            assert callid not in [e.callid for e in repo.sweep_stale_calls(now - IDLE, now)]
            conn.rollback()
        assert repo.get_call(callid).state == "active"
        assert callid in [e.callid for e in repo.sweep_stale_calls(now - IDLE, now)]
        assert repo.get_call(callid).state == "ended"
    finally:
        repo.close()  # type: ignore[attr-defined]


def test_times_must_be_datetimes(repo: Repository, now: datetime) -> None:
    with pytest.raises(BadRequest, match="expected a datetime"):
        repo.sweep_stale_calls("yesterday", now)  # type: ignore[arg-type]
    with pytest.raises(BadRequest, match="expected a datetime"):
        repo.prune_callback_responses(None)  # type: ignore[arg-type]


# --- callback answers ----------------------------------------------------------------
def test_old_callback_answers_are_pruned_and_recent_ones_kept(
    repo: Repository, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stale, "PRUNE_BATCH", 2)  # several batches, the last one short
    old, recent = now - timedelta(days=2), now - timedelta(hours=1)
    for i in range(3):
        repo.record_step(step(f"old{i}", "ice:1", old, create=True))
    repo.save_callback_response("old0", "notify:1", {"n": 1}, old)
    repo.save_callback_response("old9", "ice:1", {"n": 2}, old)  # no call needed
    repo.record_step(step("new", "ice:1", recent, create=True))
    repo.record_step(step("old0", "pie:2", recent, after=3))  # a new answer for an old call

    assert repo.prune_callback_responses(now - timedelta(days=1), dry_run=True) == 5
    assert repo.get_callback_response("old9", "ice:1") == {"n": 2}  # the dry run kept it
    assert repo.prune_callback_responses(now - timedelta(days=1)) == 5
    for callid, key in [("old0", "ice:1"), ("old1", "ice:1"), ("old2", "ice:1"),
                        ("old0", "notify:1"), ("old9", "ice:1")]:  # fmt: skip
        assert repo.get_callback_response(callid, key) is None, (callid, key)
    assert repo.get_callback_response("new", "ice:1") is not None
    assert repo.get_callback_response("old0", "pie:2") is not None
    assert repo.get_call("old0").state == "active"  # the calls and their events stay
    assert len(repo.list_events("old0")) == 6
    assert repo.prune_callback_responses(now - timedelta(days=1)) == 0


def test_pruning_at_once_removes_each_answer_once(
    repo: Repository, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stale, "PRUNE_BATCH", 3)
    old = now - timedelta(days=2)
    for i in range(20):
        repo.save_callback_response(f"c{i}", "ice:1", {"i": i}, old)
    results = run_together([lambda: repo.prune_callback_responses(now) for _ in range(3)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 20
    assert repo.prune_callback_responses(now, dry_run=True) == 0


def test_a_pass_reports_both(repo: Repository, now: datetime) -> None:
    started(repo, "c1", now - timedelta(days=2))
    done = housekeep(repo, now)
    assert [e.callid for e in done.swept] == ["c1"] and done.pruned == 1
    assert done.lines() == [
        "ended 1 stale call (no callback for over 6h): c1",
        "removed 1 callback answer older than 1d",
    ]
    again = housekeep(repo, now, dry_run=True)
    assert not again.changed
    assert again.lines() == [
        "no stale calls (no active call went 6h without a callback)",
        "no callback answers older than 1d",
    ]


def test_a_call_record_keeps_its_fields_through_the_sweep(repo: Repository, now: datetime) -> None:
    began = now - timedelta(hours=7)
    full = replace(call("c1", began), simulated=True, context={"vars": {"pin": "1"},
                   "waiting": "menu", "waitingFor": "pie", "route": "number"})  # fmt: skip
    repo.record_step(step("c1", "ice:1", began, create=True, record=full))
    repo.sweep_stale_calls(now - IDLE, now)
    record = repo.get_call("c1")
    assert replace(record, state="active", result=None, reason=None, ended_at=None) == replace(
        full, context={**full.context, "waiting": None, "waitingFor": None}
    )
