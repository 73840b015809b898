"""Fixtures for the storage tests: one repository contract, three backends.

``repo`` is parametrised over the in-memory repository, SQLite (a fresh file
per test, copied from one migrated template) and PostgreSQL (one database
with a random name per test session, created through the ``test`` database,
emptied between tests and dropped at the end, so concurrent runs never
collide).  PostgreSQL tests skip when the server is unreachable, except in CI.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from designer.repository import Repository
from designer.storage import MemoryRepository, SqlRepository, open_repository
from designer.storage.migrate import upgrade
from designer.storage.models import Base
from tests.conftest import need_service

# Where to create test databases; override with DESIGNER_TEST_POSTGRES_URL.
PG_SERVERS = [
    os.environ.get("DESIGNER_TEST_POSTGRES_URL", ""),
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
]


def _psycopg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(scope="session")
def pg_admin_url() -> str | None:
    """The URL of a reachable server's ``test`` database, or None."""
    for url in filter(None, PG_SERVERS):
        try:
            with psycopg.connect(_psycopg_dsn(url), connect_timeout=3):
                return url
        except psycopg.Error:
            continue
    return None


@pytest.fixture(scope="session")
def pg_database(pg_admin_url: str | None) -> Iterator[Callable[[], str]]:
    """Make fresh, empty databases named ``designer_test_<random>``; all dropped at the end."""
    made: list[str] = []

    def make() -> str:
        need_service(pg_admin_url is not None, "PostgreSQL at 127.0.0.1:5432")
        assert pg_admin_url is not None
        name = f"designer_test_{secrets.token_hex(6)}"
        with psycopg.connect(_psycopg_dsn(pg_admin_url), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        made.append(name)
        return pg_admin_url.rsplit("/", 1)[0] + "/" + name

    yield make
    if made and pg_admin_url:
        with psycopg.connect(_psycopg_dsn(pg_admin_url), autocommit=True) as conn:
            for name in made:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


@pytest.fixture(scope="session")
def pg_url(pg_database: Callable[[], str]) -> str:
    """One migrated PostgreSQL database for the contract suite."""
    url = pg_database()
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def pg_scratch_url(pg_database: Callable[[], str]) -> str:
    return pg_database()


@pytest.fixture
def pg_empty_url(pg_scratch_url: str) -> str:
    """An empty PostgreSQL database (a scratch database whose schema is recreated)."""
    with psycopg.connect(_psycopg_dsn(pg_scratch_url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return pg_scratch_url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "designer.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite file of this test's own."""
    path = tmp_path / "designer.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


def _empty(repo: SqlRepository) -> None:
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with repo.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def repo(request: pytest.FixtureRequest) -> Iterator[Repository]:
    """The repository under test, on each backend in turn."""
    backend: str = request.param
    if backend == "memory":
        yield MemoryRepository()
        return
    if backend == "sqlite":
        url = request.getfixturevalue("sqlite_url")
        repository = open_repository(url)
        yield repository
        repository.close()
        return
    url = request.getfixturevalue("pg_url")
    repository = open_repository(url)
    _empty(repository)
    yield repository
    repository.close()
