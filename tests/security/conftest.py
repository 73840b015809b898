"""Fixtures for the access-control and hardening tests.

``secure_app`` is the real application with login required (in memory, a
fixed clock, a known session key); ``people`` creates one user per role
with a password and an API token.  ``login`` signs a test client in through
the real form, as a browser does, and ``csrf`` reads the page's token.

Password hashing runs with a smaller scrypt cost here (``fast_hashing``):
the algorithm and format are the production ones, only N is lower, so the
suite spends its time on behaviour rather than key stretching.  One test in
``test_accounts.py`` checks the production parameters explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from designer import accounts
from designer.web import create_app
from designer.web.access import access_state
from tests.storage.conftest import (  # noqa: F401  (the storage suite's database fixtures)
    pg_admin_url,
    pg_database,
    pg_url,
    sqlite_template,
    sqlite_url,
)

PASSWORD = "correct horse battery staple"
ROLES = ("viewer", "editor", "publisher", "admin")
SESSION_KEY = "k" * 64
_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class Clock:
    """The app's clock, moved by hand."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "SCRYPT_N", 2**10)


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
def make_app(clock: Clock) -> Iterator[Callable[..., Flask]]:
    """A fresh app; keyword arguments are config keys over the secure defaults.

    Every app's database connections are closed after the test.
    """
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        base = {
            "DATABASE_URL": "memory://",
            "AUTH": "required",
            "SECRET_KEY": SESSION_KEY,
            "CLOCK": clock,
            "TESTING": True,
        }
        made.append(create_app({**base, **config}))
        return made[-1]

    yield make
    for app in made:
        close = getattr(app.extensions["designer"].repo, "close", None)
        if close is not None:
            close()


@pytest.fixture
def secure_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@dataclass
class Person:
    name: str
    role: str
    token: str

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def add_people(app: Flask, now: datetime) -> dict[str, Person]:
    store = access_state(app).store
    people = {}
    for role in ROLES:
        accounts.create_user(store, f"{role}-user", role, PASSWORD, now)
        _record, text = accounts.issue_token(store, f"{role}-user", "tests", now)
        people[role] = Person(name=f"{role}-user", role=role, token=text)
    return people


@pytest.fixture
def people(secure_app: Flask, now: datetime) -> dict[str, Person]:
    """One user per role (``<role>-user``, password ``PASSWORD``) with an API token each."""
    return add_people(secure_app, now)


def csrf_from(html: str) -> str:
    found = _META.search(html) or _FIELD.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def login(client: FlaskClient, name: str, password: str = PASSWORD, **extra: str) -> Any:
    """Sign in through the form, as a browser does; returns the POST's response."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login", data={"username": name, "password": password, "csrf_token": token, **extra}
    )


def csrf(client: FlaskClient) -> str:
    """The CSRF token of the client's session."""
    with client.session_transaction() as session:
        return session["csrf"]


@pytest.fixture
def signed_in(secure_app: Flask, people: dict[str, Person]) -> Callable[[str], FlaskClient]:
    """A test client signed in as the user of ``role``."""

    def sign_in(role: str) -> FlaskClient:
        client = secure_app.test_client()
        response = login(client, people[role].name)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


MINIMAL_FLOW = {
    "format": "callflow/1",
    "name": "Minimal",
    "nodes": [{"id": "start", "type": "start"}, {"id": "bye", "type": "hangup"}],
    "edges": [{"from": "start", "to": "bye"}],
}


@pytest.fixture
def flow_id(secure_app: Flask, clock: Clock) -> Iterator[str]:
    record = secure_app.extensions["designer"].repo.create_flow(MINIMAL_FLOW, clock())
    yield record.id
