"""What an issued alert commits beside the alert itself: its outbox rows (the live row pending for the
hand-off, the CAP feed's row already delivered, sirens and the like pending), the delivered rows' one
attempt, and its fan-out jobs. On PostgreSQL all of it is one statement: an alert is issued on every
report that changes a regime, and each statement costs the server more CPU than its rows do."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Connection, insert, text

from airwarn.store import tables as t
from airwarn.store.delivery_tables import delivery_attempts
from airwarn.store.fanout_tables import fanout_jobs, job_rows

if TYPE_CHECKING:
    from airwarn.service_layer.deps import FanoutJob


@dataclass(frozen=True)
class IssuedRow:
    """One outbox row of an issued alert: `delivered` when the commit itself delivers it (the CAP feed)."""

    channel: str
    target: str
    reason: str
    state: Literal["pending", "delivered"]
    due: datetime


def write_issued(conn: Connection, alert_id: str, rows: Sequence[IssuedRow], jobs: Sequence[FanoutJob],
                 now: datetime, worker: str) -> dict[tuple[str, str], int]:
    """Write the rows, the delivered ones' attempts and the jobs; returns each row's id by (channel, target)."""
    if conn.dialect.name == "postgresql":
        return _one_statement(conn, alert_id, rows, jobs, now, worker)
    ids = {}
    for row in rows:
        delivered = row.state == "delivered"
        key = conn.execute(insert(t.outbox), dict(
            alert_id=alert_id, channel=row.channel, target=row.target, state=row.state, attempts=int(delivered),
            created_at=now, next_attempt_at=row.due, delivered_at=now if delivered else None,
            reason=row.reason)).inserted_primary_key
        if key is None:
            raise RuntimeError("the database returned no id for the outbox row")
        ids[(row.channel, row.target)] = int(key[0])
        if delivered:
            conn.execute(insert(delivery_attempts), dict(
                outbox_id=int(key[0]), alert_id=alert_id, channel=row.channel, attempt=1, worker=worker,
                started_at=now, duration_ms=0.0, ok=True, error=None))
    found = job_rows(alert_id, jobs, now)
    if found:
        conn.execute(insert(fanout_jobs), found)
    return ids


def _one_statement(conn: Connection, alert_id: str, rows: Sequence[IssuedRow], jobs: Sequence[FanoutJob],
                   now: datetime, worker: str) -> dict[tuple[str, str], int]:
    at = now.astimezone(UTC)
    found = job_rows(alert_id, jobs, now)
    got = conn.execute(_ISSUED, {
        "alert_id": alert_id, "now": at, "worker": worker,
        "channels": [r.channel for r in rows], "targets": [r.target for r in rows],
        "states": [r.state for r in rows], "dues": [r.due.astimezone(UTC) for r in rows],
        "reasons": [r.reason for r in rows],
        "job_channels": [j["channel"] for j in found], "shards": [j["shard"] for j in found],
        "shard_counts": [j["shards"] for j in found], "districts": [json.dumps(j["districts"]) for j in found],
        "restricted": [j["restricted"] for j in found]})
    return {(r.channel, r.target): int(r.id) for r in got}


_ISSUED = text(
    "WITH o AS (INSERT INTO outbox (alert_id, channel, target, state, attempts, created_at, next_attempt_at, "
    "delivered_at, reason) SELECT :alert_id, u.channel, u.target, u.state, "
    "CASE WHEN u.state = 'delivered' THEN 1 ELSE 0 END, :now, u.due, "
    "CASE WHEN u.state = 'delivered' THEN CAST(:now AS timestamptz) END, u.reason "
    "FROM unnest(CAST(:channels AS text[]), CAST(:targets AS text[]), CAST(:states AS text[]), "
    "CAST(:dues AS timestamptz[]), CAST(:reasons AS text[])) AS u(channel, target, state, due, reason) "
    "RETURNING id, channel, target, state), "
    "a AS (INSERT INTO delivery_attempts (outbox_id, alert_id, channel, attempt, worker, started_at, "
    "duration_ms, ok, error) SELECT id, :alert_id, channel, 1, :worker, :now, 0, true, NULL FROM o "
    "WHERE state = 'delivered'), "
    "j AS (INSERT INTO fanout_jobs (alert_id, channel, shard, shards, districts, restricted, state, attempts, "
    "created_at, next_attempt_at) SELECT :alert_id, f.channel, f.shard, f.shards, CAST(f.districts AS json), "
    "f.restricted, 'pending', 0, :now, :now FROM unnest(CAST(:job_channels AS text[]), "
    "CAST(:shards AS integer[]), CAST(:shard_counts AS integer[]), CAST(:districts AS text[]), "
    "CAST(:restricted AS boolean[])) AS f(channel, shard, shards, districts, restricted)) "
    "SELECT id, channel, target FROM o"
)
