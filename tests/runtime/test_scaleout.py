"""Two gunicorn servers sharing PostgreSQL and Redis: traces cross from one to the other."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from designer.storage import open_repository
from tests.runtime.conftest import free_port, publish
from tests.runtime.flows import LINE, always_open
from tests.wsclient import connect

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

GUNICORN = Path(sys.executable).with_name("gunicorn")


def start_server(port: int, pg_url: str, redis_url: str, tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DESIGNER_DATABASE_URL": pg_url, "DESIGNER_REDIS_URL": redis_url,
           "DESIGNER_AUTH": "off"}  # gunicorn requires login unless told otherwise  # fmt: skip
    log = open(tmp_path / f"gunicorn-{port}.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [str(GUNICORN), "--workers", "1", "--threads", "8", "--bind", f"127.0.0.1:{port}",
         "--graceful-timeout", "2", "designer.web:create_app()"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    proc.log_file = log  # type: ignore[attr-defined]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/nodes", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    log.close()
    raise AssertionError((tmp_path / f"gunicorn-{port}.log").read_text()[-3000:])


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.log_file.close()  # type: ignore[attr-defined]


def receive(ws, count, timeout=10.0):
    frames = []
    deadline = time.monotonic() + timeout
    while len(frames) < count and time.monotonic() < deadline:
        data = ws.receive(timeout=0.2)
        if data is not None:
            frame = json.loads(data)
            if frame["kind"] != "status":
                frames.append(frame)
    return frames


def test_websocket_on_one_worker_sees_callbacks_of_the_other(pg_url, redis_url, tmp_path):
    repo = open_repository(pg_url)
    flow_id = publish(repo, always_open(), number=LINE)
    port_a, port_b = free_port(), free_port()
    a = start_server(port_a, pg_url, redis_url, tmp_path)
    b = start_server(port_b, pg_url, redis_url, tmp_path)
    callid = f"scale-{time.monotonic_ns()}"
    try:
        flow_ws = connect(f"ws://127.0.0.1:{port_a}/ws/traces?flow={flow_id}")
        time.sleep(0.3)

        def send(payload):
            response = httpx.post(f"http://127.0.0.1:{port_b}/voice/callback", json=payload,
                                  timeout=5)  # fmt: skip
            assert response.status_code == 200, response.text
            return response.json()

        ice = send({"event": "ice", "callid": callid, "timestamp": "2026-11-25T10:00:00Z",
                    "cli": "+46701234567", "to": {"type": "number", "endpoint": LINE}})  # fmt: skip
        assert ice["action"]["name"] == "runMenu"
        call_ws = connect(f"ws://127.0.0.1:{port_a}/ws/traces?call={callid}")
        send({"event": "pie", "callid": callid, "timestamp": "2026-11-25T10:00:05Z",
              "menuResult": {"menuId": "main", "type": "return", "value": "1"}})  # fmt: skip
        send({"event": "ace", "callid": callid, "timestamp": "2026-11-25T10:00:09Z"})
        send({"event": "dice", "callid": callid, "timestamp": "2026-11-25T10:01:00Z",
              "reason": "CALLERHANGUP", "result": "ANSWERED", "duration": 51})  # fmt: skip

        stored = [e.to_dict() for e in repo.list_events(callid)]
        assert len(stored) > 10
        by_call = receive(call_ws, len(stored))
        assert [f["seq"] for f in by_call] == [e["seq"] for e in stored]
        assert by_call == stored
        by_flow = [f for f in receive(flow_ws, len(stored)) if f["callid"] == callid]
        assert by_flow == stored
        assert repo.get_call(callid).result == "connected"
        call_ws.close()
        flow_ws.close()
    finally:
        stop(a)
        stop(b)
        repo.close()
