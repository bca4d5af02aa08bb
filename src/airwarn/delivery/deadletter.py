"""Rows set aside: an outbox row that cannot be sent or whose outcome cannot be recorded ends `dead` with a
reason, so it never holds up the others and its attempt limit holds even when recording keeps failing. A fan-out
job that could not be expanded within its attempt limit ends `dead` too (delivery/expansion.py); operators see
both, each with its reason."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy import LargeBinary, and_, cast, func, select, update
from sqlalchemy.engine import Connection, Engine

from airwarn.store import tables as t
from airwarn.store.fanout_tables import fanout_jobs as jobs_t

log = logging.getLogger("airwarn.delivery")

DEAD = Counter("airwarn_delivery_dead_total", "Outbox rows set aside (dead-lettered) by channel", ["channel"])
DEAD_JOBS = Counter("airwarn_fanout_jobs_dead_total", "Fan-out jobs set aside (not expanded within their attempt "
                    "limit) by channel", ["channel"])
STATES = ("pending", "delivered", "failed", "dead")


def safe_text(text: str, limit: int = 2000) -> str:
    """Text any database stores: lone surrogates and NULs (which a receiver's answer or a hostile address
    can carry) become escapes, and it is cut to `limit`."""
    cleaned = text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
    return cleaned[:limit]


def mark_dead(engine: Engine, rows: Sequence[tuple[int, str]], reason: str, now: datetime) -> None:
    """Set rows (id, channel) aside in their own transaction; each row is tried alone if the batch fails,
    so one row that cannot be written does not keep the others pending."""
    try:
        with engine.begin() as conn:
            _dead(conn, rows, reason, now)
        return
    except Exception:
        if len(rows) == 1:
            log.exception("could not set outbox row %s aside", rows[0][0])
            return
    for row in rows:
        mark_dead(engine, [row], reason, now)


def _dead(conn: Connection, rows: Sequence[tuple[int, str]], reason: str, now: datetime) -> None:
    if not rows:
        return
    conn.execute(update(t.outbox).where(and_(t.outbox.c.id.in_([r[0] for r in rows]),
                                             t.outbox.c.state == "pending"))
                 .values(state="dead", last_error=safe_text(reason), next_attempt_at=now))
    for _, channel in rows:
        DEAD.labels(channel=channel).inc()
    log.error("outbox rows %s set aside: %s", [r[0] for r in rows], safe_text(reason, 300))


def dead_in(conn: Connection, rows: Sequence[tuple[int, str]], reason: str, now: datetime) -> None:
    """`mark_dead` inside the caller's transaction (the claim that found the rows)."""
    _dead(conn, rows, reason, now)


def deliveries(conn: Connection, *, state: str | None, alert: str | None, channel: str | None,
               limit: int, before: int | None) -> list[dict[str, Any]]:
    """Outbox rows for operators, newest first, filtered by state/alert/channel; `before` pages by id. On
    SQLite the target is read as bytes, so a row with invalid text (the kind set aside) is still listed."""
    raw = conn.dialect.name == "sqlite"
    target = cast(t.outbox.c.target, LargeBinary).label("target") if raw else t.outbox.c.target
    q = select(t.outbox.c.id, t.outbox.c.alert_id, t.outbox.c.channel, target, t.outbox.c.state,
               t.outbox.c.attempts, t.outbox.c.created_at, t.outbox.c.next_attempt_at, t.outbox.c.delivered_at,
               t.outbox.c.last_error, t.outbox.c.reason)
    if state:
        q = q.where(t.outbox.c.state == state)
    if alert:
        q = q.where(t.outbox.c.alert_id == alert)
    if channel:
        q = q.where(t.outbox.c.channel == channel)
    if before is not None:
        q = q.where(t.outbox.c.id < before)
    rows = [dict(r) for r in conn.execute(q.order_by(t.outbox.c.id.desc()).limit(limit)).mappings()]
    for r in rows:
        if isinstance(r["target"], bytes):
            r["target"] = r["target"].decode("utf-8", "replace")
    return rows


def count_dead(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(t.outbox).where(t.outbox.c.state == "dead"))
               .scalar() or 0)


def dead_jobs(conn: Connection, *, alert: str | None, channel: str | None, limit: int,
              before: int | None) -> list[dict[str, Any]]:
    """Fan-out jobs set aside, newest first, each with its reason in `last_error` and when it was set aside
    (`dead_at`); `before` pages by job id."""
    q = select(jobs_t.c.id, jobs_t.c.alert_id, jobs_t.c.channel, jobs_t.c.shard, jobs_t.c.shards,
               jobs_t.c.attempts, jobs_t.c.worker, jobs_t.c.created_at, jobs_t.c.next_attempt_at.label("dead_at"),
               jobs_t.c.last_error).where(jobs_t.c.state == "dead")
    if alert:
        q = q.where(jobs_t.c.alert_id == alert)
    if channel:
        q = q.where(jobs_t.c.channel == channel)
    if before is not None:
        q = q.where(jobs_t.c.id < before)
    return [dict(r) for r in conn.execute(q.order_by(jobs_t.c.id.desc()).limit(limit)).mappings()]


def count_dead_jobs(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(jobs_t).where(jobs_t.c.state == "dead")).scalar() or 0)
