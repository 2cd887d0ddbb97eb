"""Service states, notification opt-outs, found cards, loan reminders

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 16:58:02.993452
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.tables.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "found_cards",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("card_no", sa.String(length=32), nullable=True),
        sa.Column("holder_name", sa.String(length=64), nullable=True),
        sa.Column("student_no", sa.String(length=32), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("finder_openid", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner_notified", sa.Boolean(), nullable=False),
        sa.Column("found_at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_found_cards")),
    )
    with op.batch_alter_table("found_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_found_cards_card_no"), ["card_no"], unique=False)
        batch_op.create_index(batch_op.f("ix_found_cards_student_no"), ["student_no"], unique=False)

    op.create_table(
        "loan_reminders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("student_no", sa.String(length=32), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("sent_at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_reminders")),
        sa.UniqueConstraint("student_no", "loan_id", "due_on", name="uq_loan_reminders_loan_due"),
    )
    with op.batch_alter_table("loan_reminders", schema=None) as batch_op:
        batch_op.create_index("ix_loan_reminders_sent_at", ["sent_at"], unique=False)

    op.create_table(
        "notification_optouts",
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("openid", name=op.f("pk_notification_optouts")),
    )
    op.create_table(
        "service_states",
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("openid", "name", name=op.f("pk_service_states")),
    )


def downgrade() -> None:
    op.drop_table("service_states")
    op.drop_table("notification_optouts")
    with op.batch_alter_table("loan_reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_loan_reminders_sent_at")

    op.drop_table("loan_reminders")
    with op.batch_alter_table("found_cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_found_cards_student_no"))
        batch_op.drop_index(batch_op.f("ix_found_cards_card_no"))

    op.drop_table("found_cards")
