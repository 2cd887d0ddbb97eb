"""WeChat as it really is: the customer-service quota ledger, the account's templates, a clerk's
choice of template per notice kind, and the notice an outbound message carries for its template.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 00:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.tables.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TIME = store.tables.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "wechat_grants",
        sa.Column("id", store.tables.base.BigId, primary_key=True, autoincrement=True),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("scenario", sa.String(length=16), nullable=False),
        sa.Column("granted_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.Column("allowed", sa.Integer(), nullable=True),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_wechat_grants_openid_expires", "wechat_grants", ["openid", "expires_at"])
    op.create_table(
        "wechat_templates",
        sa.Column("template_id", sa.String(length=64), primary_key=True),
        sa.Column("title", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("example", sa.Text(), nullable=False),
        sa.Column("synced_at", _TIME, nullable=False),
    )
    op.create_table(
        "notice_templates",
        sa.Column("kind", sa.String(length=32), primary_key=True),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("keys", sa.JSON(), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
    )
    with op.batch_alter_table("outbound_messages") as batch:
        batch.add_column(sa.Column("notice", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbound_messages") as batch:
        batch.drop_column("notice")
    op.drop_table("notice_templates")
    op.drop_table("wechat_templates")
    op.drop_index("ix_wechat_grants_openid_expires", table_name="wechat_grants")
    op.drop_table("wechat_grants")
