"""Fixtures for the fault-injection tests: real servers, and proxies that fail them.

The app runs under gunicorn (two gthread workers, the production
configuration) against a fresh PostgreSQL database holding the example
support line, bound to ``LINE``.  PostgreSQL and Redis are shared with other
suites running at the same time, so faults are injected by a ``FaultProxy``
between the app and each server, never by stopping the server (the one
exception, ``test_redis_restart.py``, runs only in CI).
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from designer import examples
from designer.repository import NumberBinding, Repository
from designer.storage import open_repository
from designer.storage.deadline import BREAKER_OPEN_S
from tests.conftest import need_service
from tests.faults.calls import LINE, Call, place_call
from tests.faults.proxy import FaultProxy
from tests.faults.server import Gunicorn

PG_SERVERS = [
    os.environ.get("DESIGNER_TEST_POSTGRES_URL", ""),
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
]
REDIS_URL = os.environ.get("DESIGNER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _reachable(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class Database:
    url: str  # postgresql+psycopg://... of the fresh database
    flow_id: str  # the example support line, published and bound to LINE

    def through(self, proxy: FaultProxy) -> str:
        """The same database reached through ``proxy``."""
        return make_url(self.url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)


@pytest.fixture(scope="session")
def database() -> Iterator[Database]:
    admin = None
    for url in filter(None, PG_SERVERS):
        try:
            with psycopg.connect(_dsn(url), connect_timeout=3):
                admin = url
                break
        except psycopg.Error:
            continue
    need_service(admin is not None, "PostgreSQL at 127.0.0.1:5432")
    assert admin is not None
    name = f"designer_faults_{secrets.token_hex(5)}"
    with psycopg.connect(_dsn(admin), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/" + name
    try:
        repo = open_repository(url, migrate=True)
        now = datetime.now(UTC)
        flow = repo.create_flow(examples.document("support_line"), now)
        repo.publish(flow.id, "fault tests", "tests", now)
        repo.bind_number(NumberBinding(number=LINE, flow_id=flow.id), now)
        repo.close()  # type: ignore[attr-defined]
        yield Database(url, flow.id)
    finally:
        with psycopg.connect(_dsn(admin), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="session")
def repo(database: Database) -> Iterator[Repository]:
    """The test's own view of the database (direct, never through a proxy)."""
    repository = open_repository(database.url)
    yield repository
    repository.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def redis_address() -> tuple[str, int]:
    parsed = urlsplit(REDIS_URL)
    address = (parsed.hostname or "127.0.0.1", parsed.port or 6379)
    need_service(_reachable(address), f"Redis at {address[0]}:{address[1]}")
    return address


@pytest.fixture
def pg_proxy(database: Database) -> Iterator[FaultProxy]:
    target = make_url(database.url)
    with FaultProxy((target.host or "127.0.0.1", target.port or 5432)) as proxy:
        yield proxy


@pytest.fixture
def redis_proxy(redis_address: tuple[str, int]) -> Iterator[FaultProxy]:
    with FaultProxy(redis_address) as proxy:
        yield proxy


def redis_url(address: tuple[str, int] | FaultProxy) -> str:
    if isinstance(address, FaultProxy):
        return f"redis://127.0.0.1:{address.port}/0"
    return f"redis://{address[0]}:{address[1]}/0"


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., Gunicorn]]:
    """``start_server(database_url, redis_url, **DESIGNER_settings)``: a running gunicorn."""
    servers: list[Gunicorn] = []

    def start(database_url: str, redis: str, workers: int = 2, **settings: str) -> Gunicorn:
        env = {"DESIGNER_DATABASE_URL": database_url, "DESIGNER_REDIS_URL": redis}
        env.update({f"DESIGNER_{k.upper()}": str(v) for k, v in settings.items()})
        server = Gunicorn(tmp_path, env, workers=workers)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def calls() -> Iterator[Callable[..., Call]]:
    """``calls(base_url, name)``: a simulated call (not started), closed after the test."""
    made: list[Call] = []

    def make(base_url: str, name: str = "fault") -> Call:
        made.append(place_call(base_url, name))
        return made[-1]

    yield make
    for call in made:
        call.close()


def wait_healthy(server: Gunicorn, timeout: float = 20.0, status: str = "ok") -> dict:
    """Poll ``/healthz`` until it reports ``status`` (each worker answers for itself).

    The answers may all come from one worker.  Another one whose callbacks
    failed during an outage keeps its circuit breaker open for
    ``BREAKER_OPEN_S`` after its last failure (callbacks then fail fast with
    the apology), and only a query of its own closes it: so the answers must
    also span longer than that window, after which its next callback probes.
    """
    deadline = time.monotonic() + timeout
    body: dict = {}
    streak = 0
    since = 0.0
    while time.monotonic() < deadline:
        try:
            body = httpx.get(f"{server.url}/healthz", timeout=5).json()
        except (httpx.HTTPError, ValueError):
            body = {}
        if body.get("status") == status:
            streak += 1
            since = since or time.monotonic()
        else:
            streak, since = 0, 0.0
        if streak >= 4 and time.monotonic() - since > BREAKER_OPEN_S:
            return body
        time.sleep(0.1)
    raise AssertionError(f"/healthz never reported {status!r}; last: {body}")
