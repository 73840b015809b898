"""Reading a large call log takes a request per page of calls, not one per call.

``Designer`` talks to an in-process app through a transport that counts the
requests; the direct reader gets a repository that counts its reads.  Both
must give exactly the frames that reading call by call gives.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pandas as pd
import pytest

from designer.notebook import Designer, client, frames
from designer.repository import CallEvent, CallRecord
from designer.storage import MemoryRepository
from designer.web import create_app
from tests.notebooks.conftest import TINY_CALLS, tiny_trace

NOW = datetime(2026, 1, 5, 8, tzinfo=UTC)
CALLS = 2 * client.PAGE_SIZE + 1  # three pages
FLOW = "busy-line"
TRACES = list(TINY_CALLS)


def fill(repo: Any) -> None:
    """``CALLS`` calls of ``FLOW`` (each with one of the hand-made traces) and a few others."""
    for i in range(CALLS + 5):
        callid = f"call-{i:04d}"
        at = NOW + timedelta(seconds=i)
        outcome, duration = TINY_CALLS[TRACES[i % len(TRACES)]][1:3]
        repo.create_call(CallRecord(
            callid=callid, flow_id=FLOW if i < CALLS else "other", version=1, started_at=at,
            state="ended", cli="+46701000001", to="+46850000000", ended_at=at, result=outcome,
            duration=duration, simulated=True,
        ))  # fmt: skip
        repo.append_events(callid, [
            CallEvent(callid, 0, at, e["kind"], e["node"], e["data"])
            for e in tiny_trace(TRACES[i % len(TRACES)])
        ])  # fmt: skip


class CountingTransport(httpx.WSGITransport):
    """Calls the app in-process and notes the path of every request."""

    def __init__(self, app: Any) -> None:
        super().__init__(app=app)
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return super().handle_request(request)


@pytest.fixture(scope="module")
def app() -> Any:
    app = create_app({"DATABASE_URL": "memory://", "CLOCK": lambda: NOW})
    fill(app.extensions["designer"].repo)
    return app


@pytest.fixture
def counted(app: Any) -> Iterator[tuple[Designer, list[str]]]:
    transport = CountingTransport(app)
    with Designer("http://127.0.0.1:5000", transport=transport) as designer:
        yield designer, transport.paths


@pytest.fixture(scope="module")
def call_by_call(app: Any) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The frames of ``FLOW`` read as the client used to: ``GET /api/calls/<callid>`` per call.

    With the number of requests that took.
    """
    transport = CountingTransport(app)
    with Designer("http://127.0.0.1:5000", transport=transport) as designer:
        items = designer.call_items(flow=FLOW)
        by_call = {i["callid"]: designer.call(i["callid"])["events"] for i in items}
    calls = frames.calls_frame(frames.call_rows_from_api(items, by_call))
    events = frames.events_frame(e for i in reversed(items) for e in by_call[i["callid"]])
    return calls, events, len(transport.paths)


def test_call_log_is_one_request_per_page_of_calls(counted):
    designer, paths = counted
    calls, events = designer.call_log(flow=FLOW)
    assert len(calls) == CALLS
    assert paths == ["/api/events"] * math.ceil(CALLS / client.PAGE_SIZE)
    assert len(events) == sum(len(tiny_trace(TRACES[i % len(TRACES)])) for i in range(CALLS))


def test_call_log_frames_are_those_read_call_by_call(counted, call_by_call):
    designer, _ = counted
    expected_calls, expected_events, requests = call_by_call
    assert requests > CALLS
    calls, events = designer.call_log(flow=FLOW)
    pd.testing.assert_frame_equal(calls, expected_calls)
    pd.testing.assert_frame_equal(events, expected_events)
    assert calls["path"].map(len).gt(0).all()


def test_calls_with_paths_and_events_are_one_request_per_page(counted, call_by_call):
    designer, paths = counted
    expected_calls, expected_events, _ = call_by_call
    pd.testing.assert_frame_equal(designer.calls(flow=FLOW), expected_calls)
    assert paths == ["/api/events"] * 3
    paths.clear()
    pd.testing.assert_frame_equal(designer.events(flow=FLOW), expected_events)
    assert paths == ["/api/events"] * 3


def test_a_limit_asks_for_no_more_than_it_needs(counted):
    designer, paths = counted
    calls, events = designer.call_log(flow=FLOW, limit=client.PAGE_SIZE + 10)
    assert len(calls) == client.PAGE_SIZE + 10
    assert paths == ["/api/events"] * 2
    assert set(events["callid"]) == set(calls["callid"])
    paths.clear()
    assert len(designer.calls(limit=7, paths=False)) == 7
    assert paths == ["/api/calls"]


class CountingRepository(MemoryRepository):
    """A memory repository that notes which event reads the frames make."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def list_events(self, callid: str, after_seq: int = 0) -> list[CallEvent]:
        self.reads.append("list_events")
        return super().list_events(callid, after_seq)

    def list_events_of_calls(self, callids: list[str]) -> dict[str, list[CallEvent]]:
        self.reads.append("list_events_of_calls")
        return super().list_events_of_calls(callids)


def test_the_direct_reader_reads_events_in_bulk(call_by_call):
    expected_calls, expected_events, _ = call_by_call
    repo = CountingRepository()
    fill(repo)
    calls, events = frames.call_log(repo, flow=FLOW)
    assert repo.reads == ["list_events_of_calls"]
    pd.testing.assert_frame_equal(calls, expected_calls)
    pd.testing.assert_frame_equal(events, expected_events)
    repo.reads.clear()
    pd.testing.assert_frame_equal(frames.calls(repo, flow=FLOW), expected_calls)
    pd.testing.assert_frame_equal(frames.events(repo, flow=FLOW), expected_events)
    assert repo.reads == ["list_events_of_calls"] * 2
