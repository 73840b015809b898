"""Trace websockets against a real server: backlog, then live, in order, no duplicates."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from werkzeug.serving import make_server

from tests.runtime.flows import LINE
from tests.wsclient import ConnectionClosed, connect


@pytest.fixture
def server(app, support_flow):
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(timeout=5)


def post(base, payload):
    response = httpx.post(f"http://{base}/voice/callback", json=payload, timeout=5)
    assert response.status_code == 200
    return response.json()


def ice(callid):
    return {"event": "ice", "callid": callid, "timestamp": "2026-11-25T10:00:00Z",
            "cli": "+46701234567", "to": {"type": "number", "endpoint": LINE}}  # fmt: skip


def pie(callid, value, stamp):
    return {"event": "pie", "callid": callid, "timestamp": stamp,
            "menuResult": {"menuId": "main", "type": "return", "value": value}}  # fmt: skip


def receive(ws, count, timeout=15.0):
    """The next ``count`` trace events (status frames, which have no callid, are skipped)."""
    frames = []
    deadline = time.monotonic() + timeout
    while len(frames) < count and time.monotonic() < deadline:
        data = ws.receive(timeout=0.2)
        if data is not None and json.loads(data)["kind"] != "status":
            frames.append(json.loads(data))
    return frames


def subscribed(ws, timeout=5.0):
    """Wait for the frame that says the subscription is live; return its data."""
    frame = json.loads(ws.receive(timeout=timeout) or "null")
    assert frame and frame["kind"] == "status" and frame["data"]["subscribed"], frame
    return frame["data"]


def test_call_stream_sends_backlog_then_live(server, repo):
    post(server, ice("ws-1"))
    stored = [e.to_dict() for e in repo.list_events("ws-1")]
    ws = connect(f"ws://{server}/ws/traces?call=ws-1")
    try:
        assert subscribed(ws) == {"subscribed": True, "call": "ws-1"}
        backlog = receive(ws, len(stored))
        assert backlog == stored
        post(server, pie("ws-1", "1", "2026-11-25T10:00:05Z"))
        post(server, pie("ws-1", "1", "2026-11-25T10:00:05Z"))  # a repeat: one duplicate event
        everything = [e.to_dict() for e in repo.list_events("ws-1")]
        live = receive(ws, len(everything) - len(stored))
        assert live == everything[len(stored) :]
        seqs = [f["seq"] for f in backlog + live]
        assert seqs == list(range(1, len(everything) + 1))
        assert ws.receive(timeout=0.3) is None  # nothing more, nothing twice
    finally:
        ws.close()


def test_flow_stream_sends_live_events_of_every_call(server, repo, support_flow):
    ws = connect(f"ws://{server}/ws/traces?flow={support_flow}")
    try:
        assert subscribed(ws) == {"subscribed": True, "flow": support_flow}
        post(server, ice("ws-a"))
        post(server, ice("ws-b"))
        expected = len(repo.list_events("ws-a")) + len(repo.list_events("ws-b"))
        frames = receive(ws, expected)
        assert len(frames) == expected
        assert {f["callid"] for f in frames} == {"ws-a", "ws-b"}
        assert all(f["flow"] == support_flow for f in frames)
        for callid in ("ws-a", "ws-b"):
            assert [f["seq"] for f in frames if f["callid"] == callid] == [
                e.seq for e in repo.list_events(callid)
            ]
        lit = [f["node"] for f in frames if f["kind"] == "node" and f["callid"] == "ws-a"]
        assert lit == ["start", "welcome", "hours", "main"]
    finally:
        ws.close()


@pytest.mark.parametrize(
    ("query", "message"),
    [("call=nobody", "nobody"), ("flow=nothing", "nothing"), ("", "exactly one")],
)
def test_unknown_ids_get_an_error_frame_and_a_clean_close(server, query, message):
    ws = connect(f"ws://{server}/ws/traces?{query}")
    frame = json.loads(ws.receive(timeout=5))
    assert frame["kind"] == "error" and message in frame["data"]["message"]
    with pytest.raises(ConnectionClosed) as info:
        ws.receive(timeout=5)
    assert info.value.reason == 1008
    assert message in (info.value.message or "")
