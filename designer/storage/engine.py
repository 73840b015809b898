"""Database URLs, engines and the translation of driver errors.

Two backends are supported: SQLite (the embedded default, a file under
``instance/``) and PostgreSQL through psycopg 3 (for several workers or
hosts).  The engine settings are chosen for a server that must answer a
Sinch callback within 5 seconds:

- PostgreSQL: a pooled connection that sat idle for ``PING_AFTER_IDLE_S``
  is pinged before use and replaced if the server dropped it (SQLAlchemy's
  ``pool_pre_ping`` would ping on every checkout: a round trip per query on
  the callback hot path); a dropped connection found in use makes the
  callback hot path renew the whole pool (``designer.storage.fastpath``).
  A 3 s ``connect_timeout`` and a 3 s wait for a pooled connection, so a dead
  database fails fast; an optional ``statement_timeout``.
- SQLite: WAL journal (readers never block the writer) with
  ``synchronous=NORMAL`` (a commit appends to the WAL without an fsync; a
  power cut may lose the last transactions but never corrupts the file), and
  ``BEGIN IMMEDIATE`` for write transactions so that two writers never both
  read first and then collide when upgrading to a write lock (which SQLite
  reports at once, whatever the busy timeout).  Writers of the repository
  queue on a ``WriteLock`` (a thread lock plus an ``flock`` shared by every
  process using the file) before ``BEGIN IMMEDIATE``: SQLite's own busy
  handler sleeps 1, 2, 5, 10... ms between attempts, so under load writers
  slept while the database sat idle, whereas a queued writer starts the
  moment the previous one commits.  The busy timeout remains for writers
  outside the repository (migrations, other tools).

Every wait is bounded so that a Sinch callback, which must be answered within
5 s, still gets its (safe) answer when the database is slow or gone.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    DBAPIError,
    DisconnectionError,
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
from designer.storage.deadline import BoundedConnection

ENV_URL = "DESIGNER_DATABASE_URL"
DEFAULT_URL = "sqlite:///instance/designer.db"
SUPPORTED = (
    "sqlite:///PATH (relative to the current directory), sqlite:////ABSOLUTE/PATH, "
    "or postgresql://USER@HOST:PORT/DB"
)
# Sinch waits 5 s for a callback's answer: no single wait may use that up.
CONNECT_TIMEOUT_S = 3
POOL_TIMEOUT_S = 3  # for a free pooled connection
SQLITE_BUSY_TIMEOUT_S = 2  # for a writer outside the repository (see WriteLock)
WRITE_LOCK_TIMEOUT_S = 2  # for the repository's own writers, threads and processes
WRITE_WAIT_S = 2  # for a callback step queued for the group writer (designer.storage.groupcommit)
PING_AFTER_IDLE_S = 1.0  # a PostgreSQL connection idle that long is pinged before use
HOT_STATEMENT_TIMEOUT_MS = 2500  # PostgreSQL statements of the callback hot path
_IDLE_SINCE = "designer_idle_since"  # in a pooled connection's record.info
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
    connect_args: dict[str, Any] = {
        "connect_timeout": max(2, int(connect_timeout_s)),
        # a server host that vanished mid-query (no reset ever comes): give up on
        # unacknowledged data after 3 s, and probe an idle connection after 3 s
        "tcp_user_timeout": 3000,
        "keepalives": 1,
        "keepalives_idle": 3,
        "keepalives_interval": 1,
        "keepalives_count": 2,
    }
    if statement_timeout_ms:
        connect_args["options"] = f"-c statement_timeout={int(statement_timeout_ms)}"
    engine = create_engine(
        parsed,
        connect_args=connect_args,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=POOL_TIMEOUT_S,
        pool_recycle=1800,
    )

    @event.listens_for(engine, "do_connect")
    def _bounded_connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        # its waits end with the request's time budget (designer.storage.deadline)
        return BoundedConnection.connect(*cargs, **cparams)

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"the pooled connection was dropped: {exc}") from exc
        if not alive:
            raise DisconnectionError("the pooled connection was dropped")

    return engine


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


class WriteLock:
    """Serialises a SQLite file's write transactions: threads by a lock, processes by ``flock``.

    ``hold()`` waits at most ``timeout`` seconds, then raises
    ``StorageUnavailable``.  The lock file sits next to the database
    (``<name>.writelock``) and is opened on first use in each process (after
    a fork the child opens its own: ``flock`` locks belong to the open file).
    ``path`` None (an in-memory database) locks the threads only.
    """

    def __init__(self, path: Path | None, timeout: float = WRITE_LOCK_TIMEOUT_S) -> None:
        self.path = path
        self.timeout = timeout
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int | None:
        if self.path is None:
            return None
        if self._fd is None or self._pid != os.getpid():
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as exc:
                raise StorageUnavailable(
                    f"cannot open the SQLite write lock {self.path}: {exc.strerror}"
                ) from None
            self._pid = os.getpid()
        return self._fd

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None

    @contextmanager
    def hold(self) -> Iterator[None]:
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=self.timeout):
            raise self._busy()
        try:
            fd = self._file()
            if fd is None:
                yield
                return
            pause = 0.00005
            while True:  # another process holds it: poll briefly (flock has no timeout)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise self._busy() from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.001)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _busy(self) -> StorageUnavailable:
        return StorageUnavailable(
            f"the SQLite database stayed busy with other writers for {self.timeout:g} s"
        )


def write_lock(engine: Engine) -> WriteLock | None:
    """A ``WriteLock`` for a SQLite engine's file (None for PostgreSQL).

    Each lock opens its own descriptor of the lock file, so two locks on one
    file exclude each other even within a process.
    """
    if engine.dialect.name != "sqlite":
        return None
    if is_memory_sqlite(engine.url):
        return WriteLock(None)
    database = Path(engine.url.database).expanduser().resolve()
    return WriteLock(database.with_name(database.name + ".writelock"))


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
