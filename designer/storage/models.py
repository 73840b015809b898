"""The database schema as SQLAlchemy 2 typed models.

These rows are a storage detail: nothing outside ``designer.storage`` sees
them (the rest of the application works with the records of
``designer.repository``).  The Alembic migrations in ``migrations/`` must
describe exactly this schema; a test compares the two.

Constraint names follow one naming convention so that migrations can refer
to them by name on every backend (SQLite batch mode needs names to alter).
Foreign keys say what a database-level delete would do; the repository
deletes dependants explicitly as well, so behaviour does not hinge on
SQLite's ``PRAGMA foreign_keys``.  Calls deliberately have no foreign key to
flows: the call log outlives the flows it ran.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from designer.storage.types import BigId, Data, Document, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ACTIVE = text("state = 'active'")  # the predicate of the partial index of calls still going


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ApplicationRow(Base):
    """A Sinch application (key and signing secret) the callbacks come from."""

    __tablename__ = "applications"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    secret: Mapped[str | None] = mapped_column(String)
    name: Mapped[str] = mapped_column(String, default="")
    default_flow_id: Mapped[str | None] = mapped_column(
        String, ForeignKey("flows.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FlowRow(Base):
    """The editable draft of a flow; ``revision`` guards against lost updates."""

    __tablename__ = "flows"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String)
    document: Mapped[dict[str, Any]] = mapped_column(Document)
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FlowVersionRow(Base):
    """An immutable published copy of a draft; calls run on these."""

    __tablename__ = "flow_versions"

    flow_id: Mapped[str] = mapped_column(
        String, ForeignKey("flows.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(Document)
    comment: Mapped[str] = mapped_column(Text, default="")
    published_by: Mapped[str] = mapped_column(String, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NumberBindingRow(Base):
    """Which flow answers a called number (E.164)."""

    __tablename__ = "number_bindings"

    number: Mapped[str] = mapped_column(String, primary_key=True)
    flow_id: Mapped[str] = mapped_column(
        String, ForeignKey("flows.id", ondelete="CASCADE"), index=True
    )
    application_key: Mapped[str | None] = mapped_column(
        String, ForeignKey("applications.key", ondelete="SET NULL")
    )
    version: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CallRow(Base):
    """One call (real or simulated) and the engine state it carries between callbacks."""

    __tablename__ = "calls"
    __table_args__ = (
        Index(None, "flow_id", "started_at"),
        Index(None, "started_at"),
        # only the calls still going: the housekeeping sweep finds the stale ones by it
        Index(
            "ix_calls_active", "started_at", "callid", postgresql_where=ACTIVE, sqlite_where=ACTIVE
        ),
    )

    callid: Mapped[str] = mapped_column(String, primary_key=True)
    flow_id: Mapped[str | None] = mapped_column(String)
    version: Mapped[int | None] = mapped_column(Integer)
    application_key: Mapped[str | None] = mapped_column(String)
    state: Mapped[str] = mapped_column(String, default="active")
    current_node: Mapped[str | None] = mapped_column(String)
    cli: Mapped[str | None] = mapped_column(String)
    to_number: Mapped[str | None] = mapped_column(String, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(String, index=True)
    reason: Mapped[str | None] = mapped_column(String)
    duration: Mapped[int | None] = mapped_column(Integer)
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    context: Mapped[dict[str, Any]] = mapped_column(Data)


class CallEventRow(Base):
    """One trace event; ``seq`` is consecutive per call, starting at 1.

    The unique (callid, seq) index also serves every lookup by call, so the
    foreign key needs no index of its own.
    """

    __tablename__ = "call_events"
    __table_args__ = (UniqueConstraint("callid", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    callid: Mapped[str] = mapped_column(String, ForeignKey("calls.callid", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    ts: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String)
    node: Mapped[str | None] = mapped_column(String)
    data: Mapped[dict[str, Any]] = mapped_column(Data)


class CallbackResponseRow(Base):
    """The answer given to one callback delivery, replayed when Sinch retries it."""

    __tablename__ = "callback_responses"

    callid: Mapped[str] = mapped_column(String, primary_key=True)
    key: Mapped[str] = mapped_column(String, primary_key=True)
    response: Mapped[dict[str, Any]] = mapped_column(Data)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # pruned by age


class UserRow(Base):
    """A person (or script) who may use the editor and the API; see ``designer.accounts``."""

    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String, primary_key=True)
    role: Mapped[str] = mapped_column(String)
    password_hash: Mapped[str | None] = mapped_column(String)  # scrypt; None: tokens only
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiTokenRow(Base):
    """An API token of a user: only a hash of its secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    user_name: Mapped[str] = mapped_column(
        String, ForeignKey("users.name", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String, default="")
    secret_hash: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
