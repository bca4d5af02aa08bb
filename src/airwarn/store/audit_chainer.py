"""The chainer (PostgreSQL): links committed audit records into the MAC chain after commit, in `seq` order.

Writers commit records unlinked, numbered by the `audit_seq` sequence, each with a content MAC. One chainer
at a time (the transaction advisory lock `CHAIN_LOCK_KEY`, taken with try-lock so nobody ever waits for it)
links the unlinked tail. It passes a missing number only once no transaction that could still commit it is
running (those that held the write lock key when the number was known drawn), and then links a gap record
under that number, so a late commit of it fails on the primary key. Why this never reorders, loses or
forks a record: docs/audit.md, "Why no record is reordered, lost or forked".
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, insert, select, text
from sqlalchemy.engine import Engine

from airwarn.domain.audit import GENESIS, AuditKey, content_mac, content_of, gap_record, link, seal
from airwarn.store import serial_metrics
from airwarn.store import tables as t
from airwarn.store.audit_store import record_from_row
from airwarn.store.lock_keys import CHAIN_LOCK_KEY, WRITE_LOCK_KEY

log = logging.getLogger("airwarn.audit")


#: Take the chainer lock for this transaction without waiting; its commit need not wait for the disk.
_TRY = text(f"SELECT pg_try_advisory_xact_lock({CHAIN_LOCK_KEY}) "
            "AND set_config('synchronous_commit', 'off', true) = 'off'")
_DURABLE = text("SET LOCAL synchronous_commit = on")
#: The linked head (if any) and the records after it, in one round trip.
_FROM_HEAD = text("SELECT * FROM audit_log WHERE seq >= coalesce((SELECT max(seq) FROM audit_log "
                  "WHERE hash IS NOT NULL), 0) ORDER BY seq LIMIT :n")
_LINK = text("UPDATE audit_log AS a SET prev_hash = v.prev, hash = v.link, key_id = :key "
             "FROM unnest(CAST(:seqs AS bigint[]), CAST(:prevs AS text[]), CAST(:links AS text[])) "
             "AS v(seq, prev, link) WHERE a.seq = v.seq AND a.hash IS NULL")
_NEXT = select(t.audit_log.c.seq).where(t.audit_log.c.seq == bindparam("seq"))
_LAST_DRAWN = text("SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM audit_seq")
#: Transactions (virtual ids) holding the write lock key in this database: the only ones that draw numbers.
_HOLDERS = text("SELECT virtualtransaction FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                f"AND classid = CAST({WRITE_LOCK_KEY >> 32} AS oid) "
                f"AND objid = CAST({WRITE_LOCK_KEY & 0xFFFFFFFF} AS oid) AND objsubid = 1")


@dataclass(frozen=True)
class Horizon:
    """Every number up to `last_seq` had been drawn when it was taken, by transactions that had ended or were
    among `holders` (pg_locks virtual transaction ids holding the write lock key)."""

    last_seq: int
    holders: frozenset[str]


@dataclass
class ChainerTimes:
    """How long this process held the chainer lock, and what it linked (for bench/ and the logs)."""

    runs: int = 0
    held_s: float = 0.0
    linked: int = 0
    gaps: int = 0


class Chainer:
    """Links the unlinked tail of the audit log; `run` never waits for another chainer."""

    def __init__(self, engine: Engine, key: AuditKey, *, batch: int = 1000) -> None:
        self.engine = engine
        self.key = key
        self.batch = batch
        self.times = ChainerTimes()
        #: Numbers up to this are final: any of them not committed by now never will be (`_settle`).
        self._final_upto = 0
        self._horizon: Horizon | None = None
        self._blocked_at = 0  # a record whose content MAC does not match: the chain waits before it
        self._state = threading.Lock()  # one chainer per process without a database round trip:
        self._running = False  # a run is under way in this process
        self._missed = False  # a writer of this process came while it was

    def run(self) -> int:
        """Link what can be linked now; returns how many records it linked (0 if another chainer is at it).

        Nobody waits: a thread of this process that finds the chainer busy leaves a note and returns, and the
        busy one runs again for it; a process whose try-lock fails committed its records before the holder
        let go, so the holder's look after letting go (`_run_once`) finds them."""
        total = 0
        for _ in range(8):  # bounded: under a steady stream each writer's own run takes over
            with self._state:
                if self._running:
                    self._missed = True
                    return total
                self._running, self._missed = True, False
            try:
                result = self._run_once()
            finally:
                with self._state:
                    self._running = False
                    missed = self._missed
            if result is None:
                return total
            linked, again = result
            total += linked
            if not (again or missed):
                return total
        return total

    def _run_once(self) -> tuple[int, bool] | None:
        """Link batches on one connection: (records linked, whether the next number has appeared since the
        lock was let go), or None when another chainer holds the lock."""
        with self.engine.connect() as conn:
            linked = 0
            while True:
                batch = self._link_batch(conn)
                if batch is None:
                    return None if linked == 0 else (linked, False)
                count, next_seq, missing, full = batch
                linked += count
                if full or (missing is not None and self._settle(conn, missing)):
                    continue
                break
            if next_seq == self._blocked_at:
                return linked, False
            return linked, conn.execute(_NEXT, {"seq": next_seq}).first() is not None

    def _link_batch(self, conn: Connection) -> tuple[int, int, int | None, bool] | None:
        """One transaction: link the consecutive committed records after the linked head, filling numbers
        known to be final with gap records. Returns (linked, next number, a missing number that blocks the
        chain or None, whether a full batch was linked), or None when another chainer holds the lock.

        The chainer lock (`pg_try_advisory_xact_lock`, let go at the commit) is tried first: a process that
        does not get it reads nothing. The holder then reads the linked head and the records after it (a
        snapshot taken after the lock, so it sees every earlier holder's links), checks them (content hash,
        the writer's content MAC), computes the HMAC links and runs one `UPDATE`. Nobody ever waits for this
        lock, so holding it while reading delays no writer.

        Its commit does not wait for the disk (`synchronous_commit` off) unless it wrote a gap record: a link
        is a pure function of the key and the records, so a link lost in a crash is remade identically by
        the next run, and a head signed over it stays true. A gap record carries the time it was made, so
        that one is committed durably."""
        with conn.begin():
            if not conn.execute(_TRY).scalar():
                return None
            t0 = time.perf_counter()
            rows = list(conn.execute(_FROM_HEAD, {"n": self.batch + 1}).mappings())
            head_seq, head_hash = 0, GENESIS
            if rows and rows[0]["hash"] is not None:
                head_seq, head_hash = rows[0]["seq"], rows[0]["hash"]
                rows = rows[1:]
            plan: list[tuple[int, str | None]] = []  # (seq, content hash), None: a gap record goes there
            seq, missing = head_seq, None
            for row in rows:
                while row["seq"] > seq + 1 and seq + 1 <= self._final_upto:
                    seq += 1
                    plan.append((seq, None))
                if row["seq"] != seq + 1:
                    missing = seq + 1
                    break
                record = record_from_row(row)
                if row["hash"] is not None:  # linked beyond the head: cannot happen with one chainer
                    raise RuntimeError(f"audit record {record.seq} is linked after an unlinked one")
                content = content_of(record)  # once: for the writer's MAC and for the link
                if record.content_mac is None or not hmac.compare_digest(
                        record.content_mac, content_mac(self.key, record, content)):
                    log.error("audit record %d does not match its content MAC (inserted or edited in the "
                              "database); the chain stops before it until someone looks", record.seq)
                    self._blocked_at = record.seq
                    break
                plan.append((record.seq, content))
                seq = record.seq
            seqs: list[int] = []
            prevs: list[str] = []
            links: list[str] = []
            prev, gaps = head_hash, 0
            for number, digest in plan:
                if digest is None:
                    if not gaps:
                        conn.execute(_DURABLE)
                    prev, gaps = self._gap(conn, number, prev), gaps + 1
                    continue
                seqs.append(number)
                prevs.append(prev)
                prev = link(self.key, prev, digest)
                links.append(prev)
            if seqs:
                done = conn.execute(_LINK, {"seqs": seqs, "prevs": prevs, "links": links, "key": self.key.key_id})
                if done.rowcount != len(seqs):  # another chainer linked some: impossible under the lock
                    raise RuntimeError("audit records were linked by someone else while the chainer held its lock")
        held_s = time.perf_counter() - t0
        self.times.runs += 1
        self.times.held_s += held_s
        self.times.linked += len(seqs)
        serial_metrics.observe("chainer", held_s)
        full = len(rows) == self.batch and missing is None and len(plan) - gaps == len(rows)
        return len(seqs) + gaps, seq + 1, missing, full

    def _gap(self, conn: Connection, seq: int, prev: str) -> str:
        record = gap_record(seq, datetime.now(UTC))
        record = seal(self.key, replace(record, content_mac=content_mac(self.key, record)), prev)
        conn.execute(insert(t.audit_log), dict(
            seq=record.seq, at=record.at, actor=record.actor, action=record.action, entity=record.entity,
            entity_id=record.entity_id, data=record.data, prev_hash=record.prev_hash, hash=record.hash,
            state=record.state, key_id=record.key_id, content_mac=record.content_mac))
        self.times.gaps += 1
        log.warning("audit number %d was drawn by a transaction that did not commit: linked as a gap", seq)
        return record.hash

    def _settle(self, conn: Connection, missing: int) -> bool:
        """Whether `missing` is now known final (so the next batch may link a gap for it).

        The horizon is the sequence's last value, read *before* the transactions holding the write lock key
        are listed: every transaction that drew a number up to it held that key from before it drew until it
        ends, so it is on the list unless it had already ended. Once none of the listed transactions holds
        the key any more, each of them has committed or rolled back, and a new statement sees which numbers
        committed. Unrelated transactions (a long import elsewhere on the server) do not hold the chain up."""
        if missing <= self._final_upto:
            return True
        horizon = self._horizon
        if horizon is None or horizon.last_seq < missing:
            with conn.begin():
                last_seq = int(conn.execute(_LAST_DRAWN).scalar_one())
                holders = frozenset(conn.execute(_HOLDERS).scalars())  # a later statement than the read above
            horizon = self._horizon = Horizon(last_seq, holders)
            if last_seq < missing:  # not drawn yet: nothing is missing, the chain is simply complete
                return False
            still = holders
        else:
            with conn.begin():
                still = horizon.holders & frozenset(conn.execute(_HOLDERS).scalars())
        if still:
            return False  # a transaction that may hold a number up to last_seq is still running
        self._final_upto = horizon.last_seq
        self._horizon = None
        return True


