"""Database URLs, engines and the translation of driver errors.

Two backends are supported: SQLite (the embedded default, a file under
``instance/``) and PostgreSQL through psycopg 3 (for several workers or
hosts).  The engine settings are chosen for a server that must answer a
Sinch callback within 5 seconds:

- PostgreSQL: ``pool_pre_ping`` so a connection the server dropped is
  replaced instead of failing a callback; a 3 s ``connect_timeout`` and a 5 s
  wait for a pooled connection, so a dead database fails fast; an optional
  ``statement_timeout``.
- SQLite: WAL journal (readers never block the writer), a busy timeout so
  concurrent writers queue instead of failing with "database is locked", and
  ``BEGIN IMMEDIATE`` for write transactions so that two writers never both
  read first and then collide when upgrading to a write lock (which SQLite
  reports at once, whatever the busy timeout).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import StaticPool

from designer.errors import (
    BadRequest,
    ConfigError,
    Conflict,
    DesignerError,
    NotMigrated,
    StorageUnavailable,
)

ENV_URL = "DESIGNER_DATABASE_URL"
DEFAULT_URL = "sqlite:///instance/designer.db"
SUPPORTED = (
    "sqlite:///PATH (relative to the current directory), sqlite:////ABSOLUTE/PATH, "
    "or postgresql://USER@HOST:PORT/DB"
)
CONNECT_TIMEOUT_S = 3
POOL_TIMEOUT_S = 5
SQLITE_BUSY_TIMEOUT_S = 15
WRITE = "designer_write"  # execution option: this transaction will write


def database_url(explicit: str | None = None) -> str:
    """The explicit URL, else ``$DESIGNER_DATABASE_URL``, else the SQLite file under instance/."""
    return explicit or os.environ.get(ENV_URL) or DEFAULT_URL


def normalize_url(url: str) -> str:
    """Accept ``postgres://``/``postgresql://`` (as hosting platforms print them) for psycopg 3."""
    if not isinstance(url, str) or not url.strip():
        raise ConfigError(f"empty database URL; use {SUPPORTED}")
    url = url.strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"cannot parse database URL {url!r}; use {SUPPORTED}") from None
    if parsed.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        raise ConfigError(
            f"unsupported database URL {redact(parsed)!r}: use {SUPPORTED}",
            details={"scheme": parsed.drivername},
        )
    return url


def redact(url: str | URL) -> str:
    """The URL with its password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def is_memory_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def make_engine(
    url: str,
    *,
    statement_timeout_ms: int | None = None,
    connect_timeout_s: int = CONNECT_TIMEOUT_S,
    pool_size: int = 5,
    max_overflow: int = 10,
    foreign_keys: bool = True,
) -> Engine:
    """An engine for ``url`` with the settings described in the module docstring.

    A SQLite file's folder is created when missing.  ``sqlite://`` (in memory)
    uses one shared connection: fine for a single thread, not for a server.
    ``foreign_keys=False`` leaves SQLite's enforcement off (migrations need
    that while batch mode copies tables).
    """
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, foreign_keys=foreign_keys)
    connect_args: dict[str, Any] = {"connect_timeout": max(2, int(connect_timeout_s))}
    if statement_timeout_ms:
        connect_args["options"] = f"-c statement_timeout={int(statement_timeout_ms)}"
    return create_engine(
        parsed,
        connect_args=connect_args,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=POOL_TIMEOUT_S,
        pool_recycle=1800,
    )


def _sqlite_engine(url: URL, *, foreign_keys: bool) -> Engine:
    memory = is_memory_sqlite(url)
    kwargs: dict[str, Any] = {
        "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
    }
    if memory:
        kwargs["poolclass"] = StaticPool
    else:
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _is_missing_table(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def translate(exc: SQLAlchemyError, url: str | URL | None = None) -> DesignerError:
    """One ``DesignerError`` for a driver error, so callers never see a traceback."""
    where = f" ({redact(url)})" if url is not None else ""
    if isinstance(exc, PoolTimeout):
        return StorageUnavailable(
            f"no database connection free within {POOL_TIMEOUT_S} s{where}: the server is busy"
        )
    if isinstance(exc, DBAPIError):
        if _is_missing_table(exc):
            return NotMigrated(f"the database{where} has no tables yet: run `designer db upgrade`")
        if isinstance(exc, IntegrityError):
            return Conflict(f"the change conflicts with stored data: {_first_line(exc)}")
        if isinstance(exc, DataError):
            return BadRequest(f"the database refused a value: {_first_line(exc)}")
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            return StorageUnavailable(f"database unavailable{where}: {_first_line(exc)}")
    return StorageUnavailable(f"database error{where}: {_first_line(exc)}")


def _first_line(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__
