"""The callback hot path of the repository: ``load_callback``, ``record_step``, routing.

Run against every implementation (see conftest ``repo``).  What the engine
relies on: one read gives the call, an earlier answer and the latest seq;
one write stores answer, call and events all or nothing; the first answer
to a callback wins; a step worked out from a stale call is refused; and the
rows written this way read back through the ordinary methods unchanged.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from designer.errors import BadRequest, NotFound, StaleCall
from designer.repository import (
    AnsweredCallback,
    Application,
    CallEvent,
    CallRecord,
    NumberBinding,
    Repository,
)
from tests.storage.samples import flow_doc
from tests.storage.test_repository_concurrency import run_together

ANSWER = {"instructions": [{"name": "say", "text": "Hej då, é"}], "action": {"name": "hangup"}}


def call(callid: str, now: datetime, **changes: object) -> CallRecord:
    record = CallRecord(
        callid=callid, flow_id="f1", version=1, started_at=now, application_key="app",
        cli="+46701234567", to="+46850000000",
        context={"vars": {}, "waiting": "main", "waitingFor": "pie"},
    )  # fmt: skip
    return replace(record, **changes)  # type: ignore[arg-type]


def events(callid: str, now: datetime, *kinds: str) -> list[CallEvent]:
    return [CallEvent(callid, 0, now, kind, node="main", data={"i": i, "kind": kind})
            for i, kind in enumerate(kinds)]  # fmt: skip


def step(callid: str, key: str, now: datetime, *, after: int = 0, create: bool = False,
         answer: dict | None = None, record: CallRecord | None = None,
         kinds: tuple[str, ...] = ("callback", "node", "svaml")) -> AnsweredCallback:  # fmt: skip
    return AnsweredCallback(
        callid=callid, key=key, response=answer or ANSWER,
        call=record or call(callid, now), events=events(callid, now, *kinds),
        after_seq=after, create=create, now=now,
    )  # fmt: skip


def test_an_unknown_call_reads_as_nothing(repo: Repository) -> None:
    state = repo.load_callback("nobody", "ice:1")
    assert (state.call, state.answer, state.last_seq) == (None, None, 0)


def test_a_step_stores_answer_call_and_numbered_events(repo: Repository, now: datetime) -> None:
    recorded = repo.record_step(step("c1", "ice:1", now, create=True))
    assert not recorded.replayed and recorded.response == ANSWER
    assert [(e.seq, e.kind, e.flow_id) for e in recorded.events] == [
        (1, "callback", "f1"), (2, "node", "f1"), (3, "svaml", "f1")]  # fmt: skip
    # read back through the ordinary methods, exactly as written
    assert repo.get_call("c1") == call("c1", now)
    assert [e.to_dict() for e in repo.list_events("c1")] == [e.to_dict() for e in recorded.events]
    assert repo.get_callback_response("c1", "ice:1") == ANSWER
    state = repo.load_callback("c1", "ice:1")
    assert state.call == call("c1", now) and state.answer == ANSWER and state.last_seq == 3
    assert repo.load_callback("c1", "pie:2").answer is None


def test_the_next_step_updates_the_call_and_continues_the_seq(
    repo: Repository, now: datetime
) -> None:
    repo.record_step(step("c1", "ice:1", now, create=True))
    later = now + timedelta(seconds=61)
    ended = call("c1", now, state="ended", result="callerhangup", reason="CALLERHANGUP",
                 ended_at=later, duration=61, current_node="main", simulated=True,
                 context={"vars": {"pin": "1234"}, "dice": {"reason": "CALLERHANGUP"}})  # fmt: skip
    recorded = repo.record_step(
        step("c1", "dice:2", later, after=3, record=ended, kinds=("callback", "dice"))
    )
    assert [e.seq for e in recorded.events] == [4, 5]
    assert repo.get_call("c1") == ended
    assert [e.seq for e in repo.list_events("c1")] == [1, 2, 3, 4, 5]
    assert repo.list_events("c1")[-1].ts == later
    assert repo.load_callback("c1", "x").last_seq == 5


def test_the_first_answer_wins_and_a_repeat_writes_nothing(repo: Repository, now: datetime) -> None:
    repo.record_step(step("c1", "ice:1", now, create=True))
    again = repo.record_step(
        step("c1", "ice:1", now, after=3, answer={"action": {"name": "continue"}},
             record=call("c1", now, current_node="elsewhere"))
    )  # fmt: skip
    assert again.replayed and again.response == ANSWER and again.events == []
    assert repo.get_call("c1").current_node is None
    assert len(repo.list_events("c1")) == 3


@pytest.mark.parametrize("after", [0, 2, 4], ids=["from-scratch", "behind", "ahead"])
def test_a_step_from_a_stale_call_is_refused_and_writes_nothing(
    repo: Repository, now: datetime, after: int
) -> None:
    repo.record_step(step("c1", "ice:1", now, create=True))
    with pytest.raises(StaleCall, match="changed while this callback was being answered"):
        repo.record_step(step("c1", "pie:2", now, after=after, record=call("c1", now, state="x")))
    assert repo.get_call("c1").state == "active"
    assert len(repo.list_events("c1")) == 3
    assert repo.load_callback("c1", "pie:2").answer is None  # not claimed either


def test_starting_a_call_that_exists_is_stale(repo: Repository, now: datetime) -> None:
    repo.record_step(step("c1", "ice:1", now, create=True))
    with pytest.raises(StaleCall):
        repo.record_step(step("c1", "ice:other-timestamp", now, create=True))
    assert repo.load_callback("c1", "ice:other-timestamp").answer is None


def test_a_call_registered_before_its_first_callback_is_updated(
    repo: Repository, now: datetime
) -> None:
    repo.create_call(call("c1", now, state="pending"))  # as the simulator does
    recorded = repo.record_step(step("c1", "ice:1", now, after=0))
    assert [e.seq for e in recorded.events] == [1, 2, 3]
    assert repo.get_call("c1").state == "active"


def test_updating_an_unknown_call_is_not_found(repo: Repository, now: datetime) -> None:
    with pytest.raises(NotFound, match="call 'nobody' not found"):
        repo.record_step(step("nobody", "pie:1", now))
    assert repo.load_callback("nobody", "pie:1").answer is None


@pytest.mark.parametrize(
    "bad",
    [
        {"response": {"action": {"name": "say", "x": math.nan}}},
        {"events": [CallEvent("c1", 0, datetime(2026, 1, 1), "node", data={"x": {1, 2}})]},
        {"events": [CallEvent("c1", 0, datetime(2026, 1, 1), "", data={})]},
        {"key": ""},
        {"call": CallRecord("other", None, None, datetime(2026, 1, 1))},
    ],
    ids=["nan-answer", "set-in-data", "empty-kind", "empty-key", "wrong-call"],
)
def test_what_cannot_be_stored_is_refused_and_writes_nothing(
    repo: Repository, now: datetime, bad: dict
) -> None:
    with pytest.raises(BadRequest):
        repo.record_step(replace(step("c1", "ice:1", now, create=True), **bad))
    with pytest.raises(NotFound):
        repo.get_call("c1")


def test_racing_deliveries_of_one_callback_store_one_answer(
    repo: Repository, now: datetime
) -> None:
    repo.record_step(step("c1", "ice:1", now, create=True))
    answers = [{"action": {"name": "hangup"}, "n": i} for i in range(4)]
    results = run_together([
        lambda a=a: repo.record_step(step("c1", "pie:2", now, after=3, answer=a))  # type: ignore[misc]
        for a in answers
    ])  # fmt: skip
    assert not [r for r in results if isinstance(r, Exception)], results
    written = [r for r in results if not r.replayed]
    assert len(written) == 1
    assert all(r.response == written[0].response for r in results)
    assert [e.seq for e in repo.list_events("c1")] == [1, 2, 3, 4, 5, 6]


def test_racing_callbacks_of_one_call_advance_it_once(repo: Repository, now: datetime) -> None:
    """Two different callbacks worked out from the same state: one wins, one is stale."""
    repo.record_step(step("c1", "ice:1", now, create=True))
    results = run_together([
        lambda k=k: repo.record_step(  # type: ignore[misc]
            step("c1", f"{k}:2", now, after=3, record=call("c1", now, current_node=k)))
        for k in ("pie", "dice", "ace")
    ])  # fmt: skip
    stale = [r for r in results if isinstance(r, StaleCall)]
    written = [r for r in results if not isinstance(r, Exception)]
    assert len(written) == 1 and len(stale) == 2, results
    winner = next(k for k in ("pie", "dice", "ace") if repo.load_callback("c1", f"{k}:2").answer)
    assert repo.get_call("c1").current_node == winner  # the call is the winner's, whole
    assert [e.seq for e in repo.list_events("c1")] == [1, 2, 3, 4, 5, 6]


def test_concurrent_calls_are_written_together(repo: Repository, now: datetime) -> None:
    """Many calls' steps at once (the SQLite writer groups them): each one's own result."""
    results = run_together(
        [lambda i=i: repo.record_step(step(f"c{i}", "ice:1", now, create=True))  # type: ignore[misc]
         for i in range(12)]
    )  # fmt: skip
    assert not [r for r in results if isinstance(r, Exception)], results
    for i, recorded in enumerate(results):
        assert {e.callid for e in recorded.events} == {f"c{i}"}
        assert [e.seq for e in repo.list_events(f"c{i}")] == [1, 2, 3]


def test_routing_generation_moves_with_every_routing_change(
    repo: Repository, now: datetime
) -> None:
    seen = [repo.routing_generation()]

    def changed() -> bool:
        seen.append(repo.routing_generation())
        return seen[-1] != seen[-2]

    flow = repo.create_flow(flow_doc(), now)
    repo.get_flow(flow.id)
    repo.record_step(step("c1", "ice:1", now, create=True))
    assert not changed()  # drafts, reads and calls do not route anything
    repo.publish(flow.id, "", "t", now)
    assert changed()
    repo.bind_number(NumberBinding("+46850000000", flow.id), now)
    assert changed()
    repo.unbind_number("+46850000000")
    assert changed()
    repo.add_application(Application(key="app", default_flow_id=flow.id))
    assert changed()
    repo.update_application(Application(key="app"))
    assert changed()
    repo.delete_application("app")
    assert changed()
    repo.delete_flow(flow.id, None)
    assert changed()
