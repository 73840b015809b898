"""Housekeeping: find stale calls and old callback answers without reading whole tables.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 12:00:00+00:00

``ix_calls_active`` holds only the calls still going (a partial index, on
both backends), so the sweep for calls whose DiCE never came reads a
handful of entries however long the call log grows.  The index on
``callback_responses.created_at`` lets old answers be deleted in batches.
Self-contained like 0001: the predicate is spelled out here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "state = 'active'"


def upgrade() -> None:
    op.create_index(
        "ix_calls_active",
        "calls",
        ["started_at", "callid"],
        postgresql_where=sa.text(ACTIVE),
        sqlite_where=sa.text(ACTIVE),
    )
    op.create_index(op.f("ix_callback_responses_created_at"), "callback_responses", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_callback_responses_created_at"), table_name="callback_responses")
    op.drop_index("ix_calls_active", table_name="calls")
