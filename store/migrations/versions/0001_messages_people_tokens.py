"""Inbox events and outbound messages; followers, bindings, their log and SMS codes; WeChat tokens

Revision ID: 0001
Revises:
Create Date: 2026-11-25 16:50:42.341561
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.tables.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "binding_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("student_no", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_binding_log")),
    )
    with op.batch_alter_table("binding_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_binding_log_openid"), ["openid"], unique=False)
        batch_op.create_index(batch_op.f("ix_binding_log_student_no"), ["student_no"], unique=False)

    op.create_table(
        "bindings",
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("student_no", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("bound_at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("openid", name=op.f("pk_bindings")),
        sa.UniqueConstraint("student_no", name=op.f("uq_bindings_student_no")),
    )
    op.create_table(
        "followers",
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_interaction_at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("openid", name=op.f("pk_followers")),
    )
    op.create_table(
        "inbox_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("dedup_key", sa.String(length=255), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("msg_type", sa.String(length=32), nullable=False),
        sa.Column("msg_id", sa.String(length=32), nullable=True),
        sa.Column("event", sa.String(length=64), nullable=True),
        sa.Column("event_key", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("redelivered_at", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("redeliveries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_events")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_inbox_events_dedup_key")),
    )
    with op.batch_alter_table("inbox_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_events_openid"), ["openid"], unique=False)
        batch_op.create_index("ix_inbox_events_status_received", ["status", "received_at"], unique=False)

    op.create_table(
        "sms_challenges",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("student_no", sa.String(length=32), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("created_at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_challenges")),
    )
    with op.batch_alter_table("sms_challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sms_challenges_openid"), ["openid"], unique=False)

    op.create_table(
        "wechat_tokens",
        sa.Column("appid", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=1024), nullable=True),
        sa.Column("expires_at", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refreshing_until", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("appid", name=op.f("pk_wechat_tokens")),
    )
    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", store.tables.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["inbox_events.id"], name=op.f("fk_outbound_messages_event_id_inbox_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_messages")),
        sa.UniqueConstraint("event_id", "channel", "seq", name="uq_outbound_messages_event_seq"),
    )
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbound_messages_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbound_messages_recipient"), ["recipient"], unique=False)
        batch_op.create_index("ix_outbound_messages_status_created", ["status", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_messages_status_created")
        batch_op.drop_index(batch_op.f("ix_outbound_messages_recipient"))
        batch_op.drop_index(batch_op.f("ix_outbound_messages_event_id"))

    op.drop_table("outbound_messages")
    op.drop_table("wechat_tokens")
    with op.batch_alter_table("sms_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_challenges_openid"))

    op.drop_table("sms_challenges")
    with op.batch_alter_table("inbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_events_status_received")
        batch_op.drop_index(batch_op.f("ix_inbox_events_openid"))

    op.drop_table("inbox_events")
    op.drop_table("followers")
    op.drop_table("bindings")
    with op.batch_alter_table("binding_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_binding_log_student_no"))
        batch_op.drop_index(batch_op.f("ix_binding_log_openid"))

    op.drop_table("binding_log")
