"""The server's own housekeeping: started by requests, on a thread of its own, never in the way.

The app's clock is the fixed test clock (what is stale is decided by it);
when a pass is due is measured on a monotonic clock, which the unit tests of
``Housekeeper`` hand in and the end-to-end test lets run (a 1 s interval).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from designer.errors import ConfigError, StorageUnavailable
from designer.repository import LOST_RESULT, SWEPT_EVENT, Repository
from designer.storage import MemoryRepository
from designer.tracebus import InProcessBus
from designer.web import create_app, housekeeping
from designer.web.lifecycle import begin_shutdown
from tests.storage.test_callback_steps import step
from tests.storage.test_repository_concurrency import run_together
from tests.web.conftest import Clock

DEADLINE_S = 30.0


@pytest.fixture
def make_app(repo_url: str, clock: Clock) -> Iterator[Callable[..., Flask]]:
    """Apps on this test's database (the in-memory one shared, as two workers share a file)."""
    made: list[Flask] = []
    shared = MemoryRepository() if repo_url == "memory://" else None

    def make(**config: Any) -> Flask:
        settings: dict[str, Any] = {"TESTING": True, "CLOCK": clock, **config}
        if shared is not None:
            settings["REPOSITORY"] = shared
        else:
            settings["DATABASE_URL"] = repo_url
        app = create_app(settings)
        made.append(app)
        return app

    yield make
    for app in made:
        keeper = housekeeping.keeper(app)
        assert keeper is None or keeper.wait(DEADLINE_S), "a housekeeping pass hung"
        close = getattr(app.extensions["designer"].repo, "close", None)
        if close is not None:
            close()


def log_of(repo: Repository, now: datetime) -> None:
    """A call whose DiCE was lost 8 hours ago, one going on now, and an answer 2 days old."""
    repo.record_step(step("lost", "ice:1", now - timedelta(hours=8), create=True))
    repo.record_step(step("live", "ice:1", now - timedelta(minutes=1), create=True))
    repo.save_callback_response("older", "ice:1", {"n": 1}, now - timedelta(days=2))


def until(condition: Callable[[], bool], poke: Callable[[], Any]) -> None:
    """Poke (make a request) until ``condition`` holds; fail after a generous deadline."""
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        poke()
        time.sleep(0.05)


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def test_requests_start_a_pass_that_ends_stale_calls_and_tells_watchers(
    make_app, now: datetime
) -> None:
    bus = InProcessBus()
    app = make_app(HOUSEKEEPING_EVERY="1s", TRACE_BUS=bus)
    repo = app.extensions["designer"].repo
    log_of(repo, now)
    watcher = bus.subscribe(call="lost")
    keeper = housekeeping.keeper(app)
    assert keeper is not None and keeper.passes == 0
    client = app.test_client()

    def request() -> None:
        assert client.get("/healthz").status_code in (200, 503)

    until(lambda: keeper.wait(DEADLINE_S) and keeper.passes >= 1, request)

    lost = repo.get_call("lost")
    assert (lost.state, lost.result) == ("ended", LOST_RESULT)
    assert lost.ended_at == now - timedelta(hours=8)
    assert repo.get_call("live").state == "active"
    assert repo.get_callback_response("older", "ice:1") is None
    item = watcher.get(timeout=DEADLINE_S)
    assert item is not None and item["kind"] == SWEPT_EVENT and item["seq"] == 4
    assert keeper.last is not None and [e.callid for e in keeper.last.swept] == ["lost"]
    # the callbacks keep being answered as before, the sweep's seq continued
    late_dice = {"event": "dice", "callid": "lost", "timestamp": "2026-11-25T02:01:00Z",
                 "reason": "CALLERHANGUP"}  # fmt: skip
    response = client.post("/voice/callback", json=late_dice)
    assert response.status_code == 200
    assert [e.seq for e in repo.list_events("lost")] == [1, 2, 3, 4, 5, 6]
    watcher.close()


def test_a_pass_is_started_when_due_and_one_at_a_time(make_app, now: datetime) -> None:
    app = make_app(HOUSEKEEPING="off")  # the keeper under test is made by hand
    repo = app.extensions["designer"].repo
    log_of(repo, now)
    gate = threading.Event()
    entered = threading.Event()
    sweeps: list[datetime] = []

    def slow_sweep(idle_before: datetime, when: datetime, **kwargs: Any) -> Any:
        sweeps.append(when)
        entered.set()
        assert gate.wait(DEADLINE_S)
        return repo.sweep_stale_calls(idle_before, when, **kwargs)

    app.extensions["designer"].repo = _Patched(repo, sweep_stale_calls=slow_sweep)
    ticks = Ticks()
    keeper = housekeeping.Housekeeper(
        app, timedelta(minutes=10), timedelta(hours=6), timedelta(days=1), clock=ticks
    )
    keeper.poke()
    assert keeper.wait(0) and sweeps == []  # not due within the first interval
    ticks.value += 600
    keeper.poke()
    assert entered.wait(DEADLINE_S)  # the pass runs on its own thread: the poke returned
    ticks.value += 6000  # long overdue, but the first pass is still at it
    keeper.poke()
    gate.set()
    assert keeper.wait(DEADLINE_S) and keeper.passes == 1 and sweeps == [now]
    assert repo.get_call("lost").state == "ended"
    keeper.poke()  # overdue all along: the next one starts now
    assert keeper.wait(DEADLINE_S) and keeper.passes == 2
    keeper.poke()  # and the interval restarted with it
    assert keeper.wait(DEADLINE_S) and keeper.passes == 2
    ticks.value += 600
    keeper.poke()
    assert keeper.wait(DEADLINE_S) and keeper.passes == 3 and len(sweeps) == 3


