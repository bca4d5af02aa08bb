"""Regimes and measures announced by an alert that waits for a second person are proposed until approved;
an all-clear or cancel that waits for one marks what it will lift.

Revision ID: 0007_authcore
Revises: 0006_subscription_version
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_authcore"
down_revision = "0006_subscription_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("regimes", "measures"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("pending_alert", sa.String(80), nullable=True))
            batch.add_column(sa.Column("lift_pending", sa.String(80), nullable=True))


def downgrade() -> None:
    for table in ("regimes", "measures"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("lift_pending")
            batch.drop_column("pending_alert")
