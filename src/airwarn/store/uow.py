"""Unit of work: one transaction in which a state change, its audit record and outbox rows commit together."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine

from airwarn.store.repository import Repository

#: Key of the PostgreSQL advisory lock that serialises decisions (SQLite serialises with BEGIN IMMEDIATE).
WRITE_LOCK_KEY = 0x41495257  # "AIRW"


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    @contextmanager
    def write(self) -> Iterator[Repository]:
        """A serialised write transaction: commits on success, rolls back everything on any error."""
        with self.engine.begin() as conn:
            if self._postgres:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
            yield Repository(conn)

    @contextmanager
    def read(self) -> Iterator[Repository]:
        with self.engine.connect() as conn:
            yield Repository(conn)
