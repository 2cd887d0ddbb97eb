"""Money orders and their outbox; reconciliation runs and discrepancies

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 17:00:46.674897
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.tables.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reconciliation_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("statement_date", sa.String(length=10), nullable=False),
        sa.Column("triggered_by", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_runs")),
    )
    with op.batch_alter_table("reconciliation_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reconciliation_runs_statement_date"), ["statement_date"], unique=False)

    op.create_table(
        "money_orders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("student_no", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("reply_deadline", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("moved_at", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("undone_at", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("balance_after_fen", sa.BigInteger(), nullable=True),
        sa.Column("step_attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["inbox_events.id"], name=op.f("fk_money_orders_event_id_inbox_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_money_orders")),
        sa.UniqueConstraint("order_no", name=op.f("uq_money_orders_order_no")),
    )
    with op.batch_alter_table("money_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_money_orders_openid"), ["openid"], unique=False)
        batch_op.create_index("ix_money_orders_status_updated", ["status", "updated_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_money_orders_student_no"), ["student_no"], unique=False)

    op.create_table(
        "reconciliation_discrepancies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("bank_fen", sa.BigInteger(), nullable=True),
        sa.Column("platform_fen", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=True),
        sa.Column("decision", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("resolved_at", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["reconciliation_runs.id"],
            name=op.f("fk_reconciliation_discrepancies_run_id_reconciliation_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_discrepancies")),
    )
    with op.batch_alter_table("reconciliation_discrepancies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reconciliation_discrepancies_order_no"), ["order_no"], unique=False)
        batch_op.create_index(batch_op.f("ix_reconciliation_discrepancies_run_id"), ["run_id"], unique=False)

    op.create_table(
        "money_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("next_attempt_at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["money_orders.id"], name=op.f("fk_money_outbox_order_id_money_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_money_outbox")),
        sa.UniqueConstraint("order_id", name=op.f("uq_money_outbox_order_id")),
    )
    with op.batch_alter_table("money_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_money_outbox_status_next", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("money_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_money_outbox_status_next")

    op.drop_table("money_outbox")
    with op.batch_alter_table("reconciliation_discrepancies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reconciliation_discrepancies_run_id"))
        batch_op.drop_index(batch_op.f("ix_reconciliation_discrepancies_order_no"))

    op.drop_table("reconciliation_discrepancies")
    with op.batch_alter_table("money_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_money_orders_student_no"))
        batch_op.drop_index("ix_money_orders_status_updated")
        batch_op.drop_index(batch_op.f("ix_money_orders_openid"))

    op.drop_table("money_orders")
    with op.batch_alter_table("reconciliation_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reconciliation_runs_statement_date"))

    op.drop_table("reconciliation_runs")
