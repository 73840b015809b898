"""Fixtures for the HTTP tests: an app per test on each storage backend.

``repo_url`` runs every API test on the in-memory repository, on SQLite (a
migrated file of the test's own) and on PostgreSQL (one database per session,
emptied between tests; skipped locally when the server is missing, required
in CI).  The database fixtures are the storage suite's, imported rather than
copied.

``client`` records every response; after the test it fails if any was a 5xx
or an ``/api/`` error that is not the JSON error shape, so every test checks
the "never 500" rule and the error format as a side effect.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from designer.storage.models import Base
from designer.web import create_app
from tests.storage.conftest import (  # noqa: F401  (fixtures)
    pg_admin_url,
    pg_database,
    pg_url,
    sqlite_template,
    sqlite_url,
)
from tests.web.documents import flow_doc


class Clock:
    """A fixed, adjustable clock injected into the app (the app never reads real time)."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


class RecordingClient(FlaskClient):
    """A test client that keeps every response for the checks made after each test."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[tuple[str, str, Any]] = []

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = super().open(*args, **kwargs)
        request = response.request
        self.seen.append((request.method, request.path, response))
        return response


def _empty_postgres(url: str) -> None:
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def repo_url(request: pytest.FixtureRequest) -> str:
    """The database URL of this test's app, on each backend in turn."""
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    url = request.getfixturevalue("pg_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
def app(repo_url: str, clock: Clock) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": repo_url, "TESTING": True, "CLOCK": clock})
    app.test_client_class = RecordingClient
    yield app
    close = getattr(app.extensions["designer"].repo, "close", None)
    if close is not None:
        close()


@pytest.fixture
def client(app: Flask) -> Iterator[RecordingClient]:
    client = app.test_client()
    yield client
    for method, path, response in client.seen:
        assert response.status_code < 500, f"{method} {path} answered {response.status_code}"
        if response.status_code >= 400 and path.startswith("/api/"):
            body = response.get_json(silent=True)
            assert isinstance(body, dict) and set(body) == {"error"}, (method, path, body)
            assert set(body["error"]) == {"code", "message", "details"}, (method, path, body)
            assert body["error"]["message"], (method, path, body)


@pytest.fixture
def make_flow(client: RecordingClient):
    """Create a flow through the API; returns its JSON (with id and revision)."""

    def make(doc: dict[str, Any] | None = None) -> dict[str, Any]:
        response = client.post("/api/flows", json=doc or flow_doc())
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def published_flow(client: RecordingClient, make_flow) -> dict[str, Any]:
    """A flow with version 1 published."""
    flow = make_flow()
    response = client.post(f"/api/flows/{flow['id']}/versions", json={"comment": "first"})
    assert response.status_code == 201, response.get_json()
    return client.get(f"/api/flows/{flow['id']}").get_json()
