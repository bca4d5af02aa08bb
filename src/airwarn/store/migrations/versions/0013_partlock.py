"""Audit records commit unlinked and are chained after commit (PostgreSQL), so no write takes a global lock.

A writing transaction draws each record's `seq` from the `audit_seq` sequence and stores it with its
`content_mac` (HMAC of the record's content under the audit key), leaving `prev_hash`/`hash` NULL; one
chainer at a time links committed records in `seq` order (docs/audit.md, "Why no record is reordered, lost
or forked"). SQLite keeps linking inside its single writer, so its records are never unlinked.

Revision ID: 0013_partlock
Revises: 0007_tracks
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_partlock"
down_revision = "0007_tracks"  # the file 0012_tracks_sensors.py
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("prev_hash", existing_type=sa.String(64), nullable=True)
        batch.alter_column("hash", existing_type=sa.String(64), nullable=True)
        batch.add_column(sa.Column("content_mac", sa.String(64)))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE audit_seq")
        op.execute("SELECT setval('audit_seq', coalesce((SELECT max(seq) FROM audit_log), 0) + 1, false)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE audit_seq")
    op.execute("DELETE FROM audit_log WHERE hash IS NULL")  # unlinked records cannot live in the old schema
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("content_mac")
        batch.alter_column("hash", existing_type=sa.String(64), nullable=False)
        batch.alter_column("prev_hash", existing_type=sa.String(64), nullable=False)
