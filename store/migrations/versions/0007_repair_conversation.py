"""Repair tickets keep their conversation: every reply and change of status, with who and when

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.tables.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "repair_ticket_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["repair_tickets.id"],
                                name=op.f("fk_repair_ticket_entries_ticket_id_repair_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_ticket_entries")),
    )
    with op.batch_alter_table("repair_ticket_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repair_ticket_entries_ticket_id"), ["ticket_id"], unique=False)
    # The one reply each ticket kept so far becomes the first entry of its conversation.
    op.execute("INSERT INTO repair_ticket_entries (ticket_id, at, kind, text) "
               "SELECT id, updated_at, 'reply', reply FROM repair_tickets WHERE reply IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("repair_ticket_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_ticket_entries_ticket_id"))
    op.drop_table("repair_ticket_entries")
