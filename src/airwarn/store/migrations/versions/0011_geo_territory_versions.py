"""territory versions: every territory import as a numbered version with its changes

Revision ID: 0007_geo
Revises: 0007_lifecycle
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0007_geo"
down_revision = "0007_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "territory_versions",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=400), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("collection", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("version"),
    )


def downgrade() -> None:
    op.drop_table("territory_versions")
