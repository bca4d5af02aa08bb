"""Fan-out jobs: what an issued alert commits instead of one outbox row per subscriber target.

One row per subscriber channel and shard (a fixed partition of subscriptions by a hash of their id). A
dispatcher on any node claims a job, expands it from its subscriber copy into outbox rows and marks it
`expanded` in the same transaction as those rows (delivery/expansion.py); migration 0014_fanout.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    select,
)

from airwarn.store.tables import UtcDateTime, metadata

if TYPE_CHECKING:
    from airwarn.service_layer.deps import FanoutJob

fanout_jobs = Table(
    "fanout_jobs",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("alert_id", String(80), ForeignKey("alerts.identifier"), nullable=False),
    Column("channel", String(32), nullable=False),  # sms | webhook | webpush
    Column("shard", Integer, nullable=False),  # this job's subscribers: crc32(subscription id) % shards == shard
    Column("shards", Integer, nullable=False),
    Column("districts", JSON, nullable=False),  # the districts the alert covers (district-only subscribers)
    Column("restricted", Boolean, nullable=False),  # mobile internet restricted in the region when issued
    Column("state", String(16), nullable=False),  # pending | expanded | dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("worker", String(64)),  # who holds (or last held) the lease
    Column("created_at", UtcDateTime(), nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),  # due; while claimed, the lease's end
    Column("expanded_at", UtcDateTime()),
    Column("targets", Integer),  # outbox rows the expansion wrote
    Column("last_error", Text),
    Index("ix_fanout_jobs_due", "state", "next_attempt_at"),
    Index("ux_fanout_jobs_shard", "alert_id", "channel", "shard", unique=True),
)


def job_rows(alert_id: str, jobs: Sequence[FanoutJob], now: datetime) -> list[dict[str, Any]]:
    """The fan-out job rows of an issued alert, due now, in (shard, channel) order so that every channel's
    first shards are claimed first; as many whatever the number of subscribers."""
    return [{"alert_id": alert_id, "channel": job.channel, "shard": shard, "shards": job.shards,
             "districts": list(job.districts), "restricted": job.restricted, "state": "pending", "attempts": 0,
             "created_at": now, "next_attempt_at": now}
            for shard in range(max((j.shards for j in jobs), default=0)) for job in jobs if shard < job.shards]


def job_states(conn: Connection, alert_id: str) -> dict[str, int]:
    """An alert's fan-out jobs by state (pending | expanded | dead): its subscriber targets are all in the
    outbox once none is pending."""
    found = conn.execute(select(fanout_jobs.c.state, func.count()).where(fanout_jobs.c.alert_id == alert_id)
                         .group_by(fanout_jobs.c.state)).all()
    return {"pending": 0, "expanded": 0, "dead": 0} | {str(state): int(n) for state, n in found}
