"""Lifecycle: a regime's level (pre-alert or alert); a measure's plan, the regimes it ends with, the
operator's keep flag and why it ended.

Revision ID: 0007_lifecycle
Revises: 0007_secdelivery
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_lifecycle"
down_revision = "0007_secdelivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("regimes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level", sa.String(16), nullable=False, server_default="alert"))
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan", sa.String(100), nullable=True))
        batch_op.add_column(sa.Column("regime_ids", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("keep", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("end_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.drop_column("end_reason")
        batch_op.drop_column("keep")
        batch_op.drop_column("regime_ids")
        batch_op.drop_column("plan")
    with op.batch_alter_table("regimes", schema=None) as batch_op:
        batch_op.drop_column("level")
