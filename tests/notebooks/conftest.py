"""Fixtures for the notebook tests: a real designer server, and a hand-made call log.

``server`` is the application as users run it: ``designer run`` in a
subprocess on a free port, over a temporary SQLite file migrated with the
storage helpers and loaded with the example flows by ``designer examples
load``.  The notebooks and the REST/websocket tests talk to it over real
sockets.  It is started once per session and stopped at the end.

``tiny_flow``/``tiny_events``/``tiny_calls`` are a small call log built by
hand, with numbers the analysis tests can check exactly.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from designer.notebook import frames

STARTUP_S = 60.0


@dataclass(frozen=True)
class Server:
    url: str
    database_url: str
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _designer_command() -> list[str]:
    script = Path(sys.executable).with_name("designer")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from designer.cli import main; main()"]


def _server_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESIGNER_")}
    env["DESIGNER_DATABASE_URL"] = database_url
    return env


def _designer(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [*_designer_command(), *args], env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"designer {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


@contextmanager
def running_server(folder: Path, **settings: str) -> Iterator[Server]:
    """``designer run`` on 127.0.0.1:<free port> over ``folder``'s migrated database."""
    database_url = f"sqlite:///{folder / 'designer.db'}"
    env = _server_env(database_url)
    env.update({f"DESIGNER_{k}": v for k, v in settings.items()})
    port = _free_port()
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*_designer_command(), "run", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"designer run exited with {process.returncode}:\n{log.read_text()}")
            try:
                httpx.get(f"{url}/api/nodes", timeout=2)
                break  # answering, whatever it says (401 when login is required)
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"designer run did not answer within {STARTUP_S:g} s:\n"
                            f"{log.read_text()}")  # fmt: skip
            time.sleep(0.2)
        yield Server(url=url, database_url=database_url, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _migrated(folder: Path) -> dict[str, str]:
    from designer.storage.migrate import upgrade

    database_url = f"sqlite:///{folder / 'designer.db'}"
    upgrade(database_url)
    return _server_env(database_url)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The server as users run it, with the example flows loaded by ``designer examples load``."""
    folder = tmp_path_factory.mktemp("designer-server")
    _designer(_migrated(folder), "examples", "load")
    with running_server(folder) as running:
        yield running


@pytest.fixture(scope="module")
def secured_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """A server that requires login (``DESIGNER_AUTH=required``) and a publisher's API token."""
    folder = tmp_path_factory.mktemp("designer-secured")
    env = _migrated(folder)
    _designer(env, "user", "create", "analyst", "--role", "publisher", "--no-password")
    token = _designer(env, "token", "create", "analyst", "--label", "notebook").split()[-1]
    with running_server(folder, AUTH="required") as running:
        yield running, token


# --- a hand-made call log ----------------------------------------------------------------


TINY_FLOW: dict[str, Any] = {
    "format": "callflow/1",
    "name": "Tiny line",
    "locale": "en-US",
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "welcome", "type": "say", "data": {"text": "Welcome."}},
        {"id": "main", "type": "menu",
         "data": {"prompt": "Press 1 for sales, 2 for support.", "options": ["1", "2"]}},
        {"id": "sales", "type": "connectPstn", "data": {"number": "+46700000001"}},
        {"id": "pin", "type": "collect",
         "data": {"prompt": "Enter your PIN.", "maxDigits": 4, "variable": "pin"}},
        {"id": "agent", "type": "connectPstn", "data": {"number": "+46700000002"}},
        {"id": "sorry", "type": "say", "data": {"text": "Sorry, that is not an option."}},
        {"id": "bye", "type": "hangup"},
    ],
    "edges": [
        {"from": "start", "to": "welcome"},
        {"from": "welcome", "to": "main"},
        {"from": "main", "port": "1", "to": "sales"},
        {"from": "main", "port": "2", "to": "pin"},
        {"from": "main", "port": "timeout", "to": "bye"},
        {"from": "main", "port": "invalid", "to": "sorry"},
        {"from": "sorry", "to": "main"},
        {"from": "pin", "to": "agent"},
        {"from": "pin", "port": "timeout", "to": "bye"},
    ],
}  # fmt: skip

