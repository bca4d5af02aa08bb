"""Unit of work: one transaction in which a state change, its audit record and outbox rows commit together."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from airwarn.domain.audit import AuditKey
from airwarn.store.audit_store import watch_writes
from airwarn.store.repository import LiveReceipt, Repository

log = logging.getLogger("airwarn.store")

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
        # Live hand-offs waiting to be recorded: they ride along in the next write transaction of this
        # process, or, when none is in flight, go in one small transaction that takes no decision lock.
        self._receipts: list[LiveReceipt] = []
        self._writers = 0
        self._receipts_lock = threading.Lock()

    @contextmanager
    def write(self) -> Iterator[Repository]:
        """A serialised write transaction: commits on success, rolls back everything on any error.

        After the commit, with the write lock released, it runs the repository's `after_commit` hooks.
        """
        with self._receipts_lock:
            self._writers += 1
        taken: list[LiveReceipt] = []
        try:
            with self._local_writer, self.engine.connect() as conn:
                conn.info["airwarn_read"] = False
                with conn.begin():
                    if self._postgres:
                        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
                    repo = Repository(conn, self.audit_key)
                    try:
                        yield repo
                        taken = self._take_receipts()
                        repo.mark_handed_off(taken)
                        repo.audit_writer.flush(datetime.now(UTC))
                    finally:
                        repo.audit_writer.close()
        except BaseException:
            self._return_receipts(taken)
            raise
        finally:
            with self._receipts_lock:
                self._writers -= 1
            self._record_if_idle()
        for hook in repo.after_commit:
            hook()

    def handed_off(self, receipt: LiveReceipt) -> None:
        """Note that a live row reached the bus. It is recorded in this process's next write transaction,
        or now in a small one when none is in flight; until then its lease keeps the dispatcher off it."""
        with self._receipts_lock:
            self._receipts.append(receipt)
        self._record_if_idle()

    def _take_receipts(self) -> list[LiveReceipt]:
        with self._receipts_lock:
            taken, self._receipts = self._receipts, []
        return taken

    def _return_receipts(self, taken: list[LiveReceipt]) -> None:
        if taken:
            with self._receipts_lock:
                self._receipts[:0] = taken

    def _record_if_idle(self) -> None:
        """Record waiting receipts when no write transaction of this process is in flight (one in flight
        takes them before it commits, and whoever finishes last checks again)."""
        while True:
            with self._receipts_lock:
                if self._writers or not self._receipts:
                    return
                taken, self._receipts = self._receipts, []
                self._writers += 1
            try:
                with self._local_writer, self.engine.begin() as conn:  # no decision lock: rows only
                    Repository(conn).mark_handed_off(taken)
            except Exception:  # their leases run out and the dispatcher sends them under the same id
                log.exception("recording %d live hand-off(s) failed", len(taken))
            finally:
                with self._receipts_lock:
                    self._writers -= 1

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
