"""Broadcasts through the one send pipeline: each recipient's delivery row links the outbound message
that carries the announcement to them, and the broadcast's own name for a customer-service message
("custom") becomes the outbound table's ("wechat").

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-09 00:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("broadcast_deliveries") as batch:
        batch.add_column(sa.Column("outbound_id", sa.BigInteger(), nullable=True))
    op.execute("UPDATE broadcast_deliveries SET channel = 'wechat' WHERE channel = 'custom'")


def downgrade() -> None:
    op.execute("UPDATE broadcast_deliveries SET channel = 'custom' WHERE channel = 'wechat'")
    with op.batch_alter_table("broadcast_deliveries") as batch:
        batch.drop_column("outbound_id")
