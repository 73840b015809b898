"""Live trace websockets with login required: who may watch, and how often they may subscribe.

A websocket needs a real server (the test client cannot hand over a socket):
the app runs on a loopback port in a thread, as the browser tests do.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
from flask import Flask
from werkzeug.serving import make_server

from designer.repository import NumberBinding
from tests.security.conftest import MINIMAL_FLOW, Clock, Person, add_people
from tests.wsclient import TraceClient, connect

LINE = "+46700000001"


@pytest.fixture
def served(make_app: Callable[..., Flask], clock: Clock) -> Iterator[Callable[..., tuple]]:
    """Start an app (config as for ``make_app``) on a free port: (base URL, people, flow id)."""
    servers = []

    def serve(**config: object) -> tuple[str, dict[str, Person], str]:
        app = make_app(**config)
        people = add_people(app, clock())
        repo = app.extensions["designer"].repo
        flow = repo.create_flow(MINIMAL_FLOW, clock())
        repo.publish(flow.id, "", "tests", clock())
        repo.bind_number(NumberBinding(number=LINE, flow_id=flow.id), clock())
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"127.0.0.1:{server.server_port}", people, flow.id

    yield serve
    for server, thread in servers:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


UPGRADE = {
    "Connection": "Upgrade",
    "Upgrade": "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}


def _connect(host: str, query: str, headers: dict[str, str] | None = None) -> TraceClient:
    return connect(f"ws://{host}/ws/traces?{query}", headers=headers)


def _refused(host: str, query: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """A handshake the server must refuse, sent over plain HTTP to read the refusal."""
    response = httpx.get(f"http://{host}/ws/traces?{query}", headers={**UPGRADE, **(headers or {})},
                         timeout=5)  # fmt: skip
    assert response.status_code != 101, "the server accepted the websocket"
    return response


def test_anonymous_watchers_are_refused_at_the_handshake(served) -> None:
    host, _people, flow_id = served()
    response = _refused(host, f"flow={flow_id}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_a_viewer_watches_calls_live(served, clock: Clock) -> None:
    host, people, flow_id = served()
    ws = _connect(host, f"flow={flow_id}", people["viewer"].bearer)
    try:
        first = json.loads(ws.receive(timeout=5) or "null")
        assert first and first["data"]["subscribed"], first  # live: the call cannot be missed
        response = httpx.post(f"http://{host}/voice/callback", json={
            "event": "ice", "callid": "watched-1", "timestamp": "2026-11-25T10:00:00Z",
            "cli": "+46701234567", "to": {"type": "number", "endpoint": LINE},
        }, timeout=5)  # fmt: skip
        assert response.status_code == 200  # the callback itself needed no login
        frames = []
        while len(frames) < 2:
            data = ws.receive(timeout=5)
            assert data is not None, "no trace frame arrived"
            frame = json.loads(data)
            if frame.get("kind") != "status":
                frames.append(frame)
        assert {f["callid"] for f in frames} == {"watched-1"}
    finally:
        ws.close()


def test_cross_site_pages_cannot_open_the_websocket(served) -> None:
    """Cross-site websocket hijacking: a page elsewhere cannot ride on the user's cookie."""
    host, people, flow_id = served()
    response = _refused(host, f"flow={flow_id}",
                        {**people["viewer"].bearer, "Origin": "https://evil.example"})  # fmt: skip
    assert response.status_code == 403


def test_subscriptions_are_rate_limited_per_client(served) -> None:
    host, people, flow_id = served(WS_SUBSCRIBE_BURST=2, WS_SUBSCRIBE_PER_MINUTE=1)
    opened = [_connect(host, f"flow={flow_id}", people["viewer"].bearer) for _ in range(2)]
    try:
        other = _connect(host, f"flow={flow_id}", people["editor"].bearer)  # another client
        other.close()
        response = _refused(host, f"flow={flow_id}", people["viewer"].bearer)
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) >= 1
        assert response.json()["error"]["code"] == "too-many-requests"
    finally:
        for ws in opened:
            ws.close()
