"""The callback hot path on the database driver: one read and one write per callback.

Sinch waits at most 5 s for each callback and a busy number sends hundreds a
second, so the two operations the call engine needs per callback
(``SqlRepository.load_callback`` and ``record_step``) bypass the ORM and run
SQL written once per backend on a pooled DB-API connection:

- **the read** is one ``SELECT`` outside any explicit transaction (one round
  trip on PostgreSQL, no ``BEGIN``/``COMMIT``): the call, the answer already
  stored for this callback's key, and the call's latest trace ``seq``;
- **the write** claims the answer (inserted unless one is stored), inserts or
  updates the call and appends the trace events numbered after the ``seq``
  that was read -- all or nothing.  On PostgreSQL that is one statement of
  data-modifying CTEs sent in autocommit (one round trip, atomic by itself);
  on SQLite, which has no round trips, a ``BEGIN IMMEDIATE`` transaction of
  plain statements.

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
everywhere else in ``designer.storage``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from designer.errors import BadRequest, DesignerError
from designer.repository import (
    AnsweredCallback,
    CallbackState,
    CallEvent,
    CallRecord,
    RecordedStep,
)
from designer.storage import common as c
from designer.storage.engine import WriteLock, translate
from designer.storage.models import CallbackResponseRow, CallEventRow, CallRow

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
        dialect = engine.dialect
        self.postgres = dialect.name == "postgresql"
        self._dbapi_error: type[Exception] = dialect.loaded_dbapi.Error
        stamp = _CALLS.c.started_at.type.dialect_impl(dialect)
        self._time_in: Callable[[Any], Any] = stamp.bind_processor(dialect) or _same
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
            self._claim_sql = (
                f"INSERT INTO {_RESPONSES} (callid, {_q('key')}, response, created_at)"
                f" VALUES ({p('callid')}, {p('key')}, {p('response')}, {p('now')})"
                " ON CONFLICT DO NOTHING"
            )
            self._insert_call_sql = (
                f"INSERT INTO {_CALLS.name} ({_columns(_CALL_COLUMNS)})"
                f" VALUES ({', '.join(p(n) for n in _CALL_COLUMNS)}) ON CONFLICT DO NOTHING"
            )
            sets = ", ".join(f"{_q(n)} = {p(n)}" for n in _CALL_FIELDS)
            self._update_call_sql = f"UPDATE {_CALLS.name} SET {sets} WHERE callid = {p('callid')}"
            self._last_seq_sql = f"SELECT max(seq) FROM {_EVENTS} WHERE callid = {p('callid')}"
            self._insert_events_sql = (
                f"INSERT INTO {_EVENTS} (callid, seq, ts, kind, node, data)"
                " VALUES (:callid, :seq, :ts, :kind, :node, :data)"
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
            " SELECT written.callid, e.n + "
            f"{p('after_seq', 'integer')}, e.ts, e.kind, e.node, e.data::jsonb"
            f" FROM written, unnest({p('ts', 'timestamptz[]')}, {p('kinds', 'varchar[]')},"
            f" {p('nodes', 'varchar[]')}, {p('datas', 'text[]')})"
            " WITH ORDINALITY AS e(ts, kind, node, data, n) RETURNING 1)"
            " SELECT (SELECT count(*) FROM claim), (SELECT count(*) FROM events)"
        )

    def _pg_value(self, name: str) -> str:
        return self._param(name, _PG_TYPES.get(name, "varchar"))

    # --- connections and errors ------------------------------------------------------
    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """A pooled DB-API connection (pre-pinged by the pool); autocommit on PostgreSQL."""
        try:
            raw = self.engine.raw_connection()
        except SQLAlchemyError as exc:
            raise translate(exc, self.engine.url) from exc
        except self._dbapi_error as exc:
            raise self._translate(exc, None) from exc
        try:
            if self.postgres:
                raw.driver_connection.autocommit = True
            yield raw
        except self._dbapi_error as exc:
            raise self._translate(exc, raw) from exc
        finally:
            try:
                if self.postgres and raw.is_valid and not raw.driver_connection.closed:
                    raw.driver_connection.autocommit = False  # as the pool's other users expect
            finally:
                raw.close()

    def _translate(self, exc: Exception, raw: Any) -> DesignerError:
        """What SQLAlchemy would raise, then ``translate``; a dropped connection is discarded."""
        dialect = self.engine.dialect
        try:
            lost = dialect.is_disconnect(exc, raw.dbapi_connection if raw else None, None)
        except Exception:  # the check itself must never mask the original error
            lost = False
        if lost and raw is not None:
            raw.invalidate(exc)
        wrapped = DBAPIError.instance(
            None, None, exc, self._dbapi_error, connection_invalidated=lost, dialect=dialect
        )
        return translate(wrapped, self.engine.url)

    # --- the read -------------------------------------------------------------------
    def load(self, callid: str, key: str) -> CallbackState:
        with self._connection() as raw:
            cursor = raw.cursor()
            cursor.execute(self._load_sql, {"callid": callid, "key": key})
            row = cursor.fetchone()
            cursor.close()
        answer, last_seq, *call = row
        return CallbackState(
            call=self._call(call) if call[0] is not None else None,
            answer=_json_value(answer),
            last_seq=last_seq or 0,
        )

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
        datas = [c.json_text(e.data, "data") for e in events]
        if self.postgres:
            claimed = self._record_postgres(step, params, events, datas)
        else:
            claimed = self._record_sqlite(step, params, events, datas)
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
        self, step: AnsweredCallback, params: dict[str, Any], events: list[CallEvent],
        datas: list[str],
    ) -> Any:  # fmt: skip
        """The step in one write transaction; returns the earlier answer, or None once written."""
        queue = self._write_lock.hold() if self._write_lock else nullcontext()
        with self._connection() as raw, queue:
            cursor = raw.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE")
                cursor.execute(self._claim_sql, params)
                if cursor.rowcount != 1:
                    cursor.execute(self._answer_sql, params)
                    earlier = cursor.fetchone()[0]
                    raw.rollback()
                    return earlier
                if step.create:
                    cursor.execute(self._insert_call_sql, params)
                    if cursor.rowcount != 1:
                        raise c.stale_call(step.callid)
                else:
                    cursor.execute(self._update_call_sql, params)
                    if cursor.rowcount != 1:
                        raise c.call_not_found(step.callid)
                    cursor.execute(self._last_seq_sql, params)
                    if (cursor.fetchone()[0] or 0) != step.after_seq:
                        raise c.stale_call(step.callid)
                if events:
                    cursor.executemany(self._insert_events_sql, [
                        {"callid": e.callid, "seq": e.seq, "ts": self._time_in(e.ts),
                         "kind": e.kind, "node": e.node, "data": data}
                        for e, data in zip(events, datas, strict=True)
                    ])  # fmt: skip
                raw.commit()
            except BaseException:
                raw.rollback()
                raise
            finally:
                cursor.close()
        return None

    def _record_postgres(
        self, step: AnsweredCallback, params: dict[str, Any], events: list[CallEvent],
        datas: list[str],
    ) -> Any:  # fmt: skip
        """The step as one statement; returns the earlier answer, or None once written."""
        params.update(
            ts=[e.ts for e in events],
            kinds=[e.kind for e in events],
            nodes=[e.node for e in events],
            datas=datas,
        )
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
