"""Initial schema: applications, flows and versions, number bindings, calls and traces.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 00:00:00+00:00

Self-contained on purpose: it spells out the column types instead of
importing them from the application, so later changes to the code cannot
change what this migration did.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Flow documents keep their key order (json); machine-written data is queryable (jsonb).
DOCUMENT = sa.JSON()
DATA = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "flows",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("document", DOCUMENT, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("updated_at", when(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flows")),
    )
    op.create_table(
        "flow_versions",
        sa.Column("flow_id", sa.String(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("document", DOCUMENT, nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("published_by", sa.String(), nullable=False),
        sa.Column("published_at", when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_id"],
            ["flows.id"],
            name=op.f("fk_flow_versions_flow_id_flows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("flow_id", "number", name=op.f("pk_flow_versions")),
    )
    op.create_table(
        "applications",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("secret", sa.String(), nullable=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("default_flow_id", sa.String(), nullable=True),
        sa.Column("created_at", when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["default_flow_id"],
            ["flows.id"],
            name=op.f("fk_applications_default_flow_id_flows"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_applications")),
    )
    op.create_table(
        "number_bindings",
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("flow_id", sa.String(), nullable=False),
        sa.Column("application_key", sa.String(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("updated_at", when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_key"],
            ["applications.key"],
            name=op.f("fk_number_bindings_application_key_applications"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["flow_id"],
            ["flows.id"],
            name=op.f("fk_number_bindings_flow_id_flows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_number_bindings")),
    )
    op.create_index(op.f("ix_number_bindings_flow_id"), "number_bindings", ["flow_id"])

    op.create_table(
        "calls",
        sa.Column("callid", sa.String(), nullable=False),
        sa.Column("flow_id", sa.String(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("application_key", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("current_node", sa.String(), nullable=True),
        sa.Column("cli", sa.String(), nullable=True),
        sa.Column("to_number", sa.String(), nullable=True),
        sa.Column("started_at", when(), nullable=False),
        sa.Column("ended_at", when(), nullable=True),
        sa.Column("result", sa.String(), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("duration", sa.Integer(), nullable=True),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("context", DATA, nullable=False),
        sa.PrimaryKeyConstraint("callid", name=op.f("pk_calls")),
    )
    op.create_index(op.f("ix_calls_flow_id_started_at"), "calls", ["flow_id", "started_at"])
    op.create_index(op.f("ix_calls_started_at"), "calls", ["started_at"])
    op.create_index(op.f("ix_calls_to_number"), "calls", ["to_number"])
    op.create_index(op.f("ix_calls_result"), "calls", ["result"])

    op.create_table(
        "call_events",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("callid", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("ts", when(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("node", sa.String(), nullable=True),
        sa.Column("data", DATA, nullable=False),
        sa.ForeignKeyConstraint(
            ["callid"],
            ["calls.callid"],
            name=op.f("fk_call_events_callid_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_events")),
        sa.UniqueConstraint("callid", "seq", name=op.f("uq_call_events_callid_seq")),
    )
    op.create_table(
        "callback_responses",
        sa.Column("callid", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("response", DATA, nullable=False),
        sa.Column("created_at", when(), nullable=False),
        sa.PrimaryKeyConstraint("callid", "key", name=op.f("pk_callback_responses")),
    )


def downgrade() -> None:
    op.drop_table("callback_responses")
    op.drop_table("call_events")
    op.drop_index(op.f("ix_calls_result"), table_name="calls")
    op.drop_index(op.f("ix_calls_to_number"), table_name="calls")
    op.drop_index(op.f("ix_calls_started_at"), table_name="calls")
    op.drop_index(op.f("ix_calls_flow_id_started_at"), table_name="calls")
    op.drop_table("calls")
    op.drop_index(op.f("ix_number_bindings_flow_id"), table_name="number_bindings")
    op.drop_table("number_bindings")
    op.drop_table("applications")
    op.drop_table("flow_versions")
    op.drop_table("flows")
