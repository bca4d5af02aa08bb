"""Recording delivery outcomes in bulk: one transaction per batch of finished attempts, with a statement per
kind of change rather than per row.

Every attempt is a row of `delivery_attempts` (COPY on PostgreSQL, one executemany on SQLite). The outbox rows
delivered — nearly all of them — change with one `UPDATE … WHERE id = ANY (…)` (SQLite: `IN`) per chunk of ids;
the others (failed, given up, or due again at their own backoff) with one executemany. A row changes only while it is
still `pending`, as before. Addresses a receiver called gone are dropped from their subscriptions in the
same transaction (under the decisions' lock on PostgreSQL), so no later alert is fanned out to them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, insert, update
from sqlalchemy.engine import Connection, Engine

from airwarn.delivery.channels.base import Gone, Message, Refused
from airwarn.delivery.deadletter import safe_text
from airwarn.delivery.subscriptions import remove_gone
from airwarn.store import tables as t
from airwarn.store.among import among
from airwarn.store.delivery_tables import delivery_attempts
from airwarn.store.uow import WRITE_LOCK_KEY

log = logging.getLogger("airwarn.delivery")

#: Outbox ids per `UPDATE` of delivered rows (well under every driver's parameter limit).
UPDATE_CHUNK_IDS = 5_000
_ATTEMPT_COLUMNS = ("outbox_id", "alert_id", "channel", "attempt", "worker", "started_at", "duration_ms", "ok",
                    "error")


@dataclass(frozen=True)
class Outcome:
    """One finished attempt, waiting to be recorded."""

    message: Message
    started: datetime
    duration_ms: float
    error: str | None
    final: bool = False  # the receiver said the address is gone: no retry, and the address is removed
    give_up: bool = False  # airwarn will not send there (e.g. a non-public address): no retry, address kept


def outcome_of(message: Message, started: datetime, duration_ms: float, failure: BaseException | None,
               timeout_s: float) -> Outcome:
    """What an attempt's failure (None: the receiver took it) means: gone (no retry, address removed),
    refused (no retry, address kept), or any other error (retried with backoff)."""
    error: str | None = None
    final = give_up = False
    if isinstance(failure, Gone):
        error, final = f"Gone: {failure}", True
    elif isinstance(failure, Refused):
        error, give_up = f"Refused: {failure}", True
    elif isinstance(failure, TimeoutError):
        error = f"timed out after {timeout_s:g} s"
    elif failure is not None:
        error = f"{type(failure).__name__}: {failure}"
    return Outcome(message, started, duration_ms, safe_text(error) if error is not None else None, final, give_up)


def write_outcomes(engine: Engine, outcomes: Sequence[Outcome], *, worker: str, max_attempts: int,
                   backoff_s: Callable[[int], float], now: datetime) -> list[str]:
    """Write the attempts and the rows' new states in one transaction; returns the subscriptions that
    expired because their last channel was gone."""
    delivered = [o.message.outbox_id for o in outcomes if o.error is None]
    changes = []
    for o in outcomes:
        m = o.message
        if o.error is None:
            continue
        if o.final or o.give_up or m.attempt >= max_attempts:
            state, due = "failed", now
        else:
            state, due = "pending", now + timedelta(seconds=backoff_s(m.attempt))
        changes.append({"b_id": m.outbox_id, "b_state": state, "b_due": due, "b_error": o.error})
    gone = [(o.message, o.error) for o in outcomes if o.final and o.error]
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if gone and postgres:  # subscriptions change under the decisions' lock, taken before any row
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
        _attempts(conn, outcomes, worker, postgres)
        for start in range(0, len(delivered), UPDATE_CHUNK_IDS):
            chunk = delivered[start:start + UPDATE_CHUNK_IDS]
            conn.execute(update(t.outbox).where(and_(among(t.outbox.c.id, chunk, postgres=postgres),
                                                     t.outbox.c.state == "pending"))
                         .values(state="delivered", delivered_at=now, next_attempt_at=now, last_error=None))
        if changes:
            conn.execute(update(t.outbox).where(and_(t.outbox.c.id == bindparam("b_id"),
                                                     t.outbox.c.state == "pending"))
                         .values(state=bindparam("b_state"), delivered_at=None, next_attempt_at=bindparam("b_due"),
                                 last_error=bindparam("b_error")), changes)
        return remove_gone(conn, gone, now)


def _attempts(conn: Connection, outcomes: Sequence[Outcome], worker: str, postgres: bool) -> None:
    rows = [(o.message.outbox_id, o.message.identifier, o.message.channel, o.message.attempt, worker, o.started,
             o.duration_ms, o.error is None, o.error) for o in outcomes]
    if not postgres:
        conn.execute(insert(delivery_attempts), [dict(zip(_ATTEMPT_COLUMNS, r, strict=True)) for r in rows])
        return
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(
            f"COPY {delivery_attempts.name} ({', '.join(_ATTEMPT_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
