"""The trace websocket's beginning and end: "subscribed" first, and no socket left behind.

A ``?flow=`` watcher is told when its subscription is live, so a client can
wait for that before it starts the calls it means to watch.  However a
stream ends, refused or finished, the server releases the socket, even when
the client never answers the closing handshake.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from werkzeug.serving import make_server

from designer import examples
from designer.repository import NumberBinding
from designer.web import create_app, ws
from tests.wsclient import connect

LINE = "+46700000077"


@pytest.fixture
def served() -> Iterator[tuple[str, str]]:
    """The app on a loopback port with a published flow bound to LINE: (host, flow id)."""
    app = create_app({"DATABASE_URL": "memory://", "AUTH": "off", "REDIS_URL": None})
    repo = app.extensions["designer"].repo
    now = datetime.now(UTC)
    flow = repo.create_flow(examples.load("support_line").to_dict(), now)
    repo.publish(flow.id, "", "tests", now)
    repo.bind_number(NumberBinding(number=LINE, flow_id=flow.id), now)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_port}", flow.id
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "simple_websocket" in t.name and t.is_alive()]


def test_a_flow_watcher_is_told_when_it_is_subscribed(served: tuple[str, str]) -> None:
    host, flow_id = served
    watcher = connect(f"ws://{host}/ws/traces?flow={flow_id}")
    try:
        first = json.loads(watcher.receive(timeout=5))
        assert first["kind"] == "status" and first["callid"] is None
        assert first["data"] == {"subscribed": True, "flow": flow_id}
        # Nothing waited for but that frame: the call that starts now is seen from its start.
        ice = {"event": "ice", "callid": "sub-1", "timestamp": "2026-11-25T10:00:00Z",
               "cli": "+46701234567", "to": {"type": "number", "endpoint": LINE}}  # fmt: skip
        assert httpx.post(f"http://{host}/voice/callback", json=ice, timeout=5).status_code == 200
        frame = json.loads(watcher.receive(timeout=5))
        assert (frame["callid"], frame["seq"]) == ("sub-1", 1)
    finally:
        watcher.close()


def test_a_call_watcher_is_told_too_before_the_stored_events(served: tuple[str, str]) -> None:
    host, _flow = served
    ice = {"event": "ice", "callid": "sub-2", "timestamp": "2026-11-25T10:00:00Z",
           "cli": "+46701234567", "to": {"type": "number", "endpoint": LINE}}  # fmt: skip
    assert httpx.post(f"http://{host}/voice/callback", json=ice, timeout=5).status_code == 200
    watcher = connect(f"ws://{host}/ws/traces?call=sub-2")
    try:
        first = json.loads(watcher.receive(timeout=5))
        assert first["data"] == {"subscribed": True, "call": "sub-2"}
        assert json.loads(watcher.receive(timeout=5))["seq"] == 1
    finally:
        watcher.close()


UPGRADE = (
    "GET /ws/traces?{query} HTTP/1.1\r\nHost: {host}\r\nConnection: Upgrade\r\n"
    "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
)


@pytest.mark.parametrize("query", ["flow=no-such-flow", "call=nobody", ""])
def test_a_client_that_never_answers_the_close_is_cut_off(
    served: tuple[str, str], query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ws, "CLOSE_WAIT_S", 0.3)
    host, _flow = served
    before = set(reader_threads())
    name, port = host.split(":")
    with socket.create_connection((name, int(port))) as rude:
        rude.settimeout(5)
        rude.sendall(UPGRADE.format(query=query, host=host).encode())
        received = b""
        started = time.monotonic()
        while chunk := rude.recv(4096):  # the refusal, the close frame, then the server hangs up
            received += chunk
        waited = time.monotonic() - started
    assert b" 101 " in received.split(b"\r\n", 1)[0] and b'"kind":"error"' in received
    assert waited < 3, f"the server held the socket for {waited:.1f} s"
    deadline = time.monotonic() + 3
    while set(reader_threads()) - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not set(reader_threads()) - before, "a websocket reader thread was left running"
