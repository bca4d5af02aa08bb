"""Subscriptions remember channels the receiver said are gone (Web Push 404/410) and when they expired.

Revision ID: 0005_subscription_expiry
Revises: 0004_report_region_time
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_subscription_expiry"
down_revision = "0004_report_region_time"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("removed_channels", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("removed_channels")
        batch_op.drop_column("expired_at")
