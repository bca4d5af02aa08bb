"""Index reports by status, region and time: every report looks up its region's open incidents.

Revision ID: 0004_report_region_time
Revises: 0003_incidents
"""
from __future__ import annotations

from alembic import op

revision = "0004_report_region_time"
down_revision = "0003_incidents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index("ix_reports_region_time", ["status", "region", "time"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_region_time")