class ChainSoon:
    """One chainer run per batch of commits: writers `signal` after they commit (cheap, never waits) and a
    thread of this process links everything committed so far, at most once per `every_s` — so under load
    one run's transaction, lock and CPU serve every write of the last `every_s`, and a quiet system links
    a write within a few milliseconds (the first signal after a pause runs at once).

    Losing a signal loses nothing: the records are committed, and the next run here, any other process's
    run, or the serving node's periodic run links them (the chain's order is the sequence, not the run).
    The thread ends after `idle_s` without a signal and the next signal starts it again; `drain` links
    what is pending now (at exit, so a short-lived process leaves nothing for the others)."""

    def __init__(self, chainer: Chainer, *, every_s: float = 0.025, idle_s: float = 5.0) -> None:
        self.chainer = chainer
        self.every_s = every_s
        self.idle_s = idle_s
        self.signals = 0
        self.runs = 0
        self._wake = threading.Condition()
        self._pending = False
        self._thread: threading.Thread | None = None
        self._closed = False
        self._last_run = -every_s

    def signal(self) -> None:
        """Records committed (or numbers lost): link them soon."""
        with self._wake:
            self.signals += 1
            self._pending = True
            if self._thread is None and not self._closed:  # after close, `close`'s own drain links it
                self._thread = threading.Thread(target=self._loop, name="audit-chainer", daemon=True)
                self._thread.start()
            else:
                self._wake.notify()

    def drain(self) -> None:
        """Link now what was signalled and not yet linked (in the caller's thread)."""
        with self._wake:
            pending, self._pending = self._pending, False
        if pending:
            self._run()

    def close(self) -> None:
        """Link what is pending and end the thread now (it holds the chainer, and so the engine and its
        pooled connections, for as long as it waits)."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        self.drain()

    def _loop(self) -> None:
        while True:
            with self._wake:
                if not self._pending and not self._closed:
                    self._wake.wait(self.idle_s)
                if not self._pending or self._closed:
                    self._thread = None
                    return
            pause = self._last_run + self.every_s - time.monotonic()
            if pause > 0:
                time.sleep(pause)  # signals meanwhile join this run
            with self._wake:
                self._pending = False
            self._run()

    def _run(self) -> None:
        self._last_run = time.monotonic()
        self.runs += 1
        try:
            self.chainer.run()
        except Exception:  # the serving node's periodic run tries again
            log.exception("linking the audit chain failed")
