"""Concurrent writers: the guarantees the web server's threads and workers rely on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from designer.errors import Conflict
from designer.repository import CallEvent, CallRecord, Repository
from tests.storage.samples import flow_doc


def run_together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Start every job at the same instant; return each result or the exception it raised."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = jobs[i]()
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return results


def test_two_saves_of_one_revision_exactly_one_wins(repo: Repository, now: datetime) -> None:
    for round_ in range(5):
        flow = repo.create_flow(flow_doc(f"Flow {round_}"), now)
        docs = [flow_doc(f"Flow {round_}", text=f"writer {w} " * 50) for w in (1, 2)]
        results = run_together(
            [lambda d=d, f=flow.id: repo.update_flow(f, d, 1, now) for d in docs]  # type: ignore[misc]
        )
        conflicts = [r for r in results if isinstance(r, Conflict)]
        wins = [r for r in results if not isinstance(r, Exception)]
        assert len(wins) == 1 and len(conflicts) == 1, results
        stored = repo.get_flow(flow.id)
        assert stored.revision == 2
        assert stored.document == wins[0].document
        assert stored.document in docs


def test_concurrent_appends_get_consecutive_seq(repo: Repository, now: datetime) -> None:
    repo.create_call(CallRecord("c1", None, None, now))
    writers, batches, size = 4, 8, 3

    def writer(w: int) -> list[int]:
        seqs: list[int] = []
        for b in range(batches):
            events = [
                CallEvent("c1", 0, now, "node", data={"writer": w, "batch": b, "i": i})
                for i in range(size)
            ]
            stored = repo.append_events("c1", events)
            got = [e.seq for e in stored]
            assert got == list(range(got[0], got[0] + size)), got  # one batch, no interleaving
            seqs += got
        return seqs

    results = run_together([lambda w=w: writer(w) for w in range(writers)])  # type: ignore[misc]
    assert not [r for r in results if isinstance(r, Exception)], results
    everything = sorted(s for r in results for s in r)
    assert everything == list(range(1, writers * batches * size + 1))
    stored = repo.list_events("c1")
    assert [e.seq for e in stored] == everything
    # each stored event is the one its writer was told it got
    for w, seqs in enumerate(results):
        assert {e.seq for e in stored if e.data["writer"] == w} == set(seqs)


def test_concurrent_publishes_get_distinct_numbers(repo: Repository, now: datetime) -> None:
    flow = repo.create_flow(flow_doc(), now)
    results = run_together([lambda: repo.publish(flow.id, "", "t", now) for _ in range(4)])
    assert sorted(v.number for v in results) == [1, 2, 3, 4], results


def test_racing_duplicate_callbacks_get_the_same_answer(repo: Repository, now: datetime) -> None:
    answers = [{"action": {"name": "hangup"}, "n": i} for i in range(4)]
    results = run_together(
        [lambda a=a: repo.save_callback_response("c1", "ice", a, now) for a in answers]  # type: ignore[misc]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert all(r == results[0] for r in results)
    assert repo.get_callback_response("c1", "ice") == results[0]
