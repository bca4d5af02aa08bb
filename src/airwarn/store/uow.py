"""Unit of work: one transaction in which a state change, its audit record and outbox rows commit together."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from airwarn.domain.audit import AuditKey
from airwarn.store.audit_store import watch_writes
from airwarn.store.repository import Repository

#: Key of the PostgreSQL advisory lock that serialises decisions (SQLite serialises with BEGIN IMMEDIATE).
WRITE_LOCK_KEY = 0x41495257  # "AIRW"


class UnitOfWork:
    def __init__(self, engine: Engine, audit_key: AuditKey | None = None) -> None:
        self.engine = engine
        watch_writes(engine)
        #: Links the audit chain; without it, a transaction that writes audit records fails.
        self.audit_key = audit_key
        self._postgres = engine.dialect.name == "postgresql"
        # SQLite has one writer: threads of this process queue here instead of spinning on SQLITE_BUSY.
        self._local_writer: AbstractContextManager[object] = (
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )

    @contextmanager
    def write(self) -> Iterator[Repository]:
        """A serialised write transaction: commits on success, rolls back everything on any error.

        After the commit, with the write lock released, it runs the repository's `after_commit` hooks.
        """
        with self._local_writer, self.engine.connect() as conn:
            conn.info["airwarn_read"] = False
            with conn.begin():
                if self._postgres:
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
                repo = Repository(conn, self.audit_key)
                yield repo
                repo.audit_writer.flush(datetime.now(UTC))
        for hook in repo.after_commit:
            hook()

    @contextmanager
    def read(self, *, snapshot: bool = False) -> Iterator[Repository]:
        """A read transaction; with `snapshot`, every statement sees the same committed state (PostgreSQL
        REPEATABLE READ; SQLite's WAL readers always do), e.g. to compare the audit with the tables."""
        with self.engine.connect() as conn:
            if snapshot and self._postgres:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            conn.info["airwarn_read"] = True
            try:
                yield Repository(conn)
            finally:
                conn.info["airwarn_read"] = False
