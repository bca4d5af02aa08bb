"""Fan-out jobs: an issued alert commits one job per subscriber channel and shard; dispatchers expand them.

Revision ID: 0014_fanout
Revises: 0013_partlock
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_fanout"
down_revision = "0013_partlock"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fanout_jobs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(80), sa.ForeignKey("alerts.identifier"), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("shard", sa.Integer, nullable=False),
        sa.Column("shards", sa.Integer, nullable=False),
        sa.Column("districts", sa.JSON, nullable=False),
        sa.Column("restricted", sa.Boolean, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expanded_at", sa.DateTime(timezone=True)),
        sa.Column("targets", sa.Integer),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_fanout_jobs_due", "fanout_jobs", ["state", "next_attempt_at"])
    op.create_index("ux_fanout_jobs_shard", "fanout_jobs", ["alert_id", "channel", "shard"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_fanout_jobs_shard", "fanout_jobs")
    op.drop_index("ix_fanout_jobs_due", "fanout_jobs")
    op.drop_table("fanout_jobs")
