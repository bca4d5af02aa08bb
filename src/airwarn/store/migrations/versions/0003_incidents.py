"""incidents: merge the delivery and shelter branches; reports.incident_id

Revision ID: 0003_incidents
Revises: 0002_delivery, 0002_shelters
Create Date: 2026-11-27 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_incidents"
down_revision = ("0002_delivery", "0002_shelters")
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incident_id", sa.String(length=40), nullable=True))
        batch_op.create_index("ix_reports_incident", ["incident_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_incident")
        batch_op.drop_column("incident_id")
