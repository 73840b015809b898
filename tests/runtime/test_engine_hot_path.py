"""The engine's hot path: one read and one write per callback, stale steps, cached routes."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from designer.engine import ROUTE_TTL, Engine
from designer.errors import StaleCall
from designer.repository import AnsweredCallback, NumberBinding, RecordedStep
from designer.storage import MemoryRepository, open_repository
from designer.svaml import check_svaml
from designer.tracebus import InProcessBus
from designer.web.callbacks import BackgroundPublisher
from tests.runtime.conftest import OPEN, publish
from tests.runtime.flows import LINE, SALES, say_then, support_line
from tests.runtime.test_engine import dice, ice, pie


class Counting:
    """A repository that counts the calls made to it (and can run a hook before a write)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()
        self.before_record: Any = None

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            if name == "record_step" and self.before_record is not None:
                hook, self.before_record = self.before_record, None
                hook(*args)
            return method(*args, **kwargs)

        return counted


@pytest.fixture
def counting(repo: MemoryRepository) -> Counting:
    return Counting(repo)


def test_each_callback_is_one_read_and_one_write(counting: Counting, support_flow: str) -> None:
    engine = Engine(counting, InProcessBus())  # type: ignore[arg-type]
    engine.handle(ice("c1"), OPEN)
    routing = {"get_binding", "get_flow", "get_version", "routing_generation"}
    assert set(counting.calls) - routing == {"load_callback", "record_step"}
    counting.calls.clear()
    engine.handle(pie("return", "1", callid="c1"), OPEN)
    engine.handle(ice("c2"), OPEN)  # route and flow now come from the caches
    engine.handle(dice("c2"), OPEN)
    assert counting.calls == Counter(load_callback=3, record_step=3, routing_generation=1)


def test_a_callback_overtaken_by_another_is_worked_out_again(
    counting: Counting, repo: MemoryRepository, support_flow: str
) -> None:
    """The DiCE is recorded while the PIE is being answered: the PIE must not undo it."""
    engine = Engine(counting, InProcessBus())  # type: ignore[arg-type]
    engine.handle(ice(), OPEN)
    counting.before_record = lambda step: engine.handle(dice(), OPEN)
    late = engine.handle(pie("return", "1"), OPEN)
    assert late.svaml == {"instructions": [], "action": {"name": "hangup"}}  # not the transfer
    record = repo.get_call("c1")
    assert record.state == "ended" and record.reason == "CALLERHANGUP"
    assert record.current_node == "main"
    events = repo.list_events("c1")
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [e.kind for e in events].count("dice") == 1
    assert events[-1].kind == "svaml" and events[-1].data["late"] is True
    assert counting.calls["record_step"] == 4  # ICE, the PIE (stale), the DiCE, the PIE again


def test_a_call_that_keeps_changing_gets_a_safe_answer(
    repo: MemoryRepository, support_flow: str, caplog: pytest.LogCaptureFixture
) -> None:
    class AlwaysStale(Counting):
        def record_step(self, step: AnsweredCallback) -> RecordedStep:
            self.calls["record_step"] += 1
            raise StaleCall("changed again")

    engine = Engine(AlwaysStale(repo), InProcessBus())  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="designer.engine"):
        out = engine.handle(ice(), OPEN)
    assert check_svaml(out.svaml, "ice") == [] and out.svaml["action"] == {"name": "hangup"}
    assert out.error and "kept changing" in out.error
    assert any("kept changing" in r.getMessage() for r in caplog.records)


def test_a_rebinding_in_this_process_routes_the_next_call_at_once(
    repo: MemoryRepository, support_flow: str
) -> None:
    engine = Engine(repo, InProcessBus())
    assert engine.handle(ice("before"), OPEN).svaml["action"]["name"] == "runMenu"
    other = publish(repo, say_then("Moved."), number=None)
    repo.bind_number(NumberBinding(number=LINE, flow_id=other), OPEN)
    moved = engine.handle(ice("after"), OPEN)  # same callback time: no TTL involved
    assert moved.svaml["instructions"][0]["text"] == "Moved."
    repo.unbind_number(LINE)
    gone = engine.handle(ice("unbound"), OPEN)
    assert "not in service" in gone.svaml["instructions"][0]["text"]


def test_another_workers_rebinding_is_seen_within_the_route_ttl(tmp_path: Path) -> None:
    """Two repositories on one database stand for two workers: no shared generation."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    worker_a, worker_b = open_repository(url, migrate=True), open_repository(url)
    try:
        support = publish(worker_a, support_line())
        moved = publish(worker_a, say_then("Moved."), number=None)
        engine = Engine(worker_a, InProcessBus())
        engine.handle(ice("first"), OPEN)
        worker_b.bind_number(NumberBinding(number=LINE, flow_id=moved), OPEN)
        soon = OPEN + ROUTE_TTL - timedelta(milliseconds=1)
        engine.handle(ice("soon"), soon)
        assert worker_a.get_call("soon").flow_id == support  # cached, within the TTL
        engine.handle(ice("later"), OPEN + ROUTE_TTL)
        assert worker_a.get_call("later").flow_id == moved
    finally:
        worker_a.close()
        worker_b.close()


def test_the_sql_hot_path_answers_a_whole_call(tmp_path: Path) -> None:
    repo = open_repository(f"sqlite:///{tmp_path / 'd.db'}", migrate=True)
    try:
        publish(repo, support_line())
        engine = Engine(repo, InProcessBus())
        assert engine.handle(ice(), OPEN).svaml["action"]["name"] == "runMenu"
        transfer = engine.handle(pie("return", "1"), OPEN)
        assert transfer.svaml["action"]["number"] == SALES
        assert engine.handle(pie("return", "1"), OPEN).replayed
        engine.handle(dice(), OPEN)
        record = repo.get_call("c1")
        assert record.state == "ended" and record.result == "connected"
        events = repo.list_events("c1")
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
    finally:
        repo.close()


class SlowBus(InProcessBus):
    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.seen: list[int] = []
        self.threads: set[str] = set()

    def publish(self, event: Any) -> None:
        time.sleep(self.delay)
        self.seen.append(event.seq)
        self.threads.add(threading.current_thread().name)


def test_a_slow_bus_never_delays_a_callback(repo: MemoryRepository, support_flow: str) -> None:
    slow = SlowBus(delay=0.05)
    bus = BackgroundPublisher(slow)
    engine = Engine(repo, bus)
    started = time.monotonic()
    engine.handle(ice(), OPEN)
    engine.handle(pie("return", "1"), OPEN)
    assert time.monotonic() - started < 0.2  # 10+ events at 50 ms each would take 0.5 s
    assert bus.flush(timeout=5)
    assert slow.seen == [e.seq for e in repo.list_events("c1")]  # all, in order
    assert slow.threads == {"trace-publisher"}
    bus.close()


def test_a_bus_that_falls_far_behind_loses_the_oldest_events_only() -> None:
    from designer.repository import CallEvent

    slow = SlowBus(delay=0.02)
    bus = BackgroundPublisher(slow, limit=5)
    for seq in range(1, 31):
        bus.publish(CallEvent("c1", seq, OPEN, "node"))
    assert bus.flush(timeout=5)
    assert bus.dropped > 0
    assert slow.seen == sorted(slow.seen) and slow.seen[-1] == 30
    assert len(slow.seen) + bus.dropped == 30
    bus.close()
