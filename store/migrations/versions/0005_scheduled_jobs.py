"""Scheduled jobs: the per-job claim that makes each period run once across schedulers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 17:00:00.598003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.tables.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_jobs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("last_period", sa.BigInteger(), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=True),
        sa.Column("started_at", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduled_jobs")),
    )


def downgrade() -> None:
    op.drop_table("scheduled_jobs")
