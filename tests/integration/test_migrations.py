"""The migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from airwarn.store.engine import make_engine
from airwarn.store.schema import metadata


def test_migrated_database_matches_the_declared_tables(db_url: str) -> None:
    with make_engine(db_url).connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
