"""Expanding fan-out jobs into per-target outbox rows, after the issuing transaction, on any node.

An issued alert commits one job per subscriber channel and shard (fanout.py). A dispatcher claims due jobs
with a lease (one short transaction; FOR UPDATE SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite), then
expands each from the node's subscriber copy (refreshed by version first) and, in one transaction, marks it
`expanded` — only if its lease is still this worker's — and writes its outbox rows in bulk. A node that dies
mid-shard commits neither: the job is due again when its lease runs out, and the next expansion writes the
rows once (the outbox's unique (alert, channel, target) index is the backstop). From there the rows are
ordinary outbox rows: per-row dispatch, retries, dead letters, the deliveries API and metrics.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Connection, Engine

from airwarn.delivery.deadletter import DEAD, safe_text
from airwarn.delivery.fanout import subscriber_columns
from airwarn.delivery.subscriber_cache import Matched, SubscriberCache
from airwarn.domain.alerts import Alert
from airwarn.service_layer.deps import TargetColumn
from airwarn.store import tables as t
from airwarn.store.codec import alert_from_dict
from airwarn.store.fanout_tables import fanout_jobs as jobs_t
from airwarn.store.outbox_bulk import write_outbox

log = logging.getLogger("airwarn.delivery")

#: Jobs claimed per lease transaction.
CLAIM_JOBS = 16
#: Expanded jobs are committed together until they hold this many outbox rows and a shard is complete: a
#: shard of a large alert (every channel of it) is a transaction of its own, its rows go out while the next
#: is expanded; the empty shards of a small alert share one.
COMMIT_ROWS = 2_000
#: Rows of one channel written in a run before the next channel's: the dispatcher claims rows in id order,
#: so each channel's first requests leave with the first claim, not after a whole shard of SMS.
INTERLEAVE_ROWS = 64
#: Alerts whose matched subscribers a node keeps between claims (each reused while the copy is unchanged).
MATCH_MEMO = 4

_serial = itertools.count(1)


def interleaved(columns: Sequence[TargetColumn]) -> list[tuple[str, str, Sequence[str]]]:
    """The columns' rows in runs of `INTERLEAVE_ROWS` per channel, taking turns (each column's order kept)."""
    longest = max((len(c.targets) for c in columns), default=0)
    return [(c.channel, c.reason, c.targets[start:start + INTERLEAVE_ROWS])
            for start in range(0, longest, INTERLEAVE_ROWS) for c in columns if start < len(c.targets)]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Job:
    """A claimed fan-out job; `attempts` counts this claim (the lease is this worker's while it matches)."""

    id: int
    alert_id: str
    channel: str
    shard: int
    shards: int
    districts: tuple[str, ...]
    restricted: bool
    attempts: int
    created_at: datetime


class Expander:
    """Claims due fan-out jobs and expands them into outbox rows (one per node, next to its dispatcher)."""

    def __init__(self, engine: Engine, cache: SubscriberCache | None = None, *, lease_s: float = 30.0,
                 max_attempts: int = 8, clock: Callable[[], datetime] = _utc_now, worker: str | None = None,
                 on_expanded: Callable[[int], None] | None = None) -> None:
        self.engine = engine
        self.cache = cache if cache is not None else SubscriberCache()
        self.lease_s = lease_s
        self.max_attempts = max_attempts
        self.clock = clock
        # unique per expander, so a lease taken by another expander in the same process is not mistaken for ours
        base = worker or f"{socket.gethostname()}-{os.getpid()}"
        self.worker = f"{base[:52]}-x{next(_serial)}"
        self.on_expanded = on_expanded  # called (in the expanding thread) with the rows of each commit
        self._postgres = engine.dialect.name == "postgresql"
        self._alerts: dict[str, Alert] = {}
        self._memo: OrderedDict[tuple[str, tuple[str, ...]], Matched] = OrderedDict()

    # --- claiming ------------------------------------------------------------------------------
    def claim(self, limit: int = CLAIM_JOBS) -> list[Job]:
        """Lease up to `limit` due jobs, oldest first; a job already claimed `max_attempts` times without
        being expanded is set aside as `dead` instead (its expansion keeps failing)."""
        now = self.clock()
        due = and_(jobs_t.c.state == "pending", jobs_t.c.next_attempt_at <= now)
        if not self._any_due(due):
            return []
        q = select(jobs_t).where(due).order_by(jobs_t.c.id).limit(limit)
        if self._postgres:
            q = q.with_for_update(skip_locked=True)
        with self.engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE makes this the single writer
            found = conn.execute(q).mappings().all()
            spent = [r for r in found if r["attempts"] >= self.max_attempts]
            if spent:
                conn.execute(update(jobs_t).where(jobs_t.c.id.in_([r["id"] for r in spent])).values(
                    state="dead", next_attempt_at=now,
                    last_error=f"claimed {self.max_attempts} times without being expanded"))
                for r in spent:
                    DEAD.labels(channel=r["channel"]).inc()
                log.error("fan-out jobs %s set aside: attempt limit reached", [r["id"] for r in spent])
            rows = [r for r in found if r["attempts"] < self.max_attempts]
            if not rows:
                return []
            conn.execute(update(jobs_t).where(jobs_t.c.id.in_([r["id"] for r in rows])).values(
                attempts=jobs_t.c.attempts + 1, worker=self.worker,
                next_attempt_at=now + timedelta(seconds=self.lease_s)))
        return [Job(r["id"], r["alert_id"], r["channel"], r["shard"], r["shards"], tuple(r["districts"]),
                    bool(r["restricted"]), r["attempts"] + 1, r["created_at"]) for r in rows]

    def _any_due(self, due: Any) -> bool:
        """A plain read, so a wake-up that finds nothing takes no write lock (SQLite)."""
        with self._reading() as conn:
            return conn.execute(select(jobs_t.c.id).where(due).limit(1)).first() is not None

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.info["airwarn_read"] = True
            try:
                yield conn
            finally:
                conn.info["airwarn_read"] = False

    # --- expanding -----------------------------------------------------------------------------
    def expand(self, jobs: Sequence[Job]) -> int:
        """Expand claimed jobs into outbox rows; returns the rows written. A job that cannot be expanded
        stays leased and is tried again after its lease (and set aside after `max_attempts`)."""
        written = 0
        group: list[tuple[Job, TargetColumn]] = []
        rows = 0
        for job in jobs:
            try:
                column = subscriber_columns(self._matched(job), self._alert(job.alert_id), job.restricted,
                                            job.channel, job.shard, job.shards)
            except Exception:
                log.exception("expanding fan-out job %s (%s, shard %s of %s) failed; retried after its lease",
                              job.id, job.alert_id, job.shard, job.channel)
                continue
            if rows >= COMMIT_ROWS and group and group[-1][0].shard != job.shard:
                written += self._commit(group)
                group, rows = [], 0
            group.append((job, column))
            rows += len(column.targets)
        if group:
            written += self._commit(group)
        return written

    def _commit(self, group: list[tuple[Job, TargetColumn]]) -> int:
        """One transaction: each job marked expanded if its lease is still ours, and the rows of those."""
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                ours = [(job, column) for job, column in group if self._finish(conn, job, len(column.targets), now)]
                for (alert_id, created_at), part in itertools.groupby(ours, lambda jc: (jc[0].alert_id,
                                                                                         jc[0].created_at)):
                    write_outbox(conn, alert_id, interleaved([c for _, c in part]), created_at)
        except Exception as exc:
            log.error("writing fan-out jobs %s failed (retried after their lease): %s",
                      [job.id for job, _ in group], safe_text(f"{type(exc).__name__}: {exc}", 300))
            return 0
        lost = len(group) - len(ours)
        if lost:
            log.warning("%d fan-out job(s) were taken over by another worker after their lease; not written", lost)
        rows = sum(len(c.targets) for _, c in ours)
        if self.on_expanded is not None and ours:
            self.on_expanded(rows)
        return rows

    def _finish(self, conn: Connection, job: Job, targets: int, now: datetime) -> bool:
        done = conn.execute(update(jobs_t).where(and_(
            jobs_t.c.id == job.id, jobs_t.c.state == "pending", jobs_t.c.worker == self.worker,
            jobs_t.c.attempts == job.attempts)).values(state="expanded", expanded_at=now, targets=targets))
        return done.rowcount == 1

    def _alert(self, alert_id: str) -> Alert:
        if alert_id not in self._alerts:
            with self._reading() as conn:
                body = conn.execute(select(t.alerts.c.body).where(t.alerts.c.identifier == alert_id)).scalar_one()
            self._alerts[alert_id] = alert_from_dict(body)
        return self._alerts[alert_id]

    def _matched(self, job: Job) -> Matched:
        """The alert's subscribers from the node's copy, brought up to date by version first; reused for
        the alert's next jobs while the copy has not changed."""
        alert = self._alert(job.alert_id)
        key = (job.alert_id, job.districts)
        with self._reading() as conn:
            self.cache.load(conn)
            found = self._memo.get(key)
            if found is None or found.mark != self.cache.mark:
                found = self._memo[key] = self.cache.match(conn, alert, job.districts)
        self._memo.move_to_end(key)
        while len(self._memo) > MATCH_MEMO:
            self._memo.popitem(last=False)
        return found

    # --- loops ---------------------------------------------------------------------------------
    def run_once(self, limit: int = CLAIM_JOBS) -> int:
        """Claim and expand one batch; returns the jobs claimed (0: none due)."""
        jobs = self.claim(limit)
        if jobs:
            self.expand(jobs)
        return len(jobs)

    def run_until_idle(self, limit: int = CLAIM_JOBS) -> int:
        """Expand until no job is due (tests, drains, benchmarks); returns the jobs claimed."""
        total = 0
        while claimed := self.run_once(limit):
            total += claimed
        return total
