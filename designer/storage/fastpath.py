"""The callback hot path on the database driver: one read and one write per callback.

Sinch waits at most 5 s for each callback and a busy number sends hundreds a
second, so the two operations the call engine needs per callback
(``SqlRepository.load_callback`` and ``record_step``) bypass the ORM and run
SQL written once per backend, on connections of their own (``_Connections``:
a stack, cheaper than a pool checkout; autocommit on PostgreSQL):

- **the read** is one ``SELECT`` outside any explicit transaction (one round
  trip on PostgreSQL, no ``BEGIN``/``COMMIT``): the call, the answer already
  stored for this callback's key, and the call's latest trace ``seq``;
- **the write** claims the answer (inserted unless one is stored), inserts or
  updates the call and appends the trace events numbered after the ``seq``
  that was read -- all or nothing.  On PostgreSQL that is one statement of
  data-modifying CTEs (one round trip, atomic by itself; the events travel
  as one JSON array).  On SQLite, which has one writer at a time, the steps
  of concurrent callbacks are written together (``designer.storage.
  groupcommit``): one ``BEGIN IMMEDIATE`` transaction and a fixed handful of
  statements per batch, under the file's ``WriteLock``.

Concurrency: the answer is claimed by the primary key of
``callback_responses`` (two deliveries of one callback: the first wins, the
other replays it).  A step is only written if the call's latest ``seq`` is
still the one it was worked out from; the unique ``(callid, seq)`` index
backs that check up where a concurrent transaction slips past it (PostgreSQL
``READ COMMITTED``), so a step computed from a stale call is refused
(``StaleCall``) and never overwrites a newer one.

Values go through the models' own column types (SQLite keeps datetimes as
text in SQLAlchemy's format, so the ORM reads these rows back unchanged),
JSON is serialised once, and driver errors become ``designer.errors`` like
everywhere else in ``designer.storage``; a connection found dropped renews
all of them, and a read is then tried once more.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from designer.errors import BadRequest, DesignerError, StorageUnavailable
from designer.repository import (
    AnsweredCallback,
    CallbackState,
    CallEvent,
    CallRecord,
    RecordedStep,
)
from designer.storage import common as c
from designer.storage.engine import (
    HOT_STATEMENT_TIMEOUT_MS,
    PING_AFTER_IDLE_S,
    WRITE_WAIT_S,
    WriteLock,
    is_memory_sqlite,
    translate,
)
from designer.storage.groupcommit import GroupCommitter
from designer.storage.models import CallbackResponseRow, CallEventRow, CallRow

log = logging.getLogger(__name__)

_CALLS = CallRow.__table__
_CALL_COLUMNS = [col.name for col in _CALLS.columns]  # callid first, as declared
_CALL_FIELDS = _CALL_COLUMNS[1:]
_RESPONSES = CallbackResponseRow.__tablename__
_EVENTS = CallEventRow.__tablename__
# PostgreSQL types of the call columns that are not strings (parameters are sent untyped)
_PG_TYPES = {
    "version": "integer",
    "duration": "integer",
    "simulated": "boolean",
    "started_at": "timestamptz",
    "ended_at": "timestamptz",
    "context": "jsonb",
}


def _q(name: str) -> str:
    """A column name quoted for both backends (``key`` is a keyword in SQLite)."""
    return f'"{name}"'


def _columns(names: list[str], prefix: str = "") -> str:
    return ", ".join(prefix + _q(n) for n in names)


class CallbackStatements:
    """``load_callback`` and ``record_step`` for one engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, write_lock: WriteLock | None = None) -> None:
        self.engine = engine
        self._write_lock = write_lock
        self._writer: GroupCommitter[_SqliteStep, Any] | None = None
        dialect = engine.dialect
        self.postgres = dialect.name == "postgresql"
        self._own = None if is_memory_sqlite(engine.url) else _Connections(engine)
        self._dbapi_error: type[Exception] = dialect.loaded_dbapi.Error
        stamp = _CALLS.c.started_at.type.dialect_impl(dialect)
        self._time_in_: Callable[[Any], Any] = stamp.bind_processor(dialect) or _same
        self._last_time: tuple[Any, Any] = (None, None)
        self._time_out: Callable[[Any], Any] = stamp.result_processor(dialect, None) or _same
        p = self._param
        call_cols = _columns(_CALL_COLUMNS, "c.")
        self._load_sql = (
            f"SELECT (SELECT r.response FROM {_RESPONSES} r"
            f" WHERE r.callid = q.id AND r.{_q('key')} = {p('key')}),"
            f" (SELECT max(e.seq) FROM {_EVENTS} e WHERE e.callid = q.id), {call_cols}"
            f" FROM (SELECT {p('callid', 'varchar')} AS id) q"
            f" LEFT OUTER JOIN {_CALLS.name} c ON c.callid = q.id"
        )
        self._answer_sql = (
            f"SELECT r.response, (SELECT count(*) FROM {_CALLS.name} c WHERE c.callid = q.id)"
            f" FROM (SELECT {p('callid', 'varchar')} AS id) q LEFT OUTER JOIN {_RESPONSES} r"
            f" ON r.callid = q.id AND r.{_q('key')} = {p('key')}"
        )
        if self.postgres:
            self._record_sql = {create: self._pg_record_sql(create) for create in (True, False)}
        else:
            self._writer = GroupCommitter(
                self._write_sqlite_batch, name="callback-steps", wait_s=WRITE_WAIT_S
            )

    def _param(self, name: str, cast: str | None = None) -> str:
        """A named parameter in the driver's style (``:x`` for sqlite3, ``%(x)s`` for psycopg)."""
        if not self.postgres:
            return f":{name}"
        return f"%({name})s::{cast}" if cast else f"%({name})s"

    def _pg_record_sql(self, create: bool) -> str:
        """The whole step as one PostgreSQL statement (see the module docstring).

        ``claim`` inserts the answer only if the call is as it was read (it
        exists, or not for an ICE, and its latest seq is unchanged); the call
        and the events are written only if the claim was.  A concurrent step
        that committed in between makes the events' (callid, seq) or the
        call's primary key collide, which fails the whole statement.
        """
        p = self._param
        exists = "NOT EXISTS" if create else "EXISTS"
        if create:
            write_call = (
                f"INSERT INTO {_CALLS.name} ({_columns(_CALL_COLUMNS)})"
                f" SELECT claim.callid, {', '.join(self._pg_value(n) for n in _CALL_FIELDS)}"
                " FROM claim RETURNING callid"
            )
        else:
            sets = ", ".join(f"{_q(n)} = {self._pg_value(n)}" for n in _CALL_FIELDS)
            write_call = (
                f"UPDATE {_CALLS.name} SET {sets} FROM claim"
                f" WHERE {_CALLS.name}.callid = claim.callid RETURNING {_CALLS.name}.callid"
            )
        return (
            f"WITH claim AS (INSERT INTO {_RESPONSES} (callid, {_q('key')}, response, created_at)"
            f" SELECT {p('callid', 'varchar')}, {p('key', 'varchar')}, {p('response', 'jsonb')},"
            f" {p('now', 'timestamptz')}"
            f" WHERE {exists} (SELECT 1 FROM {_CALLS.name} WHERE callid = {p('callid')})"
            f" AND (SELECT coalesce(max(seq), 0) FROM {_EVENTS} WHERE callid = {p('callid')})"
            f" = {p('after_seq', 'integer')}"
            " ON CONFLICT DO NOTHING RETURNING callid),"
            f" written AS ({write_call}),"
            f" events AS (INSERT INTO {_EVENTS} (callid, seq, ts, kind, node, data)"
            f" SELECT written.callid, e.n + {p('after_seq', 'integer')},"
            " (e.v->>'ts')::timestamptz, e.v->>'kind', e.v->>'node', e.v->'data'"
            f" FROM written, jsonb_array_elements({p('events', 'jsonb')})"
            " WITH ORDINALITY AS e(v, n) RETURNING 1)"
            " SELECT (SELECT count(*) FROM claim), (SELECT count(*) FROM events)"
        )

    def _pg_value(self, name: str) -> str:
        return self._param(name, _PG_TYPES.get(name, "varchar"))

    # --- connections and errors ------------------------------------------------------
    def close(self) -> None:
        """Close the hot path's own connections (new ones are made when needed)."""
        if self._own is not None:
            self._own.close()

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """A DB-API connection of the hot path's own (autocommit on PostgreSQL).

        An in-memory SQLite database exists in one connection only, the
        engine's: that one is borrowed from the engine's pool instead.
        """
        if self._own is None:
            with self._borrowed() as raw:
                yield raw
            return
        try:
            held = self._own.take()
        except SQLAlchemyError as exc:
            raise translate(exc, self.engine.url) from exc
        except self._dbapi_error as exc:
            raise self._translate(exc, None) from exc
        try:
            yield held.dbapi
        except self._dbapi_error as exc:
            raise self._translate(exc, held) from exc
        finally:
            self._own.give(held)

    @contextmanager
    def _borrowed(self) -> Iterator[Any]:
        try:
            fairy = self.engine.raw_connection()
        except SQLAlchemyError as exc:
            raise translate(exc, self.engine.url) from exc
        except self._dbapi_error as exc:
            raise self._translate(exc, None) from exc
        try:
            yield fairy.dbapi_connection
        except self._dbapi_error as exc:
            raise self._translate(exc, None) from exc
        finally:
            fairy.close()

    def _translate(self, exc: Exception, held: _Held | None) -> DesignerError:
        """What SQLAlchemy would raise, then ``translate``.

        A dropped connection means the server went away (restart, fail-over):
        the other connections are most likely dead too, so they are all
        replaced, and ``ConnectionLost`` tells a read that it may try again.
        """
        dialect = self.engine.dialect
        try:
            lost = dialect.is_disconnect(exc, held.dbapi if held else None, None)
        except Exception:  # the check itself must never mask the original error
            lost = False
        if lost and held is not None:
            held.lost = True
            if self._own is not None:
                self._own.close()
            self.engine.dispose()
        wrapped = DBAPIError.instance(
            None, None, exc, self._dbapi_error, connection_invalidated=lost, dialect=dialect
        )
        error = translate(wrapped, self.engine.url)
        if lost and held is not None:
            return ConnectionLost(error.message, error.details)
        return error

    # --- the read -------------------------------------------------------------------
    def load(self, callid: str, key: str) -> CallbackState:
        try:
            row = self._load(callid, key)
        except ConnectionLost:  # a read is safe to repeat, on a fresh connection
            row = self._load(callid, key)
        answer, last_seq, *call = row
        return CallbackState(
            call=self._call(call) if call[0] is not None else None,
            answer=_json_value(answer),
            last_seq=last_seq or 0,
        )

    def _load(self, callid: str, key: str) -> Any:
        with self._connection() as raw:
            cursor = raw.cursor()
            try:
                cursor.execute(self._load_sql, {"callid": callid, "key": key})
                return cursor.fetchone()
            finally:
                cursor.close()

    def _call(self, row: list[Any]) -> CallRecord:
        v = dict(zip(_CALL_COLUMNS, row, strict=True))
        return CallRecord(
            callid=v["callid"],
            flow_id=v["flow_id"],
            version=v["version"],
            started_at=c.utc(self._time_out(v["started_at"])),
            application_key=v["application_key"],
            state=v["state"],
            current_node=v["current_node"],
            cli=v["cli"],
            to=v["to_number"],
            ended_at=c.utc_or_none(self._time_out(v["ended_at"])),
            result=v["result"],
            reason=v["reason"],
            duration=v["duration"],
            simulated=bool(v["simulated"]),
            context=_json_value(v["context"]),
        )

    # --- the write ------------------------------------------------------------------
    def _time_in(self, value: Any) -> Any:
        """A datetime as the column stores it; a step's events share one, so the last is kept."""
        last_value, last_stored = self._last_time  # one tuple: safe to share between threads
        if value is last_value:
            return last_stored
        stored = self._time_in_(value)
        self._last_time = (value, stored)
        return stored

    def record(self, step: AnsweredCallback) -> RecordedStep:
        callid = c.check_key(step.callid, "callid")
        c.check_key(step.key, "callback key")
        call = step.call
        if call.callid != callid:
            raise BadRequest(f"the step of call {callid!r} carries call {call.callid!r}")
        if not isinstance(step.response, dict) or not isinstance(call.context, dict):
            raise BadRequest("a callback response and a call context must be JSON objects")
        now = c.utc(step.now) if step.now is not None else c.now_utc()
        params = {
            "callid": callid,
            "key": step.key,
            "response": c.json_text(step.response, "callback response"),
            "now": self._time_in(now),
            "after_seq": step.after_seq,
            **self._call_params(call),
        }
        events = [
            CallEvent(callid=callid, seq=step.after_seq + i, ts=c.utc(e.ts),
                      kind=c.check_key(e.kind, "event kind"), node=e.node,
                      data=_object(e.data), flow_id=call.flow_id)
            for i, e in enumerate(step.events, start=1)
        ]  # fmt: skip
        if self.postgres:
            claimed = self._record_postgres(step, params, events)
        else:
            claimed = self._record_sqlite(step, params, events)
        if claimed is not None:
            return RecordedStep(_json_value(claimed), [], replayed=True)
        return RecordedStep(step.response, events)

    def _call_params(self, call: CallRecord) -> dict[str, Any]:
        return {
            "flow_id": call.flow_id,
            "version": call.version,
            "application_key": call.application_key,
            "state": call.state,
            "current_node": call.current_node,
            "cli": call.cli,
            "to_number": call.to,
            "started_at": self._time_in(c.utc(call.started_at)),
            "ended_at": self._time_in(c.utc_or_none(call.ended_at)),
            "result": call.result,
            "reason": call.reason,
            "duration": call.duration,
            "simulated": bool(call.simulated),
            "context": c.json_text(call.context, "call context"),
        }

    def _record_sqlite(
        self, step: AnsweredCallback, params: dict[str, Any], events: list[CallEvent]
    ) -> Any:
        """Write the step in a group commit; the earlier answer, or None once written."""
        item = _SqliteStep(
            create=step.create,
            callid=params["callid"],
            key=params["key"],
            after_seq=step.after_seq,
            claim=(params["callid"], params["key"], params["response"], params["now"]),
            call=tuple(params[n] for n in _CALL_COLUMNS),
            events=[
                (e.callid, e.seq, self._time_in(e.ts), e.kind, e.node, c.json_text(e.data, "data"))
                for e in events
            ],
        )
        assert self._writer is not None
        return self._writer.submit(item)

    def _write_sqlite_batch(self, batch: list[_SqliteStep]) -> list[Any]:
        """The steps of many threads in one ``BEGIN IMMEDIATE`` transaction (group commit).

        Every step is checked first -- under the write lock nothing else can
        change a call in between -- and only the steps that pass are written,
        so one that cannot be (answered before, stale, unknown call) leaves no
        trace.  Steps of one call in one batch see each other, as if committed
        one after the other.  The batch is a fixed handful of statements
        whatever its size (each statement lets go of the GIL, and the threads
        waiting to take it over make every hand-off expensive).
        """
        queue = self._write_lock.hold() if self._write_lock else nullcontext()
        with self._connection() as raw, queue:
            cursor = raw.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE")
                outcomes, written = self._check_sqlite_batch(cursor, batch)
                if written:
                    _insert_rows(cursor, _SQLITE_CLAIMS, [s.claim for s in written])
                    _insert_rows(cursor, _SQLITE_CALLS, [s.call for s in written])
                    _insert_rows(cursor, _SQLITE_EVENTS, [e for s in written for e in s.events])
                raw.commit()
            except BaseException:
                raw.rollback()
                raise
            finally:
                cursor.close()
        return outcomes

    @staticmethod
    def _check_sqlite_batch(
        cursor: Any, batch: list[_SqliteStep]
    ) -> tuple[list[Any], list[_SqliteStep]]:
        """Each step's outcome (None: to be written), and the steps to write, in order."""
        keys = _padded(list(dict.fromkeys((s.callid, s.key) for s in batch)))
        callids = _padded(list(dict.fromkeys(s.callid for s in batch)))
        cursor.execute(_sqlite_check_sql(len(keys), len(callids)),
                       [v for k in keys for v in k] + callids)  # fmt: skip
        answers: dict[tuple[str, str], Any] = {}
        last_seq: dict[str, int] = {}  # of the calls that exist
        for is_call, callid, key, value in cursor.fetchall():
            if is_call:
                last_seq[callid] = value
            else:
                answers[(callid, key)] = value
        outcomes: list[Any] = []
        written: list[_SqliteStep] = []
        for step in batch:
            earlier = answers.get((step.callid, step.key))
            exists = step.callid in last_seq
            if earlier is not None:
                outcomes.append(earlier)
            elif step.create and exists:
                outcomes.append(c.stale_call(step.callid))
            elif not step.create and not exists:
                outcomes.append(c.call_not_found(step.callid))
            elif last_seq.get(step.callid, 0) != step.after_seq:
                outcomes.append(c.stale_call(step.callid))
            else:  # written with this batch; later steps in it see it
                answers[(step.callid, step.key)] = step.claim[2]
                last_seq[step.callid] = step.after_seq + len(step.events)
                written.append(step)
                outcomes.append(None)
        return outcomes, written

    def _record_postgres(
        self, step: AnsweredCallback, params: dict[str, Any], events: list[CallEvent]
    ) -> Any:
        """The step as one statement; returns the earlier answer, or None once written."""
        # All the events as one JSON array: one parameter, one serialisation, no
        # array escaping (psycopg does that element by element, in Python).
        params["events"] = c.json_text(
            [{"ts": e.ts.isoformat(), "kind": e.kind, "node": e.node, "data": e.data}
             for e in events],
            "data",
        )  # fmt: skip
        with self._connection() as raw:
            cursor = raw.cursor()
            try:
                try:
                    cursor.execute(self._record_sql[step.create], params)
                except self._dbapi_error as exc:
                    if getattr(exc, "sqlstate", None) == "23505":  # unique_violation
                        raise c.stale_call(step.callid) from exc
                    raise
                if cursor.fetchone()[0] == 1:
                    return None  # claimed, so the call and the events were written with it
                # Not claimed: answered meanwhile (a retry racing), or the call is not as read.
                cursor.execute(self._answer_sql, params)
                earlier, exists = cursor.fetchone()
            finally:
                cursor.close()
        if earlier is not None:
            return earlier
        if not step.create and not exists:
            raise c.call_not_found(step.callid)
        raise c.stale_call(step.callid)


