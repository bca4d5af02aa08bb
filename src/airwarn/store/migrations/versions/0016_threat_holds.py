"""Threat holds: the shared view of live threats across nodes, so one node's all-clear does not lift a
district another node's track still threatens (store/threat_holds.py, docs/tracks.md "Partitions").

Revision ID: 0016_threat_holds
Revises: 0015_region_versions
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_threat_holds"
down_revision = "0015_region_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "threat_holds",
        sa.Column("district", sa.String(64), primary_key=True),
        sa.Column("partition", sa.String(200), primary_key=True),
        sa.Column("status", sa.String(16), primary_key=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tracks", sa.JSON, nullable=False),
        sa.Column("regime", sa.String(32), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_threat_holds_status_district", "threat_holds", ["status", "district"])


def downgrade() -> None:
    op.drop_index("ix_threat_holds_status_district", table_name="threat_holds")
    op.drop_table("threat_holds")