NODE_TYPES = {n["id"]: n["type"] for n in TINY_FLOW["nodes"]}

# callid: (started (UTC), outcome, duration s, steps).  A step is a node id, or an
# input at the menu/collect just visited: ("input", type, value, port).
TINY_CALLS: dict[str, tuple[str, str, int, list[Any]]] = {
    "c1": ("2026-01-05T09:10:00Z", "connected", 120,
           ["start", "welcome", "main", ("input", "return", "1", "1"), "sales"]),
    "c2": ("2026-01-05T09:40:00Z", "busy", 30,
           ["start", "welcome", "main", ("input", "return", "1", "1"), "sales"]),
    "c3": ("2026-01-05T10:05:00Z", "callerhangup", 8,
           ["start", "welcome", "main", ("input", "hangup", "", None)]),
    "c4": ("2026-01-05T10:30:00Z", "connected", 200,
           ["start", "welcome", "main", ("input", "return", "7", "invalid"), "sorry", "main",
            ("input", "return", "2", "2"), "pin", ("input", "sequence", "1234#", "next"),
            "agent"]),
    "c5": ("2026-01-05T14:00:00Z", "callerhangup", 20,
           ["start", "welcome", "main", ("input", "return", "2", "2"), "pin",
            ("input", "hangup", "", None)]),
    "c6": ("2026-01-05T14:20:00Z", "hangup", 25,
           ["start", "welcome", "main", ("input", "timeout", "", "timeout"), "bye"]),
    "c7": ("2026-01-05T23:59:00Z", "hangup", 30,
           ["start", "welcome", "main", ("input", "sequence", "5", "invalid"), "sorry", "main",
            ("input", "timeout", "", "timeout"), "bye"]),
    "c8": ("2026-01-05T14:50:00Z", "timeout", 45,
           ["start", "welcome", "main", ("input", "return", "1", "1"), "sales"]),
}  # fmt: skip


def tiny_trace(callid: str) -> list[dict[str, Any]]:
    """The trace events of one hand-made call, as the call log serves them."""
    started, _, duration, steps = TINY_CALLS[callid]
    events: list[dict[str, Any]] = [{"kind": "callback", "node": None,
                                     "data": {"event": "ice"}}]  # fmt: skip
    node = None
    for step in steps:
        if isinstance(step, str):
            node = step
            events.append({"kind": "node", "node": step, "data": {"type": NODE_TYPES[step]}})
        else:
            _, kind, value, port = step
            data = {"type": kind, "value": value}
            if port is not None:
                data["port"] = port
            events.append({"kind": "input", "node": node, "data": data})
    events.append({"kind": "dice", "node": node, "data": {"duration": duration}})
    return [
        {"callid": callid, "seq": i, "ts": started, "flow": "tiny", **e}
        for i, e in enumerate(events, start=1)
    ]


@pytest.fixture
def tiny_flow() -> dict[str, Any]:
    return TINY_FLOW


@pytest.fixture
def tiny_events() -> Any:
    return frames.events_frame(e for callid in TINY_CALLS for e in tiny_trace(callid))


@pytest.fixture
def tiny_calls() -> Any:
    rows = []
    for callid, (started, outcome, duration, _) in TINY_CALLS.items():
        rows.append({
            "callid": callid, "flow": "tiny", "version": 1, "number": "+46850000000",
            "cli": "+46701000001", "started": started, "ended": started, "duration": duration,
            "outcome": outcome, "path": frames.path_of(tiny_trace(callid)), "reason": None,
            "state": "ended", "simulated": True,
        })  # fmt: skip
    return frames.calls_frame(rows)
