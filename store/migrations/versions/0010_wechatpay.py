"""WeChat Pay: the notifications inbox, and whose statement a reconciliation run matched

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.tables.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wechatpay_notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("dedup_key", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("out_trade_no", sa.String(length=32), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=False),
        sa.Column("out_refund_no", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("resource", sa.JSON(), nullable=False),
        sa.Column("received_at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["money_orders.id"],
                                name=op.f("fk_wechatpay_notifications_order_id_money_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechatpay_notifications")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_wechatpay_notifications_dedup_key")),
    )
    op.create_index(op.f("ix_wechatpay_notifications_order_id"), "wechatpay_notifications", ["order_id"])
    with op.batch_alter_table("reconciliation_runs") as batch:
        batch.add_column(sa.Column("source", sa.String(length=16), server_default="bank", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("reconciliation_runs") as batch:
        batch.drop_column("source")
    op.drop_index(op.f("ix_wechatpay_notifications_order_id"), table_name="wechatpay_notifications")
    op.drop_table("wechatpay_notifications")
