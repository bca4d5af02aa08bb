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
    got = conn.execute(_ISSUED, {
        "alert_id": alert_id, "now": at, "worker": worker,
        "rows": json.dumps([{"channel": r.channel, "target": r.target, "state": r.state,
                             "due": r.due.astimezone(UTC).isoformat(), "reason": r.reason} for r in rows]),
        "jobs": json.dumps([{"channel": j["channel"], "shard": j["shard"], "shards": j["shards"],
                             "districts": j["districts"], "restricted": j["restricted"]}
                            for j in job_rows(alert_id, jobs, now)])})
    return {(r.channel, r.target): int(r.id) for r in got}


#: Each set goes as one JSON document: psycopg writes a text[] parameter by escaping every element in
#: Python (a region-wide alert's jobs, each listing its districts as JSON, took 25 ms of CPU that way).
_ISSUED = text(
    "WITH o AS (INSERT INTO outbox (alert_id, channel, target, state, attempts, created_at, next_attempt_at, "
    "delivered_at, reason) SELECT :alert_id, u.channel, u.target, u.state, "
    "CASE WHEN u.state = 'delivered' THEN 1 ELSE 0 END, :now, u.due, "
    "CASE WHEN u.state = 'delivered' THEN CAST(:now AS timestamptz) END, u.reason "
    "FROM json_to_recordset(CAST(:rows AS json)) "
    "AS u(channel text, target text, state text, due timestamptz, reason text) "
    "RETURNING id, channel, target, state), "
    "a AS (INSERT INTO delivery_attempts (outbox_id, alert_id, channel, attempt, worker, started_at, "
    "duration_ms, ok, error) SELECT id, :alert_id, channel, 1, :worker, :now, 0, true, NULL FROM o "
    "WHERE state = 'delivered'), "
    "j AS (INSERT INTO fanout_jobs (alert_id, channel, shard, shards, districts, restricted, state, attempts, "
    "created_at, next_attempt_at) SELECT :alert_id, f.channel, f.shard, f.shards, f.districts, "
    "f.restricted, 'pending', 0, :now, :now FROM json_to_recordset(CAST(:jobs AS json)) "
    "AS f(channel text, shard integer, shards integer, districts json, restricted boolean)) "
    "SELECT id, channel, target FROM o"
)
