"""Subscriptions hold channels still waiting for proof (an SMS code, a webhook's echoed challenge) apart from
the verified ones, and whether the subscriber accepts Test alerts.

Revision ID: 0007_secdelivery
Revises: 0007_authcore
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_secdelivery"
down_revision = "0007_authcore"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN, not a batch: a batch recreates the SQLite table and would drop its version trigger
    op.add_column("subscriptions", sa.Column("pending_channels", sa.JSON(), nullable=True))
    op.add_column("subscriptions", sa.Column("accept_tests", sa.Boolean(), nullable=False,
                                             server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("accept_tests")
        batch_op.drop_column("pending_channels")
