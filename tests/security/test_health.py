"""``GET /healthz``: no login, fast, 200 when calls can be answered, 503 JSON when not."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from designer.storage import SqlRepository
from designer.storage.engine import make_engine
from designer.storage.migrate import downgrade
from tests.conftest import need_service


def health(app: Flask) -> tuple[int, dict[str, Any], float]:
    started = time.monotonic()
    response = app.test_client().get("/healthz")
    return response.status_code, response.get_json(), time.monotonic() - started


def test_up_in_memory_without_login(secure_app: Flask) -> None:
    status, body, _ = health(secure_app)  # login is required, yet no credentials are sent
    assert status == 200
    assert body == {
        "status": "ok",
        "database": {"status": "ok", "backend": "memory"},
        "migrations": {"status": "not-applicable"},
        "redis": {"status": "not-configured"},
    }


def test_up_on_sqlite(make_app: Callable[..., Flask], sqlite_url: str) -> None:
    status, body, elapsed = health(make_app(DATABASE_URL=sqlite_url))
    assert status == 200 and body["status"] == "ok"
    assert body["database"]["status"] == "ok" and body["database"]["backend"] == "sqlite"
    assert body["migrations"]["status"] == "current"
    assert elapsed < 1


@pytest.mark.postgres
def test_up_on_postgres(make_app: Callable[..., Flask], pg_url: str) -> None:
    status, body, _ = health(make_app(DATABASE_URL=pg_url))
    assert status == 200 and body["database"]["backend"] == "postgresql"


def test_a_broken_database_url_is_503_json(make_app: Callable[..., Flask]) -> None:
    """The server started (its repository was handed in), then the database is unreachable."""
    broken = SqlRepository(make_engine("postgresql://nobody@127.0.0.1:1/nothing"))
    status, body, elapsed = health(make_app(REPOSITORY=broken))
    assert status == 503
    assert body["status"] == "down"
    assert body["database"]["status"] == "down" and "unavailable" in body["database"]["error"]
    assert body["migrations"] == {"status": "unknown"}
    assert elapsed < 2


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word (a hung database)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    for conn in held:
        conn.close()
    listener.close()


def test_a_hung_database_answers_within_the_deadline(
    make_app: Callable[..., Flask], silent_server: int
) -> None:
    hung = SqlRepository(make_engine(f"postgresql://nobody@127.0.0.1:{silent_server}/x"))
    app = make_app(REPOSITORY=hung, HEALTH_TIMEOUT_MS=300)
    status, body, elapsed = health(app)
    assert status == 503 and body["database"]["error"] == "no answer within 0.3 s"
    assert elapsed < 1.0
    # Probing again while the first check still hangs starts no second one.
    status, _, elapsed = health(app)
    assert status == 503 and elapsed < 1.0
    probes = [t for t in threading.enumerate() if t.name == "healthz-database"]
    assert len(probes) <= 1
    for probe in probes:  # it gives up at the driver's connect timeout
        probe.join(timeout=10)
    hung.close()


def test_an_outdated_schema_is_down(make_app: Callable[..., Flask], sqlite_url: str) -> None:
    downgrade(sqlite_url, "0001")
    behind = SqlRepository(make_engine(sqlite_url))
    status, body, _ = health(make_app(REPOSITORY=behind))
    assert status == 503
    assert body["migrations"]["status"] == "behind" and body["migrations"]["revision"] == "0001"
    behind.close()


def test_redis_down_is_degraded(make_app: Callable[..., Flask]) -> None:
    status, body, elapsed = health(make_app(REDIS_URL="redis://127.0.0.1:1/0"))
    assert status == 200
    assert body["status"] == "degraded" and body["redis"]["status"] == "down"
    assert elapsed < 2


@pytest.mark.redis
def test_redis_up(make_app: Callable[..., Flask]) -> None:
    with socket.socket() as probe:
        need_service(probe.connect_ex(("127.0.0.1", 6379)) == 0, "Redis at 127.0.0.1:6379")
    status, body, _ = health(make_app(REDIS_URL="redis://127.0.0.1:6379/0"))
    assert status == 200 and body["status"] == "ok" and body["redis"] == {"status": "ok"}