def test_no_pass_starts_once_the_worker_is_stopping(make_app, now: datetime) -> None:
    app = make_app(HOUSEKEEPING="off")
    ticks = Ticks()
    keeper = housekeeping.Housekeeper(
        app, timedelta(minutes=10), timedelta(hours=6), timedelta(days=1), clock=ticks
    )
    begin_shutdown(app)
    ticks.value += 6000
    keeper.poke()
    assert keeper.wait(DEADLINE_S) and keeper.passes == 0


@pytest.mark.parametrize(
    "failure",
    [StorageUnavailable("database unavailable: connection refused"), RuntimeError("a bug")],
    ids=["storage-down", "bug"],
)
def test_a_failing_pass_is_logged_and_never_reaches_a_request(
    make_app, now: datetime, failure: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(HOUSEKEEPING_EVERY="1s")
    repo = app.extensions["designer"].repo
    log_of(repo, now)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise failure

    app.extensions["designer"].repo = _Patched(repo, sweep_stale_calls=broken)
    keeper = housekeeping.keeper(app)
    assert keeper is not None
    client = app.test_client()
    caplog.set_level(logging.WARNING, logger="designer.web.housekeeping")

    def request() -> None:
        assert client.get("/api/nodes").status_code == 200

    until(lambda: keeper.wait(DEADLINE_S) and keeper.passes >= 1, request)
    assert "housekeeping failed, trying again in 1s" in caplog.text
    assert keeper.last is None
    assert repo.get_call("lost").state == "active"
    answered = client.post("/voice/callback", json={"event": "dice", "callid": "lost",
                           "timestamp": "2026-11-25T02:01:00Z"})  # fmt: skip
    assert answered.status_code == 200 and repo.get_call("lost").state == "ended"


def test_two_workers_sweeping_at_once_end_each_call_once(make_app, now: datetime) -> None:
    first, second = make_app(), make_app()
    repo = first.extensions["designer"].repo
    for i in range(10):
        repo.record_step(step(f"c{i}", "ice:1", now - timedelta(hours=7), create=True))
    keepers = [housekeeping.keeper(a) for a in (first, second)]
    results = run_together([k.run for k in keepers if k is not None])
    assert all(r is not None for r in results), results
    assert sorted(e.callid for r in results for e in r.swept) == [f"c{i}" for i in range(10)]
    for i in range(10):
        assert [e.kind for e in repo.list_events(f"c{i}")].count(SWEPT_EVENT) == 1


def test_housekeeping_can_be_turned_off(make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESIGNER_HOUSEKEEPING", "off")
    monkeypatch.setenv("DESIGNER_STALE_CALL_AFTER", "whenever")  # not read when off
    app = make_app()
    assert housekeeping.keeper(app) is None
    assert make_app(HOUSEKEEPING=True, STALE_CALL_AFTER="6h").extensions[housekeeping.KEY]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("STALE_CALL_AFTER", "6x", "DESIGNER_STALE_CALL_AFTER: '6x' is not a duration"),
        ("HOUSEKEEPING_EVERY", "0m", "DESIGNER_HOUSEKEEPING_EVERY must be longer than zero"),
        ("KEEP_CALLBACK_ANSWERS", "forever", "DESIGNER_KEEP_CALLBACK_ANSWERS: 'forever' is not"),
        ("HOUSEKEEPING", "sometimes", "DESIGNER_HOUSEKEEPING must be a boolean"),
    ],
)
def test_a_bad_setting_stops_the_server_at_start_naming_it(
    monkeypatch: pytest.MonkeyPatch, key: str, value: str, message: str
) -> None:
    monkeypatch.setenv(f"DESIGNER_{key}", value)
    with pytest.raises(ConfigError, match=message):
        create_app({"DATABASE_URL": "memory://", "TESTING": True})


def test_a_short_stale_limit_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="designer.web.housekeeping")
    create_app({"DATABASE_URL": "memory://", "STALE_CALL_AFTER": "1h"})
    assert "DESIGNER_STALE_CALL_AFTER: a live call may go 4h10m without a callback" in caplog.text


class _Patched:
    """A repository with some methods replaced (a failing or slow database, say)."""

    def __init__(self, repo: Repository, **methods: Callable[..., Any]) -> None:
        self._repo = repo
        self._methods = methods

    def __getattr__(self, name: str) -> Any:
        return self._methods.get(name) or getattr(self._repo, name)
