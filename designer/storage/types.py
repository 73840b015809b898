"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no time zones and no JSON type; PostgreSQL has both.  These types
hide the difference so that the repository always hands out aware UTC
datetimes and plain JSON values, whatever the backend.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, DateTime, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """``timestamptz`` on PostgreSQL; on SQLite a naive UTC text read back as aware UTC.

    Values are converted to UTC on the way in (a naive value is taken to be
    UTC already), so that text comparison on SQLite orders times correctly.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Flow documents keep their key order as written (plain ``json`` on PostgreSQL:
# JSONB would re-sort the keys of what the user authored).  Call context and
# trace data are machine-written and queried from notebooks, so JSONB there.
Document = JSON()
Data = JSON().with_variant(JSONB(), "postgresql")

# A 64-bit surrogate key on PostgreSQL; SQLite only auto-increments INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")

__all__ = ["BigId", "Data", "Document", "UTCDateTime"]
