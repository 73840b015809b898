"""Fixtures for the runtime tests: a published support line, an app, a fixed clock.

``app``/``client`` use the in-memory repository and bus (fast, no services);
the PostgreSQL and Redis fixtures make a fresh database per session and skip
when the server is unreachable, except in CI.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from psycopg import sql

from designer.repository import Application, NumberBinding, Repository
from designer.storage import MemoryRepository
from designer.web import create_app
from tests.conftest import need_service
from tests.runtime.flows import CALLER, LINE, support_line

PG_SERVERS = [
    os.environ.get("DESIGNER_TEST_POSTGRES_URL", ""),
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
]
REDIS_URL = os.environ.get("DESIGNER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# A Wednesday, 11:00 in Stockholm: the support line is open.
OPEN = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
# A Saturday: closed.
WEEKEND = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand; the app reads it through ``CLOCK``."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def publish(
    repo: Repository,
    document: dict[str, Any],
    number: str | None = LINE,
    now: datetime = OPEN,
    application: str | None = None,
) -> str:
    """Create, publish and (optionally) bind a flow; returns its id."""
    flow = repo.create_flow(document, now)
    repo.publish(flow.id, "published by the test", "tests", now)
    if number is not None:
        repo.bind_number(
            NumberBinding(number=number, flow_id=flow.id, application_key=application), now
        )
    return flow.id


@dataclass
class Caller:
    """Sends the callbacks of one call the way the platform does (JSON over HTTP)."""

    client: Any
    callid: str
    to: str = LINE
    cli: str = CALLER
    path: str = "/voice/callback"
    second: int = 0

    def _stamp(self) -> str:
        self.second += 1
        return f"2026-11-25T10:{self.second // 60:02d}:{self.second % 60:02d}Z"

    def send(self, payload: dict[str, Any], path: str | None = None) -> tuple[int, Any]:
        response = self.client.post(path or self.path, json=payload)
        assert response.status_code < 500, response.get_data(as_text=True)
        return response.status_code, response.get_json()

    def ice(self, **extra: Any) -> dict[str, Any]:
        payload = {"event": "ice", "callid": self.callid, "timestamp": self._stamp(),
                   "version": 1, "cli": self.cli, "to": {"type": "number", "endpoint": self.to},
                   "domain": "pstn", "applicationKey": "app-key", "originationType": "PSTN",
                   **extra}  # fmt: skip
        return self.ok(payload)

    def pie(self, kind: str, value: str | None = None, menu: str = "main") -> dict[str, Any]:
        result = {"menuId": menu, "type": kind, "inputMethod": "dtmf"}
        if value is not None:
            result["value"] = value
        return self.ok({"event": "pie", "callid": self.callid, "timestamp": self._stamp(),
                        "version": 1, "menuResult": result})  # fmt: skip

    def ace(self) -> dict[str, Any]:
        return self.ok(
            {"event": "ace", "callid": self.callid, "timestamp": self._stamp(), "version": 1}
        )

    def dice(self, reason: str = "CALLERHANGUP", result: str = "ANSWERED", duration: int = 42):
        return self.ok({"event": "dice", "callid": self.callid, "timestamp": self._stamp(),
                        "version": 1, "reason": reason, "result": result,
                        "duration": duration, "from": self.cli,
                        "to": {"type": "number", "endpoint": self.to}})  # fmt: skip

    def ok(self, payload: dict[str, Any]) -> dict[str, Any]:
        status, body = self.send(payload)
        assert status == 200, body
        return body


@pytest.fixture
def clock() -> Clock:
    return Clock(OPEN)


@pytest.fixture
def repo() -> MemoryRepository:
    return MemoryRepository()


@pytest.fixture
def support_flow(repo: MemoryRepository) -> str:
    return publish(repo, support_line())


@pytest.fixture
def app(repo: MemoryRepository, clock: Clock):
    return create_app({"REPOSITORY": repo, "CLOCK": clock, "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def caller(client) -> Callable[[str], Caller]:
    return lambda callid="call-1": Caller(client, callid)


def add_application(repo: Repository, key: str, secret: str | None) -> None:
    repo.add_application(Application(key=key, secret=secret, name=key))


# --- services ---------------------------------------------------------------------


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_admin_url() -> str | None:
    for url in filter(None, PG_SERVERS):
        try:
            with psycopg.connect(_dsn(url), connect_timeout=3):
                return url
        except psycopg.Error:
            continue
    return None


@pytest.fixture(scope="session")
def pg_url(pg_admin_url: str | None) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this session (dropped at the end)."""
    need_service(pg_admin_url is not None, "PostgreSQL at 127.0.0.1:5432")
    assert pg_admin_url is not None
    from designer.storage.migrate import upgrade

    name = f"designer_runtime_{secrets.token_hex(5)}"
    with psycopg.connect(_dsn(pg_admin_url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = pg_admin_url.rsplit("/", 1)[0] + "/" + name
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    upgrade(url)
    yield url
    with psycopg.connect(_dsn(pg_admin_url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def redis_url() -> str:
    need_service(port_open("127.0.0.1", 6379), "Redis at 127.0.0.1:6379")
    return REDIS_URL
