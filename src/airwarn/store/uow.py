"""Unit of work: one transaction in which a state change, its audit record and outbox rows commit together."""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from airwarn.domain.audit import AuditKey, AuditRecord
from airwarn.store import lock_keys, region_versions, serial_metrics
from airwarn.store.audit_chainer import Chainer, ChainSoon
from airwarn.store.audit_store import VersionMoved, watch_writes
from airwarn.store.outbox_rows import LiveReceipt
from airwarn.store.repository import Repository

log = logging.getLogger("airwarn.store")

WRITE_LOCK_KEY = lock_keys.WRITE_LOCK_KEY


T = TypeVar("T")


def _conflicting(exc: BaseException) -> bool:
    """A PostgreSQL error that means another writer got there first (a retry decides again)."""
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in region_versions.CONFLICT_STATES


def _drain_at_exit(ref: weakref.ref[ChainSoon]) -> None:
    soon = ref()
    if soon is not None:
        soon.drain()


class LockTimes:
    """How long this process's write transactions held their decision lock (lock taken → commit done), and
    how often a region write had to decide again because another write about its region committed first."""

    def __init__(self) -> None:
        self.count = {"region": 0, "global": 0}
        self.held_s = {"region": 0.0, "global": 0.0}
        self.retries = 0
        #: Audit numbers drawn by tries that rolled back (the newest few thousand): the chainer links gaps there.
        self.lost_numbers: deque[int] = deque(maxlen=4096)

    def add(self, scope: str, held_s: float) -> None:
        self.count[scope] += 1
        self.held_s[scope] += held_s
        serial_metrics.observe(scope, held_s)

    def retried(self) -> None:
        self.retries += 1
        serial_metrics.retried()


class RegionConflict(Exception):
    """Another write about the region committed after this one read the region's version: decide again."""


#: An optimistic try, then pessimistic ones (a pessimistic try only fails on a deadlock PostgreSQL broke).
MAX_ATTEMPTS = 5


