"""Outbox rows of the repository: pending deliveries, and live hand-offs recorded as first attempts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, bindparam, insert, select, text, update

from airwarn.store import tables as t
from airwarn.store.delivery_tables import delivery_attempts
from airwarn.store.issued_rows import IssuedRow, write_issued
from airwarn.store.outbox_bulk import Column, write_outbox
from airwarn.store.rows import plain

if TYPE_CHECKING:
    from airwarn.service_layer.deps import FanoutJob


@dataclass(frozen=True)
class LiveReceipt:
    """A live hand-off that reached the bus, waiting to be recorded on its outbox row."""

    outbox_id: int
    alert_id: str
    at: datetime
    worker: str
    duration_ms: float


class OutboxRows:
    """The repository's outbox part (mixed into `Repository`, which owns `conn`)."""

    conn: Connection

    def add_outbox(
        self, *, alert_id: str, channel: str, target: str, reason: str, now: datetime,
        due: datetime | None = None,
    ) -> int:
        """A pending delivery row, due at `due` (default now); returns its id."""
        inserted = self.conn.execute(
            insert(t.outbox), dict(
                alert_id=alert_id, channel=channel, target=target, state="pending", attempts=0,
                created_at=now, next_attempt_at=due or now, reason=reason,
            )
        )
        key = inserted.inserted_primary_key
        if key is None:
            raise RuntimeError("the database returned no id for the outbox row")
        return int(key[0])

    def add_outbox_issued(self, *, alert_id: str, rows: Sequence[IssuedRow], jobs: Sequence[FanoutJob],
                          now: datetime, worker: str) -> dict[tuple[str, str], int]:
        """An issued alert's outbox rows, the delivered ones' attempts and its fan-out jobs (one statement on
        PostgreSQL); each row's id by (channel, target)."""
        return write_issued(self.conn, alert_id, rows, jobs, now, worker)

    def add_outbox_many(self, *, alert_id: str, columns: Sequence[Column], now: datetime) -> None:
        """Pending delivery rows, all due now, given column-wise as (channel, reason, targets), in bulk."""
        write_outbox(self.conn, alert_id, columns, now)

    def mark_handed_off(self, receipts: Sequence[LiveReceipt]) -> int:
        """Record live hand-offs as first attempts that succeeded, in bulk; a row a dispatcher has since
        claimed (its lease ran out) is left to it. Returns how many rows it marked."""
        if not receipts:
            return 0
        by_id = {r.outbox_id: r for r in receipts}
        if self.conn.dialect.name == "postgresql":  # one round trip instead of three
            ids = sorted(by_id)
            marked = self.conn.execute(_MARK_HANDED_OFF_PG, {
                "ids": ids, "ats": [by_id[i].at.astimezone(UTC) for i in ids],
                "alert_ids": [by_id[i].alert_id for i in ids], "workers": [by_id[i].worker for i in ids],
                "durations": [float(by_id[i].duration_ms) for i in ids]})
            return len(marked.all())
        q = select(t.outbox.c.id).where(and_(t.outbox.c.id.in_(list(by_id)), t.outbox.c.state == "pending",
                                             t.outbox.c.attempts == 0))
        ids = sorted(r.id for r in self.conn.execute(q))
        if not ids:
            return 0
        self.conn.execute(_MARK_HANDED_OFF, [{"b_id": i, "b_at": by_id[i].at} for i in ids])
        self.conn.execute(insert(delivery_attempts), [dict(
            outbox_id=i, alert_id=by_id[i].alert_id, channel="live", attempt=1, worker=by_id[i].worker,
            started_at=by_id[i].at, duration_ms=by_id[i].duration_ms, ok=True, error=None) for i in ids])
        return len(ids)

    def outbox_rows(self, alert_id: str | None = None) -> list[dict[str, Any]]:
        q = select(t.outbox).order_by(t.outbox.c.id)
        if alert_id is not None:
            q = q.where(t.outbox.c.alert_id == alert_id)
        return [plain(r) for r in self.conn.execute(q).mappings()]


#: PostgreSQL: the same in one statement. Rows a dispatcher holds are skipped (never waited for, as it may
#: be sending them); the rest are marked delivered and get their first attempt recorded.
_MARK_HANDED_OFF_PG = text(
    "WITH r AS (SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:ats AS timestamptz[]), "
    "CAST(:alert_ids AS text[]), CAST(:workers AS text[]), CAST(:durations AS float8[])) "
    "AS r(id, at, alert_id, worker, duration_ms)), "
    "claimed AS (SELECT o.id FROM outbox AS o JOIN r ON o.id = r.id "
    "WHERE o.state = 'pending' AND o.attempts = 0 ORDER BY o.id FOR UPDATE OF o SKIP LOCKED), "
    "marked AS (UPDATE outbox AS o SET state = 'delivered', delivered_at = r.at, attempts = 1 "
    "FROM claimed JOIN r ON r.id = claimed.id WHERE o.id = claimed.id RETURNING o.id) "
    "INSERT INTO delivery_attempts (outbox_id, alert_id, channel, attempt, worker, started_at, duration_ms, "
    "ok, error) SELECT r.id, r.alert_id, 'live', 1, r.worker, r.at, r.duration_ms, true, NULL "
    "FROM marked JOIN r ON r.id = marked.id ORDER BY r.id RETURNING outbox_id"
)
_MARK_HANDED_OFF = (update(t.outbox).where(t.outbox.c.id == bindparam("b_id"))
                    .values(state="delivered", delivered_at=bindparam("b_at"), attempts=1))
