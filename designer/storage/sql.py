"""``SqlRepository``: the repository on SQLite or PostgreSQL through SQLAlchemy 2.

Every public method is one transaction.  Concurrency is handled by the
database, never by reading and then writing blindly:

- Saving a draft is a compare-and-set, ``UPDATE flows ... WHERE id = ? AND
  revision = ?``: of two saves of the same revision exactly one updates a
  row; the other sees zero rows and gets ``Conflict``.  The document is
  written by that one statement, so it is never a mix of the two.
- The callback hot path (``load_callback``/``record_step``) runs on the
  driver, one read and one write per callback: see ``designer.storage.fastpath``.
- Publishing and appending trace events first lock the parent row
  (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite a write transaction
  starts with ``BEGIN IMMEDIATE``, which serialises writers), so the next
  version number and the next ``seq`` are computed by one writer at a time.
  The unique constraints on (flow_id, number) and (callid, seq) back this up.

Driver errors become ``designer.errors`` (``StorageUnavailable``,
``NotMigrated``...) so that no caller ever sees a SQLAlchemy traceback.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, and_, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from designer.errors import DesignerError
from designer.repository import (
    AnsweredCallback,
    Application,
    CallbackState,
    CallEvent,
    CallFilter,
    CallRecord,
    FlowRecord,
    FlowVersion,
    NumberBinding,
    RecordedStep,
    check_callids,
    check_e164,
)
from designer.storage import common as c
from designer.storage import stale
from designer.storage.engine import WRITE, redact, translate, write_lock
from designer.storage.fastpath import CallbackStatements
from designer.storage.models import (
    ApplicationRow,
    CallbackResponseRow,
    CallEventRow,
    CallRow,
    FlowRow,
    FlowVersionRow,
    NumberBindingRow,
)
from designer.storage.secretbox import SecretBox, for_database

_ID_ATTEMPTS = 5
CALLS_PER_EVENT_QUERY = 500  # list_events_of_calls: call ids bound in one statement
_Method = TypeVar("_Method", bound=Callable[..., Any])


def _changes_routing(method: _Method) -> _Method:
    """Bump ``routing_generation`` once the write has committed (never before)."""

    @functools.wraps(method)
    def write(self: SqlRepository, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        self._routing_changed()
        return result

    return write  # type: ignore[return-value]


class SqlRepository:
    """The repository over an engine made by ``designer.storage.engine.make_engine``."""

    def __init__(self, engine: Engine, secret_box: SecretBox | None = None) -> None:
        self.engine = engine
        # application secrets are encrypted at rest: designer.storage.secretbox
        self._secret_box = secret_box or for_database(engine.url)
        self._postgres = engine.dialect.name == "postgresql"
        self._write_lock = write_lock(engine)  # SQLite: writers queue here, see engine.py
        self._callbacks = CallbackStatements(engine, self._write_lock)
        self._routing_counter = itertools.count(1)
        self._routing = 0  # see routing_generation

    def __repr__(self) -> str:
        return f"<SqlRepository {redact(self.engine.url)}>"

    def close(self) -> None:
        """Close the pooled connections (the repository can still be used afterwards)."""
        self._callbacks.close()
        self.engine.dispose()
        if self._write_lock is not None:
            self._write_lock.close()

    @contextmanager
    def _tx(self, write: bool = False, snapshot: bool = False) -> Iterator[Session]:
        """One transaction; ``snapshot`` makes several reads see one consistent state."""
        queue = self._write_lock.hold() if write and self._write_lock else nullcontext()
        try:
            with self.engine.connect() as conn, queue:
                options: dict[str, Any] = {WRITE: write}
                if snapshot and self._postgres:
                    options["isolation_level"] = "REPEATABLE READ"
                conn.execution_options(**options)
                with Session(bind=conn, expire_on_commit=False, autoflush=False) as s, s.begin():
                    yield s
        except DesignerError:
            raise
        except SQLAlchemyError as exc:
            raise translate(exc, self.engine.url) from exc

    def _insert(self, table: Any) -> Any:
        return (postgresql.insert if self._postgres else sqlite.insert)(table)

    # --- rows to records ---------------------------------------------------------
    def _app(self, row: ApplicationRow, *, with_secret: bool = True) -> Application:
        return Application(
            key=row.key,
            secret=self._secret_box.open(row.secret, row.key) if with_secret else None,
            name=row.name,
            default_flow_id=row.default_flow_id,
            created_at=row.created_at,
        )

    @staticmethod
    def _flow(row: FlowRow, latest: int | None) -> FlowRecord:
        return FlowRecord(
            id=row.id,
            name=row.name,
            document=row.document,
            revision=row.revision,
            created_at=row.created_at,
            updated_at=row.updated_at,
            latest_version=latest,
        )

    @staticmethod
    def _version(row: FlowVersionRow) -> FlowVersion:
        return FlowVersion(
            flow_id=row.flow_id,
            number=row.number,
            document=row.document,
            comment=row.comment,
            published_by=row.published_by,
            published_at=row.published_at,
        )

    @staticmethod
    def _binding(row: NumberBindingRow) -> NumberBinding:
        return NumberBinding(
            number=row.number,
            flow_id=row.flow_id,
            application_key=row.application_key,
            version=row.version,
            updated_at=row.updated_at,
        )

    @staticmethod
    def _call(row: CallRow) -> CallRecord:
        return CallRecord(
            callid=row.callid,
            flow_id=row.flow_id,
            version=row.version,
            started_at=row.started_at,
            application_key=row.application_key,
            state=row.state,
            current_node=row.current_node,
            cli=row.cli,
            to=row.to_number,
            ended_at=row.ended_at,
            result=row.result,
            reason=row.reason,
            duration=row.duration,
            simulated=row.simulated,
            context=row.context,
        )

    @staticmethod
    def _call_values(call: CallRecord) -> dict[str, Any]:
        return {
            "flow_id": call.flow_id,
            "version": call.version,
            "application_key": call.application_key,
            "state": call.state,
            "current_node": call.current_node,
            "cli": call.cli,
            "to_number": call.to,
            "started_at": call.started_at,
            "ended_at": call.ended_at,
            "result": call.result,
            "reason": call.reason,
            "duration": call.duration,
            "simulated": call.simulated,
            "context": call.context,
        }

    # --- applications ------------------------------------------------------------
    def _check_default_flow(self, s: Session, app: Application) -> None:
        if app.default_flow_id is not None and s.get(FlowRow, app.default_flow_id) is None:
            raise c.missing_default_flow(app.key, app.default_flow_id)

    @_changes_routing
    def add_application(self, app: Application) -> Application:
        c.check_key(app.key, "application key")
        with self._tx(write=True) as s:
            if s.get(ApplicationRow, app.key) is not None:
                raise c.application_exists(app.key)
            self._check_default_flow(s, app)
            row = ApplicationRow(
                key=app.key,
                secret=self._secret_box.seal(app.secret),
                name=app.name or "",
                default_flow_id=app.default_flow_id,
                created_at=c.utc(app.created_at) if app.created_at else c.now_utc(),
            )
            s.add(row)
            s.flush()
            return self._app(row)

    def get_application(self, key: str, *, with_secret: bool = True) -> Application:
        with self._tx() as s:
            row = s.get(ApplicationRow, key)
            if row is None:
                raise c.application_not_found(key)
            return self._app(row, with_secret=with_secret)

    def list_applications(self) -> list[Application]:
        with self._tx() as s:
            rows = s.scalars(select(ApplicationRow)).all()
            return sorted((self._app(r) for r in rows), key=lambda a: a.key)

    @_changes_routing
    def update_application(self, app: Application) -> Application:
        """Replace name, secret and default flow (``secret=None`` removes the secret)."""
        c.check_key(app.key, "application key")
        with self._tx(write=True) as s:
            row = s.get(ApplicationRow, app.key, with_for_update=True)
            if row is None:
                raise c.application_not_found(app.key)
            self._check_default_flow(s, app)
            row.secret = self._secret_box.seal(app.secret)
            row.name = app.name or ""
            row.default_flow_id = app.default_flow_id
            s.flush()
            return self._app(row)

    def encrypt_secrets(self) -> tuple[int, int]:
        """Seal every secret with the current key: (how many changed, how many are stored).

        Plain text from older versions and tokens of older keys are sealed
        anew; the rest is left alone, so running it again changes nothing.
        One transaction: a secret no key opens fails it all, naming its application.
        On SQLite the replaced values are zeroed in the file (``secure_delete``)
        and the WAL, which still holds them, is emptied into it.
        """
        sqlite = not self._postgres
        with self._tx(write=True) as s:
            rows = s.scalars(
                select(ApplicationRow)
                .where(ApplicationRow.secret.is_not(None), ApplicationRow.secret != "")
                .with_for_update()
            ).all()
            changed = 0
            for row in rows:
                resealed = self._secret_box.reseal(row.secret, row.key)
                if resealed is not None:
                    row.secret = resealed
                    changed += 1
            if sqlite and changed:
                s.connection().exec_driver_sql("PRAGMA secure_delete = ON")
                try:
                    s.flush()
                finally:
                    s.connection().exec_driver_sql("PRAGMA secure_delete = OFF")
        if sqlite and changed:
            self._empty_wal()
        return changed, len(rows)

    def _empty_wal(self) -> None:
        """Checkpoint and truncate SQLite's WAL (outside a transaction, as SQLite requires)."""
        fairy = self.engine.raw_connection()
        try:
            fairy.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except self.engine.dialect.loaded_dbapi.Error:
            pass  # busy: the WAL is overwritten from its start after the next checkpoint
        finally:
            fairy.close()

    @_changes_routing
    def delete_application(self, key: str) -> None:
        """Delete the application; numbers bound through it keep their flow, without a key."""
        with self._tx(write=True) as s:
            s.execute(
                update(NumberBindingRow)
                .where(NumberBindingRow.application_key == key)
                .values(application_key=None)
            )
            if s.execute(delete(ApplicationRow).where(ApplicationRow.key == key)).rowcount == 0:
                raise c.application_not_found(key)

    # --- flows -------------------------------------------------------------------
    def _latest(self, s: Session, flow_id: str) -> int | None:
        return s.scalar(
            select(func.max(FlowVersionRow.number)).where(FlowVersionRow.flow_id == flow_id)
        )

    def create_flow(self, document: dict[str, Any], now: datetime) -> FlowRecord:
        doc = c.json_object(document, "flow document")
        now = c.utc(now)
        name = c.flow_name(doc)
        for attempt in range(_ID_ATTEMPTS):
            try:
                with self._tx(write=True) as s:
                    row = FlowRow(
                        id=c.new_flow_id(name),
                        name=name,
                        document=doc,
                        revision=1,
                        created_at=now,
                        updated_at=now,
                    )
                    s.add(row)
                    s.flush()
                    return self._flow(row, None)
            except DesignerError as exc:
                # A random id collided with an existing one: draw again.
                if not isinstance(exc.__cause__, IntegrityError) or attempt == _ID_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def get_flow(self, flow_id: str) -> FlowRecord:
        with self._tx() as s:
            row = s.get(FlowRow, flow_id)
            if row is None:
                raise c.flow_not_found(flow_id)
            return self._flow(row, self._latest(s, flow_id))

    def list_flows(self) -> list[FlowRecord]:
        """All drafts, by name (case-insensitive), then id."""
        latest = (
            select(FlowVersionRow.flow_id, func.max(FlowVersionRow.number).label("latest"))
            .group_by(FlowVersionRow.flow_id)
            .subquery()
        )
        with self._tx() as s:
            rows = s.execute(
                select(FlowRow, latest.c.latest).outerjoin(latest, latest.c.flow_id == FlowRow.id)
            ).all()
            recs = [self._flow(row, n) for row, n in rows]
        return sorted(recs, key=lambda r: (r.name.casefold(), r.name, r.id))

    def _stale_or_missing(self, s: Session, flow_id: str, expected: int | None) -> DesignerError:
        current = s.scalar(select(FlowRow.revision).where(FlowRow.id == flow_id))
        if current is None or expected is None:
            return c.flow_not_found(flow_id)
        return c.stale_revision(flow_id, expected, current)

    def update_flow(
        self,
        flow_id: str,
        document: dict[str, Any],
        expected_revision: int | None,
        now: datetime,
    ) -> FlowRecord:
        """Replace the draft; with ``expected_revision`` only if nobody saved in between."""
        doc = c.json_object(document, "flow document")
        now = c.utc(now)
        with self._tx(write=True) as s:
            self._set_draft(s, flow_id, doc, expected_revision, now)
            row = s.get(FlowRow, flow_id, populate_existing=True)
            assert row is not None
            return self._flow(row, self._latest(s, flow_id))

    def _set_draft(
        self,
        s: Session,
        flow_id: str,
        doc: dict[str, Any],
        expected_revision: int | None,
        now: datetime,
    ) -> None:
        """The compare-and-set: one UPDATE that matches only the expected revision."""
        stmt = update(FlowRow).where(FlowRow.id == flow_id)
        if expected_revision is not None:
            stmt = stmt.where(FlowRow.revision == expected_revision)
        stmt = stmt.values(
            name=c.flow_name(doc), document=doc, revision=FlowRow.revision + 1, updated_at=now
        )
        result = s.execute(stmt, execution_options={"synchronize_session": False})
        if result.rowcount != 1:
            raise self._stale_or_missing(s, flow_id, expected_revision)

    @_changes_routing
    def delete_flow(self, flow_id: str, expected_revision: int | None) -> None:
        """Delete the draft with its versions and number bindings.

        Applications that used it as default flow lose their default; the
        call log keeps the calls that ran on it.
        """
        with self._tx(write=True) as s:
            stmt = delete(FlowRow).where(FlowRow.id == flow_id)
            if expected_revision is not None:
                stmt = stmt.where(FlowRow.revision == expected_revision)
            # Dependants first (SQLite may not enforce the foreign keys' ON DELETE);
            # if the flow turns out stale or missing, the transaction rolls them back.
            s.execute(delete(NumberBindingRow).where(NumberBindingRow.flow_id == flow_id))
            s.execute(delete(FlowVersionRow).where(FlowVersionRow.flow_id == flow_id))
            s.execute(
                update(ApplicationRow)
                .where(ApplicationRow.default_flow_id == flow_id)
                .values(default_flow_id=None)
            )
            if s.execute(stmt).rowcount != 1:
                raise self._stale_or_missing(s, flow_id, expected_revision)

    # --- versions ----------------------------------------------------------------
    @_changes_routing
    def publish(
        self,
        flow_id: str,
        comment: str,
        published_by: str,
        now: datetime,
        expected_revision: int | None = None,
    ) -> FlowVersion:
        """Copy the current draft into the next version number (validation is the caller's job)."""
        now = c.utc(now)
        with self._tx(write=True) as s:
            flow = s.get(FlowRow, flow_id, with_for_update=True)
            if flow is None:
                raise c.flow_not_found(flow_id)
            if expected_revision is not None and flow.revision != expected_revision:
                raise c.stale_revision(flow_id, expected_revision, flow.revision)
            row = FlowVersionRow(
                flow_id=flow_id,
                number=(self._latest(s, flow_id) or 0) + 1,
                document=flow.document,
                comment=comment or "",
                published_by=published_by or "",
                published_at=now,
            )
            s.add(row)
            s.flush()
            return self._version(row)

    def list_versions(self, flow_id: str) -> list[FlowVersion]:
        with self._tx() as s:
            if s.get(FlowRow, flow_id) is None:
                raise c.flow_not_found(flow_id)
            rows = s.scalars(
                select(FlowVersionRow)
                .where(FlowVersionRow.flow_id == flow_id)
                .order_by(FlowVersionRow.number)
            ).all()
            return [self._version(r) for r in rows]

    def get_version(self, flow_id: str, number: int) -> FlowVersion:
        with self._tx() as s:
            row = s.get(FlowVersionRow, (flow_id, number))
            if row is None:
                if s.get(FlowRow, flow_id) is None:
                    raise c.flow_not_found(flow_id)
                raise c.version_not_found(flow_id, number)
            return self._version(row)

    def rollback(self, flow_id: str, number: int, now: datetime) -> FlowRecord:
        """Make version ``number`` the draft again (a new revision; versions are untouched)."""
        now = c.utc(now)
        with self._tx(write=True) as s:
            version = s.get(FlowVersionRow, (flow_id, number))
            if version is None:
                if s.get(FlowRow, flow_id) is None:
                    raise c.flow_not_found(flow_id)
                raise c.version_not_found(flow_id, number)
            self._set_draft(s, flow_id, version.document, None, now)
            row = s.get(FlowRow, flow_id, populate_existing=True)
            assert row is not None
            return self._flow(row, self._latest(s, flow_id))

    # --- number bindings -----------------------------------------------------------
    @_changes_routing
    def bind_number(self, binding: NumberBinding, now: datetime) -> NumberBinding:
        """Bind (or re-bind) a number to a published flow, optionally pinned to a version."""
        number = check_e164(binding.number)
        version = c.check_version_number(binding.version)
        now = c.utc(now)
        with self._tx(write=True) as s:
            if s.get(FlowRow, binding.flow_id) is None:
                raise c.missing_bound_flow(number, binding.flow_id)
            latest = self._latest(s, binding.flow_id)
            if latest is None:
                raise c.unpublished_bound_flow(number, binding.flow_id)
            if version is not None and s.get(FlowVersionRow, (binding.flow_id, version)) is None:
                raise c.missing_bound_version(number, binding.flow_id, version)
            key = binding.application_key
            if key is not None and s.get(ApplicationRow, key) is None:
                raise c.missing_bound_application(number, key)
            values = {
                "flow_id": binding.flow_id,
                "application_key": key,
                "version": version,
                "updated_at": now,
            }
            s.execute(
                self._insert(NumberBindingRow.__table__)
                .values(number=number, **values)
                .on_conflict_do_update(index_elements=["number"], set_=values)
            )
            return NumberBinding(number=number, **values)

    def get_binding(self, number: str) -> NumberBinding:
        with self._tx() as s:
            row = s.get(NumberBindingRow, number)
            if row is None:
                raise c.binding_not_found(number)
            return self._binding(row)

    def list_bindings(self) -> list[NumberBinding]:
        with self._tx() as s:
            rows = s.scalars(select(NumberBindingRow)).all()
            return sorted((self._binding(r) for r in rows), key=lambda b: b.number)

    @_changes_routing
    def unbind_number(self, number: str) -> None:
        with self._tx(write=True) as s:
            stmt = delete(NumberBindingRow).where(NumberBindingRow.number == number)
            if s.execute(stmt).rowcount == 0:
                raise c.binding_not_found(number)

    # --- calls -------------------------------------------------------------------
    def create_call(self, call: CallRecord) -> CallRecord:
        call = c.normalise_call(call)
        with self._tx(write=True) as s:
            if s.get(CallRow, call.callid) is not None:
                raise c.call_exists(call.callid)
            row = CallRow(callid=call.callid, **self._call_values(call))
            s.add(row)
            s.flush()
            return self._call(row)

    def get_call(self, callid: str) -> CallRecord:
        with self._tx() as s:
            row = s.get(CallRow, callid)
            if row is None:
                raise c.call_not_found(callid)
            return self._call(row)

    def update_call(self, call: CallRecord) -> CallRecord:
        """Replace every field of the call (its events are untouched)."""
        call = c.normalise_call(call)
        with self._tx(write=True) as s:
            result = s.execute(
                update(CallRow)
                .where(CallRow.callid == call.callid)
                .values(**self._call_values(call)),
                execution_options={"synchronize_session": False},
            )
            if result.rowcount != 1:
                raise c.call_not_found(call.callid)
            row = s.get(CallRow, call.callid, populate_existing=True)
            assert row is not None
            return self._call(row)

    def list_calls(
        self, filters: CallFilter, limit: int = 50, offset: int = 0
    ) -> tuple[list[CallRecord], int]:
        """Calls matching every given filter, newest first; with the total before paging.

        ``since`` is inclusive, ``until`` exclusive.
        """
        c.check_page(limit, offset)
        query = select(CallRow)
        if filters.flow_id is not None:
            query = query.where(CallRow.flow_id == filters.flow_id)
        if filters.number is not None:
            query = query.where(CallRow.to_number == filters.number)
        if filters.result is not None:
            query = query.where(CallRow.result == filters.result)
        if filters.since is not None:
            query = query.where(CallRow.started_at >= c.utc(filters.since))
        if filters.until is not None:
            query = query.where(CallRow.started_at < c.utc(filters.until))
        if filters.simulated is not None:
            query = query.where(CallRow.simulated == bool(filters.simulated))
        # Ties on started_at are broken by callid in code-point order on both backends.
        tie = CallRow.callid.collate("C") if self._postgres else CallRow.callid
        with self._tx(snapshot=True) as s:
            total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = s.scalars(
                query.order_by(CallRow.started_at.desc(), tie.desc()).limit(limit).offset(offset)
            ).all()
            return [self._call(r) for r in rows], total

    def append_events(self, callid: str, events: list[CallEvent]) -> list[CallEvent]:
        """Store events, assigning consecutive ``seq`` numbers per call (given seq ignored)."""
        prepared = [
            {
                "ts": c.utc(e.ts),
                "kind": c.check_key(e.kind, "event kind"),
                "node": e.node,
                "data": c.json_object(e.data, "data"),
            }
            for e in events
        ]
        with self._tx(write=True) as s:
            # Locking the call row makes concurrent appends for one call take turns.
            found = s.execute(
                select(CallRow.flow_id).where(CallRow.callid == callid).with_for_update()
            ).one_or_none()
            if found is None:
                raise c.call_not_found(callid)
            if not prepared:
                return []
            last = s.scalar(select(func.max(CallEventRow.seq)).where(CallEventRow.callid == callid))
            rows = [
                {"callid": callid, "seq": (last or 0) + i + 1, **values}
                for i, values in enumerate(prepared)
            ]
            s.execute(insert(CallEventRow), rows)
        return [CallEvent(**row, flow_id=found.flow_id) for row in rows]

    def list_events(self, callid: str, after_seq: int = 0) -> list[CallEvent]:
        with self._tx() as s:
            found = s.execute(select(CallRow.flow_id).where(CallRow.callid == callid)).one_or_none()
            if found is None:
                raise c.call_not_found(callid)
            rows = s.scalars(
                select(CallEventRow)
                .where(CallEventRow.callid == callid, CallEventRow.seq > after_seq)
                .order_by(CallEventRow.seq)
            ).all()
            return [
                CallEvent(
                    callid=r.callid,
                    seq=r.seq,
                    ts=r.ts,
                    kind=r.kind,
                    node=r.node,
                    data=r.data,
                    flow_id=found.flow_id,
                )
                for r in rows
            ]

    # --- bulk reads of trace events --------------------------------------------------
    def list_events_of_calls(self, callids: list[str]) -> dict[str, list[CallEvent]]:
        """Each call's events in ``seq`` order: one query per ``CALLS_PER_EVENT_QUERY`` calls.

        The ids go into an ``IN`` list, chunked so that no statement exceeds
        what a driver binds (SQLite's limit was 999 parameters for years);
        the (callid, seq) index serves each chunk.  One snapshot for all chunks.
        """
        found: dict[str, list[CallEvent]] = {callid: [] for callid in check_callids(callids)}
        ids = list(found)
        if not ids:
            return found
        columns = (
            CallEventRow.callid, CallEventRow.seq, CallEventRow.ts, CallEventRow.kind,
            CallEventRow.node, CallEventRow.data, CallRow.flow_id,
        )  # fmt: skip
        with self._tx(snapshot=True) as s:
            for start in range(0, len(ids), CALLS_PER_EVENT_QUERY):
                rows = s.execute(
                    select(*columns)
                    .join(CallRow, CallRow.callid == CallEventRow.callid)
                    .where(CallEventRow.callid.in_(ids[start : start + CALLS_PER_EVENT_QUERY]))
                    .order_by(CallEventRow.callid, CallEventRow.seq)
                )
                for callid, seq, ts, kind, node, data, flow_id in rows:
                    found[callid].append(CallEvent(callid, seq, ts, kind, node, data, flow_id))
        return found

    # --- idempotent callbacks --------------------------------------------------------
    def get_callback_response(self, callid: str, key: str) -> dict[str, Any] | None:
        with self._tx() as s:
            row = s.get(CallbackResponseRow, (callid, key))
            return None if row is None else row.response

    def save_callback_response(
        self, callid: str, key: str, response: dict[str, Any], now: datetime | None = None
    ) -> dict[str, Any]:
        """Store the response unless one is already stored; return the stored one."""
        c.check_key(callid, "callid")
        c.check_key(key, "callback key")
        value = c.json_object(response, "callback response")
        stamp = c.utc(now) if now is not None else c.now_utc()
        with self._tx(write=True) as s:
            s.execute(
                self._insert(CallbackResponseRow.__table__)
                .values(callid=callid, key=key, response=value, created_at=stamp)
                .on_conflict_do_nothing(index_elements=["callid", "key"])
            )
            stored = s.scalar(
                select(CallbackResponseRow.response).where(
                    CallbackResponseRow.callid == callid, CallbackResponseRow.key == key
                )
            )
            return stored if stored is not None else value

    # --- the callback hot path (designer.storage.fastpath) ------------------------------
    def load_callback(self, callid: str, key: str) -> CallbackState:
        return self._callbacks.load(callid, key)

    def record_step(self, step: AnsweredCallback) -> RecordedStep:
        """Claim the answer, write the call and append its events: all or nothing."""
        return self._callbacks.record(step)

    def routing_generation(self) -> int:
        return self._routing

    def _routing_changed(self) -> None:
        # itertools.count is atomic under the GIL: concurrent writers never share a value
        self._routing = next(self._routing_counter)

    # --- housekeeping (designer.housekeeping) ----------------------------------------
    def sweep_stale_calls(
        self, idle_before: datetime, now: datetime, *, dry_run: bool = False
    ) -> list[CallEvent]:
        """End the calls whose DiCE never came, a batch per transaction (see ``Repository``).

        The candidates come from the partial index of active calls, oldest
        first, and each batch's rows are locked (PostgreSQL ``FOR UPDATE SKIP
        LOCKED``: a call a callback is writing this instant is not idle, and
        another worker sweeping skips what this one holds; SQLite writers take
        turns on the write lock, as the callback hot path does).  Under that
        lock each call's state and latest event are read again, so a DiCE
        that committed first wins, and a step worked out before the sweep
        fails its seq check afterwards.
        """
        idle_before, now = c.utc(idle_before), c.utc(now)
        swept: list[CallEvent] = []
        after: tuple[datetime, str] | None = None
        while True:
            query = select(CallRow).where(CallRow.state == "active",
                                          CallRow.started_at < idle_before)  # fmt: skip
            if after is not None:
                query = query.where(
                    or_(CallRow.started_at > after[0],
                        and_(CallRow.started_at == after[0], CallRow.callid > after[1]))
                )  # fmt: skip
            query = query.order_by(CallRow.started_at, CallRow.callid).limit(stale.SWEEP_BATCH)
            if not dry_run:
                query = query.with_for_update(skip_locked=True)
            with self._tx(write=not dry_run) as s:
                rows = s.scalars(query).all()
                if not rows:
                    break
                after = (rows[-1].started_at, rows[-1].callid)
                latest = {
                    callid: (seq, ts)
                    for callid, seq, ts in s.execute(
                        select(CallEventRow.callid, func.max(CallEventRow.seq),
                               func.max(CallEventRow.ts))
                        .where(CallEventRow.callid.in_([r.callid for r in rows]))
                        .group_by(CallEventRow.callid)
                    )
                }  # fmt: skip
                batch: list[CallEvent] = []
                for row in rows:
                    call = self._call(row)
                    last_seq, last_ts = latest.get(call.callid, (0, None))
                    last_heard = stale.last_activity(call, last_ts)
                    if last_heard >= idle_before:
                        continue
                    ended, event = stale.swept(call, last_seq, last_heard, now)
                    batch.append(event)
                    if not dry_run:
                        for name, value in self._call_values(ended).items():
                            setattr(row, name, value)
                if batch and not dry_run:
                    s.execute(insert(CallEventRow), [
                        {"callid": e.callid, "seq": e.seq, "ts": e.ts, "kind": e.kind,
                         "node": e.node, "data": e.data}
                        for e in batch
                    ])  # fmt: skip
                swept += batch
            if len(rows) < stale.SWEEP_BATCH:
                break
        return swept

    def prune_callback_responses(self, before: datetime, *, dry_run: bool = False) -> int:
        """Delete old callback answers, ``PRUNE_BATCH`` per transaction (see ``Repository``)."""
        old = CallbackResponseRow.created_at < c.utc(before)
        if dry_run:
            with self._tx() as s:
                return s.scalar(select(func.count()).select_from(CallbackResponseRow).where(old))
        key = tuple_(CallbackResponseRow.callid, CallbackResponseRow.key)
        batch = select(CallbackResponseRow.callid, CallbackResponseRow.key).where(old)
        removed = 0
        while True:
            with self._tx(write=True) as s:
                done = s.execute(
                    delete(CallbackResponseRow).where(key.in_(batch.limit(stale.PRUNE_BATCH))),
                    execution_options={"synchronize_session": False},
                ).rowcount
            removed += done
            if done < stale.PRUNE_BATCH:
                return removed
