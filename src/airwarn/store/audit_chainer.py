"""The chainer (PostgreSQL): links committed audit records into the MAC chain after commit, in `seq` order.

Writers commit records unlinked, numbered by the `audit_seq` sequence, each with a content MAC. One chainer
at a time (the session advisory lock `CHAIN_LOCK_KEY`, taken with try-lock so nobody ever waits for it) links
the unlinked tail. It passes a missing number only once no transaction that could still commit it is
running, and then links a gap record under that number, so a late commit of it fails on the primary key.
Why this never reorders, loses or forks a record: docs/audit.md, "Why no record is reordered, lost or forked".
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, text, update
from sqlalchemy.engine import Engine

from airwarn.domain.audit import GENESIS, AuditKey, content_mac, gap_record, seal
from airwarn.store import serial_metrics
from airwarn.store import tables as t
from airwarn.store.audit_store import record_from_row

log = logging.getLogger("airwarn.audit")

#: Session advisory lock held by the one chainer at work (any process, any node).
CHAIN_LOCK_KEY = 0x41495243  # "AIRC"

_HEAD = (select(t.audit_log.c.seq, t.audit_log.c.hash).where(t.audit_log.c.hash.is_not(None))
         .order_by(t.audit_log.c.seq.desc()).limit(1))
_TAIL = (select(t.audit_log).where(t.audit_log.c.seq > bindparam("after"))
         .order_by(t.audit_log.c.seq).limit(bindparam("n")))
_LINK = (update(t.audit_log).where(t.audit_log.c.seq == bindparam("k_seq"), t.audit_log.c.hash.is_(None))
         .values(prev_hash=bindparam("k_prev"), hash=bindparam("k_hash"), key_id=bindparam("k_key")))
_NEXT = select(t.audit_log.c.seq).where(t.audit_log.c.seq == bindparam("seq"))
_LAST_DRAWN = text("SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM audit_seq")
_XMAX = text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text")
_XMIN = text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")


@dataclass(frozen=True)
class Horizon:
    """Every number up to `last_seq` had been drawn, by transactions with xids below `xmax`, when it was taken."""

    last_seq: int
    xmax: int


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
        #: Numbers up to this are final: any of them not committed by now never will be (snapshot rule).
        self._final_upto = 0
        self._horizon: Horizon | None = None
        self._blocked_at = 0  # a record whose content MAC does not match: the chain waits before it
        self._busy = threading.Lock()  # one chainer per process without a database round trip

    def run(self) -> int:
        """Link what can be linked now; returns how many records it linked (0 if another chainer is at it).

        After letting go of the lock it looks once more: a writer whose try-lock failed while this one was
        finishing is linked by this one rather than left to the periodic run."""
        total = 0
        for _ in range(8):  # bounded: under a steady stream each writer's own run takes over
            if not self._busy.acquire(blocking=False):
                return total
            try:
                linked, next_seq = self._locked_run()
            finally:
                self._busy.release()
            if linked is None:
                return total
            total += linked
            if not self._linkable(next_seq):
                return total
        return total

    def _linkable(self, seq: int) -> bool:
        if seq == self._blocked_at:
            return False
        with self.engine.connect() as conn:
            return conn.execute(_NEXT, {"seq": seq}).first() is not None

    def _locked_run(self) -> tuple[int | None, int]:
        """(records linked, the next number to link), or (None, 0) when another chainer holds the lock."""
        with self.engine.connect() as conn:
            got = conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({CHAIN_LOCK_KEY})").scalar()
            conn.commit()
            if not got:
                return None, 0
            t0 = time.perf_counter()
            try:
                return self._link_tail(conn)
            finally:
                held_s = time.perf_counter() - t0
                self.times.runs += 1
                self.times.held_s += held_s
                serial_metrics.observe("chainer", held_s)
                try:
                    conn.exec_driver_sql(f"SELECT pg_advisory_unlock({CHAIN_LOCK_KEY})")
                    conn.commit()
                except Exception:  # a connection in doubt must not go back to the pool holding the lock
                    conn.invalidate()
                    raise

    def _link_tail(self, conn: Connection) -> tuple[int, int]:
        linked = 0
        while True:
            count, next_seq, missing, more = self._link_batch(conn)
            linked += count
            if more:
                continue
            if missing is None or not self._settle(conn, missing):
                return linked, next_seq

    def _link_batch(self, conn: Connection) -> tuple[int, int, int | None, bool]:
        """One transaction: link the consecutive committed records after the linked head, filling numbers
        known to be final with gap records. Returns (linked, next number, a missing number that blocks
        the chain or None, whether a full batch was linked)."""
        with conn.begin():
            head = conn.execute(_HEAD).first()
            seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
            rows = list(conn.execute(_TAIL, {"after": seq, "n": self.batch}).mappings())
            links: list[dict[str, Any]] = []
            missing = None
            for row in rows:
                while row["seq"] > seq + 1 and seq + 1 <= self._final_upto:
                    prev = self._gap(conn, seq + 1, prev)
                    seq += 1
                if row["seq"] != seq + 1:
                    missing = seq + 1
                    break
                record = record_from_row(row)
                if row["hash"] is not None:  # linked beyond the head: cannot happen with one chainer
                    raise RuntimeError(f"audit record {record.seq} is linked after an unlinked one")
                if record.content_mac is None or record.content_mac != content_mac(self.key, record):
                    log.error("audit record %d does not match its content MAC (inserted or edited in the "
                              "database); the chain stops before it until someone looks", record.seq)
                    self._blocked_at = record.seq
                    break
                sealed = seal(self.key, record, prev)
                links.append({"k_seq": sealed.seq, "k_prev": sealed.prev_hash, "k_hash": sealed.hash,
                              "k_key": self.key.key_id})
                seq, prev = sealed.seq, sealed.hash
            if links:
                conn.execute(_LINK, links)
        self.times.linked += len(links)
        return len(links), seq + 1, missing, len(rows) == self.batch and missing is None and len(links) == len(rows)

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

        The horizon is the sequence's last value read *before* a snapshot is taken: every transaction that
        drew a number up to it had its xid before that, so below the snapshot's xmax; once the oldest running
        xid has passed that xmax, each of them has committed or rolled back, and a new statement sees which."""
        if missing <= self._final_upto:
            return True
        horizon = self._horizon
        if horizon is None or horizon.last_seq < missing:
            with conn.begin():
                last_seq = int(conn.execute(_LAST_DRAWN).scalar_one())
            with conn.begin():  # a later statement, so a later snapshot than the value read above
                xmax = int(conn.execute(_XMAX).scalar_one())
            horizon = self._horizon = Horizon(last_seq, xmax)
            if last_seq < missing:  # not drawn yet: nothing is missing, the chain is simply complete
                return False
        with conn.begin():
            xmin = int(conn.execute(_XMIN).scalar_one())
        if xmin < horizon.xmax:
            return False  # a transaction that may hold a number up to last_seq is still running
        self._final_upto = horizon.last_seq
        self._horizon = None
        return True
