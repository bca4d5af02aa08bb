"""Expanding fan-out jobs into per-target outbox rows, after the issuing transaction, on any node.

An issued alert commits one job per subscriber channel and shard (fanout.py). A dispatcher works a batch of
due jobs at a time: one read finds them, brings the node's subscriber copy up to date (one refresh per batch)
and matches each of their alerts once; then one short transaction claims them (FOR UPDATE SKIP LOCKED on
PostgreSQL, BEGIN IMMEDIATE on SQLite), finishes at once the jobs with no target (a channel nobody in the copy
uses, a shard or area nobody matches: most jobs of a small population) and leases the others, one UPDATE for
each of the two. Then, in one transaction per group of shards, it marks the leased jobs `expanded` — only
those whose lease is still this worker's — and writes their outbox rows in bulk. A node that dies
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

from sqlalchemy import and_, bindparam, case, func, literal, select, tuple_, update
from sqlalchemy.engine import Connection, Engine

from airwarn.delivery.deadletter import DEAD_JOBS, safe_text
from airwarn.delivery.fanout import subscriber_columns
from airwarn.delivery.subscriber_cache import Matched, SubscriberCache
from airwarn.domain.alerts import Alert
from airwarn.service_layer.deps import TargetColumn
from airwarn.store import tables as t
from airwarn.store.codec import alert_from_dict
from airwarn.store.fanout_tables import fanout_jobs as jobs_t
from airwarn.store.outbox_bulk import write_outbox
from airwarn.store.outbox_stats import OutboxStats

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
#: Alerts a node keeps read (their stored body decoded) for later batches of their jobs.
ALERT_MEMO = 64
#: SQLite: due jobs looked at before the claim, of which at most its limit are taken.
PEEK_FACTOR = 2

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
        self.stats = OutboxStats(engine)  # the claim's plan stays an index scan as a million rows arrive
        self._postgres = engine.dialect.name == "postgresql"
        self._alerts: OrderedDict[str, Alert] = OrderedDict()
        self._memo: OrderedDict[tuple[str, tuple[str, ...]], Matched] = OrderedDict()
        self._columns: dict[tuple[int, int], TargetColumn] = {}  # (job, attempts) → its rows, from the claim
        self._errors: dict[int, str] = {}  # job → why its rows could not be worked out in this claim
        #: jobs the last claim finished at once (no target), and those it took in all
        self.finished_empty = 0
        self.claimed = 0

    # --- claiming ------------------------------------------------------------------------------
    def claim(self, limit: int = CLAIM_JOBS) -> list[Job]:
        """Lease up to `limit` due jobs, oldest first, and return those with targets to write.

        One refresh of the node's copy and one match per alert serve the whole batch. On PostgreSQL they run
        inside the claim's transaction (its rows are locked FOR UPDATE SKIP LOCKED: other nodes take other
        jobs meanwhile); on SQLite in a read before it, so the write lock is not held for them. In the claim's
        transaction a job with no target is marked `expanded` (0 targets) at once, and a job already claimed
        `max_attempts` times without being expanded is set aside as `dead` (its expansion keeps failing).
        `self.claimed` counts all three kinds."""
        self.finished_empty = self.claimed = 0
        self._columns.clear()  # a previous claim's jobs not expanded since are worked out again if expanded
        self._errors.clear()
        now = self.clock()
        due = and_(jobs_t.c.state == "pending", jobs_t.c.next_attempt_at <= now)
        q = select(jobs_t).where(due).order_by(jobs_t.c.id).limit(limit)
        if self._postgres:
            if self.cache.mark is None:  # the first load is long: not while holding the jobs' locks
                with self._reading() as conn:
                    self.cache.load(conn)
            q = q.with_for_update(skip_locked=True)
        else:
            peeked = self._due_prepared(due, limit * PEEK_FACTOR)
            if not peeked:
                return []
            q = q.where(jobs_t.c.id.in_(peeked))
        with self.engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE makes this the single writer
            found = conn.execute(q).mappings().all()
            if not found:
                return []
            if self._postgres:
                self._prepare(conn, [(r["alert_id"], r["channel"], r["districts"]) for r in found])
            leased = self._lease(conn, found, now)
        return leased

    def _lease(self, conn: Connection, found: Sequence[Any], now: datetime) -> list[Job]:
        """In the claim's transaction: set spent jobs aside, finish those without a target, lease the rest."""
        self.claimed = len(found)
        spent = [r for r in found if r["attempts"] >= self.max_attempts]
        if spent:
            why = f"claimed {self.max_attempts} times without being expanded"
            conn.execute(update(jobs_t).where(jobs_t.c.id.in_([r["id"] for r in spent])).values(
                state="dead", next_attempt_at=now,
                last_error=func.coalesce(literal(f"{why}; last error: ") + jobs_t.c.last_error, literal(why))))
            for r in spent:
                DEAD_JOBS.labels(channel=r["channel"]).inc()
            log.error("fan-out jobs %s set aside: attempt limit reached", [r["id"] for r in spent])
        claimed = [Job(r["id"], r["alert_id"], r["channel"], r["shard"], r["shards"], tuple(r["districts"]),
                       bool(r["restricted"]), r["attempts"] + 1, r["created_at"])
                   for r in found if r["attempts"] < self.max_attempts]
        empty, leased = [], []
        for job in claimed:
            column = self._column(job)
            if column is not None and not column.targets:
                empty.append(job)
            else:  # rows to write, or the expansion failed (tried again after the lease)
                leased.append(job)
                if column is not None:
                    self._columns[(job.id, job.attempts)] = column
        if empty:
            conn.execute(update(jobs_t).where(jobs_t.c.id.in_([j.id for j in empty])).values(
                state="expanded", expanded_at=now, targets=0, attempts=jobs_t.c.attempts + 1, worker=self.worker))
        if leased:
            conn.execute(update(jobs_t).where(jobs_t.c.id.in_([j.id for j in leased])).values(
                attempts=jobs_t.c.attempts + 1, worker=self.worker,
                next_attempt_at=now + timedelta(seconds=self.lease_s)))
        failed = [{"b_id": j.id, "b_error": self._errors.pop(j.id)} for j in leased if j.id in self._errors]
        if failed:  # kept as the reason if the job is set aside in the end
            conn.execute(update(jobs_t).where(jobs_t.c.id == bindparam("b_id"))
                         .values(last_error=bindparam("b_error")), failed)
        self.finished_empty = len(empty)
        return leased

    def _due_prepared(self, due: Any, limit: int) -> list[int]:
        """SQLite, one read: the ids of up to `limit` due jobs, and for them `_prepare`."""
        with self._reading() as conn:
            peeked = conn.execute(select(jobs_t.c.id, jobs_t.c.alert_id, jobs_t.c.channel, jobs_t.c.districts)
                                  .where(due).order_by(jobs_t.c.id).limit(limit)).all()
            if peeked:
                self._prepare(conn, [(r.alert_id, r.channel, r.districts) for r in peeked])
        return [r.id for r in peeked]

    def _prepare(self, conn: Connection, jobs: Sequence[tuple[str, str, Sequence[str]]]) -> None:
        """The node's copy brought up to date, and the alerts of these (alert, channel, districts) matched
        against it (once per alert while the copy is unchanged) unless nobody in it uses the channel."""
        self.cache.load(conn)
        present = self.cache.channels_present()
        wanted = {(alert_id, tuple(districts)) for alert_id, channel, districts in jobs if channel in present}
        try:
            self._read_alerts(conn, {alert_id for alert_id, _ in wanted})
            for alert_id, districts in wanted:
                self._matched(alert_id, districts)
        except Exception:  # each job tries again in the claim, and fails (and is retried after its lease) alone
            log.exception("matching the alerts %s of fan-out jobs failed", sorted({a for a, _ in wanted}))

    def _column(self, job: Job) -> TargetColumn | None:
        """The job's rows from the node's copy (an empty column when nobody in the copy uses its channel);
        None if they cannot be worked out (logged; the job is tried again after its lease)."""
        try:
            if job.channel not in self.cache.channels_present():
                return TargetColumn(job.channel, "", [])
            return subscriber_columns(self._matched(job.alert_id, job.districts), self._alert(job.alert_id),
                                      job.restricted, job.channel, job.shard, job.shards)
        except Exception as exc:
            log.exception("expanding fan-out job %s (%s, shard %s of %s) failed; retried after its lease",
                          job.id, job.alert_id, job.shard, job.channel)
            self._errors[job.id] = safe_text(f"{type(exc).__name__}: {exc}", 500)
            return None

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
        """Write the rows of claimed jobs; returns the rows written. A job whose rows cannot be worked out
        stays leased and is tried again after its lease (and set aside after `max_attempts`)."""
        written = 0
        group: list[tuple[Job, TargetColumn]] = []
        rows = 0
        for job in jobs:
            column = self._columns.pop((job.id, job.attempts), None) or self._column(job)
            if column is None:
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
        """One transaction: the jobs whose lease is still ours marked expanded (one UPDATE), and their rows."""
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                mine = self._finish(conn, group, now)
                ours = [(job, column) for job, column in group if job.id in mine]
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
        self.stats.wrote(rows)  # before the wake-up, so the claim it causes plans with the new rows
        if self.on_expanded is not None and ours:
            self.on_expanded(rows)
        return rows

    def _finish(self, conn: Connection, group: list[tuple[Job, TargetColumn]], now: datetime) -> set[int]:
        """Mark the group's jobs expanded where the lease is still this worker's (same claim: same attempt
        count); returns their ids."""
        targets = {job.id: len(column.targets) for job, column in group}
        done = conn.execute(update(jobs_t).where(and_(
            tuple_(jobs_t.c.id, jobs_t.c.attempts).in_([(job.id, job.attempts) for job, _ in group]),
            jobs_t.c.state == "pending", jobs_t.c.worker == self.worker))
            .values(state="expanded", expanded_at=now, targets=case(targets, value=jobs_t.c.id))
            .returning(jobs_t.c.id))
        return {int(i) for i in done.scalars()}

    def _read_alerts(self, conn: Connection, alert_ids: set[str]) -> None:
        missing = sorted(alert_ids - set(self._alerts))
        if missing:
            for identifier, body in conn.execute(select(t.alerts.c.identifier, t.alerts.c.body)
                                                 .where(t.alerts.c.identifier.in_(missing))):
                self._alerts[identifier] = alert_from_dict(body)
        for alert_id in alert_ids & set(self._alerts):
            self._alerts.move_to_end(alert_id)
        while len(self._alerts) > ALERT_MEMO:
            self._alerts.popitem(last=False)

    def _alert(self, alert_id: str) -> Alert:
        if alert_id not in self._alerts:
            with self._reading() as conn:
                self._read_alerts(conn, {alert_id})
        return self._alerts[alert_id]

    def _matched(self, alert_id: str, districts: tuple[str, ...]) -> Matched:
        """The alert's subscribers from the node's copy as it is now (brought up to date once per batch,
        before the claim); reused for the alert's next jobs while the copy has not changed."""
        key = (alert_id, districts)
        found = self._memo.get(key)
        if found is None or found.mark != self.cache.mark:
            found = self._memo[key] = self.cache.match(None, self._alert(alert_id), districts)
        self._memo.move_to_end(key)
        while len(self._memo) > MATCH_MEMO:
            self._memo.popitem(last=False)
        return found

    # --- loops ---------------------------------------------------------------------------------
    def run_once(self, limit: int = CLAIM_JOBS) -> int:
        """Claim and expand one batch; returns the jobs claimed, those finished in the claim included (0:
        none due; fewer than `limit`: none more was due)."""
        jobs = self.claim(limit)
        if jobs:
            self.expand(jobs)
        return self.claimed

    def run_until_idle(self, limit: int = CLAIM_JOBS) -> int:
        """Expand until no job is due (tests, drains, benchmarks); returns the jobs claimed. A batch short of
        `limit` means none more was due: no further claim is made for nothing."""
        total = 0
        while claimed := self.run_once(limit):
            total += claimed
            if claimed < limit:
                break
        return total
