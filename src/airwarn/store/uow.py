"""Unit of work: one transaction in which a state change, its audit record and outbox rows commit together."""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from airwarn.domain.audit import AuditKey
from airwarn.store import lock_keys, serial_metrics
from airwarn.store.audit_chainer import Chainer
from airwarn.store.audit_store import watch_writes
from airwarn.store.repository import LiveReceipt, Repository

log = logging.getLogger("airwarn.store")

WRITE_LOCK_KEY = lock_keys.WRITE_LOCK_KEY
REGION_LOCK_SPACE = lock_keys.REGION_LOCK_SPACE


def region_key(region: str) -> int:
    """The region code hashed into the int4 advisory-lock key space (a collision only costs parallelism)."""
    key = zlib.crc32(region.encode())
    return key - (1 << 32) if key >= 1 << 31 else key


class LockTimes:
    """How long this process's write transactions held their decision lock (lock taken → commit done)."""

    def __init__(self) -> None:
        self.count = {"region": 0, "global": 0}
        self.held_s = {"region": 0.0, "global": 0.0}

    def add(self, scope: str, held_s: float) -> None:
        self.count[scope] += 1
        self.held_s[scope] += held_s
        serial_metrics.observe(scope, held_s)


class UnitOfWork:
    def __init__(self, engine: Engine, audit_key: AuditKey | None = None) -> None:
        self.engine = engine
        watch_writes(engine)
        #: Links the audit chain; without it, a transaction that writes audit records fails.
        self.audit_key = audit_key
        self._postgres = engine.dialect.name == "postgresql"
        #: Links committed audit records after commit (PostgreSQL; SQLite links inside its one writer).
        self.chainer = Chainer(engine, audit_key) if self._postgres and audit_key is not None else None
        self.lock_times = LockTimes()
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
    def write(self, *, region: str | None = None) -> Iterator[Repository]:
        """A write transaction: commits on success, rolls back everything on any error.

        `region`: the transaction reads and changes only that region's picture (a report's decision, an
        approval, a lift), so on PostgreSQL it waits only for writes about the same region (and for global
        ones); without it the write is global and waits for every other write. SQLite has one writer.
        After the commit, with the lock released, it runs the repository's `after_commit` hooks, then the
        audit chainer (PostgreSQL), so its records are normally linked before this returns.
        """
        with self._receipts_lock:
            self._writers += 1
        taken: list[LiveReceipt] = []
        repo: Repository | None = None
        try:
            with self._local_writer, self.engine.connect() as conn:
                conn.info["airwarn_read"] = False
                with conn.begin():
                    locked = self._lock(conn, region)
                    repo = Repository(conn, self.audit_key)
                    try:
                        yield repo
                        taken = self._take_receipts()
                        repo.mark_handed_off(taken)
                        repo.audit_writer.flush(datetime.now(UTC))
                    finally:
                        repo.audit_writer.close()
                self.lock_times.add("global" if region is None else "region", time.perf_counter() - locked)
        except BaseException:
            self._return_receipts(taken)
            if repo is not None and repo.audit_writer.drew:
                self._chain()  # its numbers became gaps: let the chainer see that soon
            raise
        finally:
            with self._receipts_lock:
                self._writers -= 1
            self._record_if_idle()
        assert repo is not None
        for hook in repo.after_commit:
            hook()
        if repo.audit_writer.drew:
            self._chain()

    def _lock(self, conn: Connection, region: str | None) -> float:
        """Take the transaction's decision lock (PostgreSQL); returns when it was held."""
        if self._postgres:
            if region is None:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
            else:  # shared global key first, then the region's own: a global write excludes all regions
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock_shared({WRITE_LOCK_KEY}), "
                                     f"pg_advisory_xact_lock({REGION_LOCK_SPACE}, {region_key(region)})")
        return time.perf_counter()

    def _chain(self) -> None:
        """Link committed audit records now (try-lock: if another chainer is at work, it links them)."""
        if self.chainer is None:
            return
        try:
            self.chainer.run()
        except Exception:  # the periodic run of the serving node tries again
            log.exception("linking the audit chain failed")

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
