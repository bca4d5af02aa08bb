"""The sensor registry (threat tracks from sensor detections).

Revision ID: 0007_tracks
Revises: 0007_geo
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_tracks"
down_revision = "0007_geo"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sensors",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("range_m", sa.Float, nullable=False),
        sa.Column("bearing_sd_deg", sa.Float, nullable=False),
        sa.Column("region", sa.String(16)),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sensors")
