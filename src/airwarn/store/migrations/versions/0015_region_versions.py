"""Region versions: a region write decides outside any lock and checks, as its last statement before commit,
that no other write about the region committed meanwhile (store/region_versions.py, docs/audit.md).

Revision ID: 0015_region_versions
Revises: 0014_fanout
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_region_versions"
down_revision = "0014_fanout"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "region_versions",
        sa.Column("region", sa.String(16), primary_key=True),
        sa.Column("version", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("region_versions")
