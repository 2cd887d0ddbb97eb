"""The inbox says where each event came from: card transactions are no longer stored as WeChat
messages from a made-up sender ("card:<student_no>"), but as records of their own source.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 20:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_events") as batch:
        batch.add_column(sa.Column("source", sa.String(length=16), server_default="wechat", nullable=False))
        batch.alter_column("openid", existing_type=sa.String(length=64), nullable=True)
        batch.alter_column("msg_type", existing_type=sa.String(length=32), nullable=True)
    op.execute("UPDATE inbox_events SET source = 'card', openid = NULL, msg_type = NULL "
               "WHERE msg_type = 'card_transaction'")


def downgrade() -> None:
    op.execute("UPDATE inbox_events SET msg_type = 'card_transaction', "
               "openid = 'card:' || (SELECT student_no FROM card_transactions WHERE inbox_id = inbox_events.id) "
               "WHERE source = 'card'")
    op.execute("UPDATE inbox_events SET openid = 'card:' WHERE source = 'card' AND openid IS NULL")
    with op.batch_alter_table("inbox_events") as batch:
        batch.alter_column("msg_type", existing_type=sa.String(length=32), nullable=False)
        batch.alter_column("openid", existing_type=sa.String(length=64), nullable=False)
        batch.drop_column("source")