@dataclass(frozen=True)
class _SqliteStep:
    """A step ready for the group writer: every value converted in the request's thread."""

    create: bool
    callid: str
    key: str
    after_seq: int
    claim: tuple[Any, ...]  # a callback_responses row
    call: tuple[Any, ...]  # a calls row, columns as _CALL_COLUMNS
    events: list[tuple[Any, ...]]  # call_events rows (callid, seq, ts, kind, node, data)


# The group writer's statements (sqlite3, positional parameters), for any number of rows.
_SQLITE_CLAIMS = (f"INSERT INTO {_RESPONSES} (callid, {_q('key')}, response, created_at) VALUES", 4)
_SQLITE_CALLS = (
    f"INSERT INTO {_CALLS.name} ({_columns(_CALL_COLUMNS)}) VALUES",
    len(_CALL_COLUMNS),
    # creates were checked to be new and updates to exist: the upsert does either
    " ON CONFLICT (callid) DO UPDATE SET "
    + ", ".join(f"{_q(n)} = excluded.{_q(n)}" for n in _CALL_FIELDS),
)
_SQLITE_EVENTS = (f"INSERT INTO {_EVENTS} (callid, seq, ts, kind, node, data) VALUES", 6)


def _insert_rows(cursor: Any, statement: tuple[Any, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows`` with a few multi-row statements of fixed sizes.

    Few statements, because each lets go of the GIL; fixed sizes, so that
    the connection's statement cache holds them all (a multi-row statement
    compiled anew for every batch size costs more than it saves).
    """
    head, width, *tail = statement
    start = 0
    for size in _CHUNKS:
        while len(rows) - start >= size:
            chunk = rows[start : start + size]
            cursor.execute(
                _sqlite_values_sql(head, width, size, "".join(tail)),
                [v for row in chunk for v in row],
            )
            start += size


_CHUNKS = (64, 16, 4, 1)


@functools.lru_cache(maxsize=512)
def _sqlite_values_sql(head: str, width: int, rows: int, tail: str) -> str:
    one = "(" + ", ".join("?" * width) + ")"
    return f"{head} {', '.join([one] * rows)}{tail}"


def _padded(values: list[Any]) -> list[Any]:
    """``values`` repeated up to a power of two long: a few statement texts for every size."""
    size = 1
    while size < len(values):
        size *= 2
    return values + values[-1:] * (size - len(values))


@functools.lru_cache(maxsize=256)
def _sqlite_check_sql(keys: int, callids: int) -> str:
    """One query for a batch: the answers already stored, and the calls with their last seq."""
    pairs = ", ".join(["(?, ?)"] * keys)
    marks = ", ".join("?" * callids)
    return (
        f"SELECT 0, callid, {_q('key')}, response FROM {_RESPONSES}"
        f" WHERE (callid, {_q('key')}) IN (VALUES {pairs})"
        f" UNION ALL SELECT 1, c.callid, NULL, (SELECT coalesce(max(e.seq), 0) FROM {_EVENTS} e"
        f" WHERE e.callid = c.callid) FROM {_CALLS.name} c WHERE c.callid IN ({marks})"
    )


class _Held:
    """One of the hot path's own connections."""

    __slots__ = ("dbapi", "fairy", "idle_since", "lost")

    def __init__(self, fairy: Any) -> None:
        self.fairy = fairy  # detached from the engine's pool: closing it closes the connection
        self.dbapi = fairy.dbapi_connection
        self.idle_since = time.monotonic()
        self.lost = False


class _Connections:
    """The hot path's own connections: a stack, much cheaper than a pool checkout.

    They are made by the engine, so its connect-time settings apply, and
    detached from its pool; PostgreSQL ones are put in autocommit once (each
    hot-path statement is a transaction of its own), get a statement timeout
    of ``HOT_STATEMENT_TIMEOUT_MS`` whatever the engine's, and are pinged when they sat
    idle for ``PING_AFTER_IDLE_S``, as the engine's pool does.  At most
    ``keep`` idle ones are kept -- the hot path holds one per thread at a time,
    so that is about a server's thread count.  A connection comes back rolled
    back (a failed transaction never leaks into the next use), or is closed
    if that fails; a forked child starts with none of its parent's.
    """

    def __init__(self, engine: Engine, keep: int = 16) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._keep = keep
        self._idle: list[_Held] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def take(self) -> _Held:
        while True:
            with self._lock:
                if self._pid != os.getpid():
                    self._idle, self._pid = [], os.getpid()
                held = self._idle.pop() if self._idle else None
            if held is None:
                return self._new()
            if not self._postgres or time.monotonic() - held.idle_since < PING_AFTER_IDLE_S:
                return held
            try:
                if self._engine.dialect.do_ping(held.dbapi):
                    return held
            except Exception:  # dropped while idle: try the next one
                pass
            _close(held)

    def _new(self) -> _Held:
        """A connection from the engine; if its pool handed over a dead one, a fresh one."""
        for attempt in (1, 2):
            fairy = self._engine.raw_connection()
            fairy.detach()
            held = _Held(fairy)
            if not self._postgres:
                return held
            try:
                held.dbapi.autocommit = True
                # a stuck server (locks, overload) must not hold a callback past its budget
                held.dbapi.execute(f"SET statement_timeout = {int(HOT_STATEMENT_TIMEOUT_MS)}")
                return held
            except self._engine.dialect.loaded_dbapi.Error:
                _close(held)
                if attempt == 2:
                    raise
                self._engine.dispose()  # its other idle connections are as dead
        raise AssertionError("unreachable")

    def give(self, held: _Held) -> None:
        dbapi = held.dbapi
        try:
            usable = not held.lost and not getattr(dbapi, "closed", False)
            if usable and not self._postgres and dbapi.in_transaction:
                dbapi.rollback()
        except Exception:
            usable = False
        if usable:
            held.idle_since = time.monotonic()
            with self._lock:
                if self._pid == os.getpid() and len(self._idle) < self._keep:
                    self._idle.append(held)
                    return
        _close(held)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for held in idle:
            _close(held)


def _close(held: _Held) -> None:
    try:
        if held.lost or getattr(held.dbapi, "closed", False):
            # gone already: a plain close would first roll back on it, fail, and log an ERROR
            held.dbapi.close()
            held.fairy.invalidate()
        else:
            held.fairy.close()
    except Exception as exc:  # already broken: nothing more to release
        log.debug("closing a hot-path connection: %s", exc)


class ConnectionLost(StorageUnavailable):
    """The database connection broke while in use (the pool has been renewed)."""


def _same(value: Any) -> Any:
    return value


def _json_value(value: Any) -> Any:
    """A JSON column's value: SQLite hands back text, psycopg decodes ``jsonb`` itself."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequest(f"data must be a JSON object, not {type(value).__name__}")
    return value


__all__ = ["CallbackStatements"]