class UnitOfWork:
    def __init__(self, engine: Engine, audit_key: AuditKey | None = None, *, hot_s: float = 1.0) -> None:
        self.engine = engine
        watch_writes(engine)
        #: Links the audit chain; without it, a transaction that writes audit records fails.
        self.audit_key = audit_key
        self._postgres = engine.dialect.name == "postgresql"
        #: Links committed audit records after commit (PostgreSQL; SQLite links inside its one writer).
        self.chainer = Chainer(engine, audit_key) if self._postgres and audit_key is not None else None
        #: Set by `chain_in_background`: commits signal one coalescing chainer thread instead of each running
        #: the chainer itself.
        self.chain_soon: ChainSoon | None = None
        self.lock_times = LockTimes()
        #: After a conflict, or a write holding the region that had to queue for it, writes about that region
        #: start holding it for this long: while reports about one region keep overlapping, a first try
        #: without the lock would mostly be decided for nothing.
        self.hot_s = hot_s
        self._hot: dict[str, float] = {}  # region → until when its writes start pessimistic
        # SQLite has one writer: threads of this process queue here instead of spinning on SQLITE_BUSY.
        self._local_writer: AbstractContextManager[object] = (
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )
        # Live hand-offs waiting to be recorded: they ride along in the next write transaction of this
        # process, or, when none is in flight, go in one small transaction that takes no decision lock.
        self._receipts: list[LiveReceipt] = []
        self._writers = 0
        self._receipts_lock = threading.Lock()

    def chain_in_background(self, every_s: float = 0.025) -> None:
        """Link the audit chain once per batch of commits (a serving node under load): after each commit a
        writer only signals, and one thread of this process runs the chainer at most every `every_s`."""
        if self.chainer is None or self.chain_soon is not None:
            return
        soon = self.chain_soon = ChainSoon(self.chainer, every_s=every_s)
        atexit.register(_drain_at_exit, weakref.ref(soon))

    def chain_after_commit(self) -> None:
        """Back to one chainer run after each commit (the default), linking what is pending first."""
        soon, self.chain_soon = self.chain_soon, None
        if soon is not None:
            soon.close()

    def run(self, decide: Callable[[Repository], T], *, region: str | None) -> T:
        """A write about one region, decided outside any lock; returns what `decide` returns.

        `decide(repo)` reads the region's picture, decides and writes through `repo`. On PostgreSQL it first
        runs with no region lock (the shared write lock key only); the transaction's last statement moves
        the region's version on if no other write about the region committed meanwhile, else everything
        rolls back and `decide` runs again, this time holding the region's version row from the start, so
        it finishes. For `hot_s` after a conflict, or after such a write found the region's lock taken,
        writes about that region start that way (the reports about it overlap: a first try without the
        lock would mostly be decided for nothing).
        So `decide` may run more than once: it must change nothing but through `repo` (work
        for after the commit goes in `repo.after_commit`, which only the committed try runs), and draw new
        ids inside or keep ones made before (a rolled-back try's ids and audit numbers are never seen; its
        numbers are linked as gaps). An error it raises is final only if no write about the region
        committed since the try began; else the error may come from a torn picture and it runs again.
        SQLite, or no region (a global write, e.g. about a row that does not exist): one try under the lock."""
        if not self._postgres or region is None:
            with self.write(region=region) as repo:
                return decide(repo)
        hot = self.starts_locked(region)
        for attempt in range(MAX_ATTEMPTS):
            try:
                with self._transaction(region, optimistic=attempt == 0 and not hot, retried=True) as repo:
                    result = decide(repo)
                return result
            except RegionConflict as conflict:
                self.lock_times.retried()
                self._hot[region] = time.monotonic() + self.hot_s
                last = conflict
        raise RuntimeError(f"a write about region {region} conflicted {MAX_ATTEMPTS} times") from last

    def starts_locked(self, region: str) -> bool:
        """Whether `run` starts a write about `region` holding its version row (a conflict there was recent)."""
        return self._hot.get(region, 0.0) > time.monotonic()

    @contextmanager
    def write(self, *, region: str | None = None) -> Iterator[Repository]:
        """A write transaction: commits on success, rolls back everything on any error.

        `region`: the transaction reads and changes only that region's picture; on PostgreSQL it holds the
        region's version row from its first statement to its commit, so it waits only for writes about the
        same region (and for global ones) — `run` decides outside even that and is what the use cases
        use. Without `region` the write is global and waits for every other write. SQLite has one writer.
        After the commit, with the lock released, it runs the repository's `after_commit` hooks, then the
        audit chainer (PostgreSQL), so its records are normally linked before this returns.
        """
        with self._transaction(region, optimistic=False) as repo:
            yield repo

    @contextmanager
    def _transaction(self, region: str | None, *, optimistic: bool, retried: bool = False) -> Iterator[Repository]:
        """One try of a write; `optimistic` (a region on PostgreSQL): no region lock, the version checked
        last, RegionConflict when it moved. `retried` (by `run`): a deadlock or lock failure is a
        RegionConflict too."""
        with self._receipts_lock:
            self._writers += 1
        taken: list[LiveReceipt] = []
        repo: Repository | None = None
        scope = "global" if region is None else "region"
        seen: int | None = None
        drawn: list[AuditRecord] = []
        try:
            with self._local_writer, self.engine.connect() as conn:
                conn.info["airwarn_read"] = False
                try:
                    with conn.begin():
                        if optimistic:
                            assert region is not None
                            seen = region_versions.begin_optimistic(conn, region)
                        else:
                            locked = self._lock(conn, region)
                        repo = Repository(conn, self.audit_key)
                        try:
                            yield repo
                            taken = self._take_receipts()
                            repo.mark_handed_off(taken)
                            unmoved = (region, seen) if optimistic and region is not None else None
                            try:  # a region that moved is found before numbers are drawn: no gaps
                                drawn = repo.audit_writer.flush(datetime.now(UTC), unmoved=unmoved)
                            except VersionMoved:
                                raise RegionConflict(str(region)) from None
                        finally:
                            repo.audit_writer.close()
                        if optimistic:  # the last statement: the only one that waits for no one and is waited for
                            assert region is not None
                            if not region_versions.bump(conn, region, seen):
                                raise RegionConflict(region)
                            locked = time.perf_counter()
                except RegionConflict:
                    raise
                except Exception as exc:
                    if self._postgres and region is not None and retried and (
                            _conflicting(exc) or (optimistic and self._moved(conn, region, seen))):
                        raise RegionConflict(region) from exc
                    raise
                self.lock_times.add(scope, time.perf_counter() - locked)
        except BaseException:
            self._return_receipts(taken)
            if repo is not None and repo.audit_writer.drew:
                self.lock_times.lost_numbers.extend(r.seq for r in drawn)
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

    @staticmethod
    def _moved(conn: Connection, region: str, seen: int | None) -> bool:
        """Whether a write about `region` committed since a try read version `seen` (its transaction is over)."""
        try:
            with conn.begin():
                return region_versions.current(conn, region) != seen
        except Exception:  # cannot tell (the connection is gone): the caller's error stands
            log.exception("reading region %s's version after a failed write", region)
            return False

    def _lock(self, conn: Connection, region: str | None) -> float:
        """Take the transaction's decision lock (PostgreSQL); returns when it was held."""
        if self._postgres:
            if region is None:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
            elif region_versions.begin_pessimistic(conn, region):  # the region's lock was taken: they overlap
                self._hot[region] = time.monotonic() + self.hot_s
        return time.perf_counter()

    def _chain(self) -> None:
        """Link committed audit records: signal the background chainer, or run the chainer now (try-lock: if
        another chainer is at work, it links them)."""
        if self.chain_soon is not None:
            self.chain_soon.signal()
            return
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
