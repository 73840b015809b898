"""Opening storage: URLs, engine settings, and failing fast and clearly."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from designer.errors import ConfigError, StorageUnavailable
from designer.storage import MemoryRepository, SqlRepository, database_url, open_repository
from designer.storage.engine import (
    CONNECT_TIMEOUT_S,
    DEFAULT_URL,
    SQLITE_BUSY_TIMEOUT_S,
    make_engine,
    normalize_url,
    redact,
    translate,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        (" sqlite:///instance/designer.db ", "sqlite:///instance/designer.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_normalize_url(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("mysql://root:hunter2@h/db", r"unsupported database URL 'mysql://root:\*\*\*@h/db'"),
        ("postgresql+psycopg2://u@h/db", "unsupported database URL"),
        ("not a url", "cannot parse database URL"),
        ("", "empty database URL"),
    ],
)
def test_bad_urls_are_named_with_what_is_supported(given: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        normalize_url(given)
    assert "postgresql://USER@HOST" in err.value.message
    assert "hunter2" not in err.value.message


def test_redact_hides_passwords() -> None:
    assert redact("postgresql+psycopg://u:secret@h/db") == "postgresql+psycopg://u:***@h/db"


def test_database_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESIGNER_DATABASE_URL", raising=False)
    assert database_url() == DEFAULT_URL == "sqlite:///instance/designer.db"
    monkeypatch.setenv("DESIGNER_DATABASE_URL", "postgresql://u@h/db")
    assert database_url() == "postgresql://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_memory_url_opens_the_memory_repository() -> None:
    assert isinstance(open_repository("memory://"), MemoryRepository)


def test_sqlite_file_settings_and_folder(tmp_path: Path) -> None:
    repo = open_repository(f"sqlite:///{tmp_path / 'new' / 'dir' / 'd.db'}", migrate=True)
    assert isinstance(repo, SqlRepository)
    assert (tmp_path / "new" / "dir" / "d.db").is_file()
    with repo.engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    assert pragma["journal_mode"] == "wal"
    assert pragma["foreign_keys"] == 1
    # The repository's own writers queue on its WriteLock; the busy timeout only bounds
    # the wait for other writers (migrations, tools), within a callback's 5 s budget.
    assert pragma["busy_timeout"] == SQLITE_BUSY_TIMEOUT_S * 1000 <= 3000
    repo.close()


def test_sqlite_default_url_is_relative_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DESIGNER_DATABASE_URL", raising=False)
    repo = open_repository(migrate=True)
    assert (tmp_path / "instance" / "designer.db").is_file()
    repo.close()


def test_unreachable_postgres_fails_fast_with_a_clear_error() -> None:
    started = time.monotonic()
    with pytest.raises(StorageUnavailable, match=r"database unavailable \(postgresql"):
        open_repository("postgresql://nobody@127.0.0.1:9/designer")
    assert time.monotonic() - started < 5


def test_a_server_that_never_answers_fails_after_the_connect_timeout() -> None:
    """A listener that accepts TCP but never speaks (a hung server) must not hang a callback."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(StorageUnavailable, match="database unavailable"):
            open_repository(f"postgresql://nobody@127.0.0.1:{port}/designer")
        elapsed = time.monotonic() - started
    assert CONNECT_TIMEOUT_S - 0.5 <= elapsed < CONNECT_TIMEOUT_S + 3


@pytest.mark.postgres
def test_postgres_engine_settings(pg_url: str) -> None:
    repo = open_repository(pg_url, statement_timeout_ms=250)
    assert isinstance(repo, SqlRepository)
    with repo.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "250ms"
    repo.close()


@pytest.mark.postgres
def test_a_query_over_the_statement_timeout_is_storage_unavailable(pg_url: str) -> None:
    engine = make_engine(pg_url, statement_timeout_ms=100)
    try:
        with pytest.raises(OperationalError) as err, engine.connect() as conn:
            conn.exec_driver_sql("SELECT pg_sleep(2)")
        translated = translate(err.value, engine.url)
        assert isinstance(translated, StorageUnavailable)
        assert "statement timeout" in translated.message
    finally:
        engine.dispose()


def _kill_backends(repo: SqlRepository) -> None:
    """Terminate the server side of every pooled connection (as a database restart would)."""
    dsn = repo.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.mark.postgres
def test_a_dropped_idle_connection_is_replaced_before_use(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("designer.storage.engine.PING_AFTER_IDLE_S", 0.05)
    repo = open_repository(pg_url)
    assert isinstance(repo, SqlRepository)
    repo.list_applications()  # a connection now idles in the pool
    _kill_backends(repo)
    time.sleep(0.1)
    assert repo.list_applications() == []  # pinged, found dead, replaced: no error
    assert repo.load_callback("nobody", "ice:x").call is None
    repo.close()


@pytest.mark.postgres
def test_a_connection_dropped_in_use_renews_the_pool(pg_url: str) -> None:
    repo = open_repository(pg_url)
    assert isinstance(repo, SqlRepository)
    with repo.engine.connect() as a, repo.engine.connect() as b:  # two pooled connections
        a.exec_driver_sql("SELECT 1")
        b.exec_driver_sql("SELECT 1")
    _kill_backends(repo)  # both die while idle for less than PING_AFTER_IDLE_S
    # The hot-path read meets a dead connection, renews the pool and reads again.
    assert repo.load_callback("nobody", "ice:x").last_seq == 0
    assert repo.load_callback("nobody", "ice:x").answer is None
    repo.close()
