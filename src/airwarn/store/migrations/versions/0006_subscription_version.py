"""Subscriptions get a change version that a database trigger raises on every insert and update.

A node keeps its subscribers in memory and, per alert, loads only the rows whose version is above the
highest it has seen. That is only safe if versions grow in commit order whoever writes the row (an API
node, the CLI, the dispatcher, a bulk load), so the database assigns them: SQLite's writers are already
serialised (one at a time, BEGIN IMMEDIATE), and on PostgreSQL the trigger first takes the advisory lock
that every decision holds (`airwarn.store.uow.WRITE_LOCK_KEY`), so a smaller version can never commit
after a larger one has been read.

Revision ID: 0006_subscription_version
Revises: 0005_subscription_expiry
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_subscription_version"
down_revision = "0005_subscription_expiry"
branch_labels = None
depends_on = None

WRITE_LOCK_KEY = 0x41495257  # airwarn.store.uow.WRITE_LOCK_KEY when this was written; a migration is frozen

SQLITE_TRIGGERS = (
    """CREATE TRIGGER subscriptions_version_on_insert AFTER INSERT ON subscriptions
    BEGIN
        UPDATE subscriptions SET version = (SELECT coalesce(max(version), 0) + 1 FROM subscriptions)
        WHERE rowid = NEW.rowid;
    END""",
    """CREATE TRIGGER subscriptions_version_on_update AFTER UPDATE ON subscriptions
    WHEN NEW.version IS OLD.version
    BEGIN
        UPDATE subscriptions SET version = (SELECT max(version) + 1 FROM subscriptions)
        WHERE rowid = NEW.rowid;
    END""",
)

POSTGRES_TRIGGER = (
    "CREATE SEQUENCE subscriptions_version_seq",
    f"""CREATE FUNCTION subscriptions_next_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock({WRITE_LOCK_KEY});
        NEW.version := nextval('subscriptions_version_seq');
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER subscriptions_version BEFORE INSERT OR UPDATE ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION subscriptions_next_version()""",
)


def upgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.create_index("ix_subscriptions_version", ["version"], unique=False)
    for sql in SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else POSTGRES_TRIGGER:
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER subscriptions_version_on_update")
        op.execute("DROP TRIGGER subscriptions_version_on_insert")
    else:
        op.execute("DROP TRIGGER subscriptions_version ON subscriptions")
        op.execute("DROP FUNCTION subscriptions_next_version()")
        op.execute("DROP SEQUENCE subscriptions_version_seq")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index("ix_subscriptions_version")
        batch_op.drop_column("version")
