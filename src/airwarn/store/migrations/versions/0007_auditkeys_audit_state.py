"""Audit records gain the row digests they vouch for and the id of the MAC key that links them.

Records written before (both columns NULL) stay valid as a plain-hash prefix of the chain; every new
record is linked with HMAC-SHA256 under the key in AIRWARN_KEYS_DIR (see docs/audit.md).

Revision ID: 0007_auditkeys
Revises: 0006_subscription_version
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_auditkeys"
down_revision = "0006_subscription_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("state", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("key_id", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("key_id")
        batch.drop_column("state")
