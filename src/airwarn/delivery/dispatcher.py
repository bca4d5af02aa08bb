"""The outbox dispatcher: claims due rows, sends them concurrently, records every attempt, retries with
exponential backoff. At-least-once: a claimed row is leased; if the worker dies before marking it, the
lease runs out and another worker sends it again under the same CAP identifier."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection, Engine

from airwarn.delivery import metrics
from airwarn.delivery.channels.base import Channel, Gone, Message
from airwarn.issuing import summary
from airwarn.store import tables as t
from airwarn.store.codec import alert_from_dict
from airwarn.store.delivery_tables import delivery_attempts, subscriptions

log = logging.getLogger("airwarn.delivery")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_s: float = 1.0
    cap_s: float = 300.0
    timeout_s: float = 10.0  # per attempt, per target
    lease_s: float = 30.0  # a claimed row is due again after this if its worker vanished

    def backoff_s(self, attempt: int) -> float:
        """Delay before attempt `attempt + 1`: base·2^(attempt-1), capped."""
        return float(min(self.cap_s, self.base_s * 2 ** max(0, attempt - 1)))


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    def __init__(self, engine: Engine, channels: Mapping[str, Channel], *, policy: RetryPolicy | None = None,
                 concurrency: int = 256, clock: Callable[[], datetime] = _utc_now,
                 worker: str | None = None) -> None:
        self.engine = engine
        self.channels = dict(channels)
        self.policy = policy or RetryPolicy()
        self.concurrency = concurrency
        self.clock = clock
        self.worker = worker or f"{socket.gethostname()}-{os.getpid()}"
        self._postgres = engine.dialect.name == "postgresql"
        self._alerts: dict[str, tuple[str, dict[str, Any]]] = {}

    # --- claiming ------------------------------------------------------------------------------
    def claim(self, limit: int) -> list[Message]:
        """Take up to `limit` due rows of known channels and lease them (one transaction)."""
        now = self.clock()
        due = and_(t.outbox.c.state == "pending", t.outbox.c.next_attempt_at <= now,
                   t.outbox.c.channel.in_(list(self.channels)))
        q = select(t.outbox).where(due).order_by(t.outbox.c.next_attempt_at, t.outbox.c.id).limit(limit)
        if self._postgres:
            q = q.with_for_update(skip_locked=True)
        with self.engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE makes this the single writer
            rows = [dict(r) for r in conn.execute(q).mappings()]
            if not rows:
                return []
            lease_until = now + timedelta(seconds=self.policy.lease_s)
            conn.execute(update(t.outbox).where(t.outbox.c.id.in_([r["id"] for r in rows]))
                         .values(attempts=t.outbox.c.attempts + 1, next_attempt_at=lease_until))
            return self._messages(conn, rows)

    def _messages(self, conn: Connection, rows: list[dict[str, Any]]) -> list[Message]:
        for alert_id in {r["alert_id"] for r in rows} - set(self._alerts):
            found = conn.execute(select(t.alerts.c.body, t.alerts.c.xml)
                                 .where(t.alerts.c.identifier == alert_id)).first()
            if found is not None:
                self._alerts[alert_id] = (found.xml or "", alert_payload(found.body))
        sub_ids = [r["target"] for r in rows if r["channel"] in ("sms", "webhook", "webpush")]
        subs = {s.id: s for s in conn.execute(
            select(subscriptions.c.id, subscriptions.c.channels, subscriptions.c.language)
            .where(subscriptions.c.id.in_(sub_ids)))} if sub_ids else {}
        out = []
        for r in rows:
            xml, alert = self._alerts.get(r["alert_id"], ("", {}))
            sub = subs.get(r["target"])
            address = next((c["address"] for c in sub.channels if c["channel"] == r["channel"]), None) \
                if sub else None
            out.append(Message(outbox_id=r["id"], identifier=r["alert_id"], channel=r["channel"],
                               target=r["target"], attempt=r["attempts"] + 1, xml=xml, alert=alert,
                               language=sub.language if sub else "en", address=address))
        return out

    # --- sending -------------------------------------------------------------------------------
    async def deliver(self, message: Message) -> bool:
        """Send one message under the per-target timeout, then record the attempt and the outcome."""
        started = self.clock()
        t0 = time.perf_counter()
        error: str | None = None
        final = False
        try:
            await asyncio.wait_for(self.channels[message.channel].send(message), self.policy.timeout_s)
        except Gone as exc:
            error, final = f"Gone: {exc}"[:2000], True
        except TimeoutError:
            error = f"timed out after {self.policy.timeout_s:g} s"
        except Exception as exc:  # any receiver failure is retried, never crashes the worker
            error = f"{type(exc).__name__}: {exc}"[:2000]
        duration_ms = (time.perf_counter() - t0) * 1000
        await asyncio.to_thread(self._record, message, started, duration_ms, error, final)
        metrics.observe(message.channel, error is None, duration_ms / 1000)
        return error is None

    def _record(self, m: Message, started: datetime, duration_ms: float, error: str | None,
                final: bool = False) -> None:
        now = self.clock()
        values: dict[str, Any]
        if error is None:
            values = {"state": "delivered", "delivered_at": now, "last_error": None}
        elif final or m.attempt >= self.policy.max_attempts:
            values = {"state": "failed", "last_error": error}
        else:
            values = {"next_attempt_at": now + timedelta(seconds=self.policy.backoff_s(m.attempt)),
                      "last_error": error}
        with self.engine.begin() as conn:
            conn.execute(insert(delivery_attempts).values(
                outbox_id=m.outbox_id, alert_id=m.identifier, channel=m.channel, attempt=m.attempt,
                worker=self.worker, started_at=started, duration_ms=duration_ms, ok=error is None,
                error=error))
            conn.execute(update(t.outbox).where(and_(t.outbox.c.id == m.outbox_id,
                                                     t.outbox.c.state == "pending")).values(**values))

    # --- loops ---------------------------------------------------------------------------------
    async def run_once(self) -> int:
        """Claim what is due now and send it all concurrently; returns how many were delivered."""
        messages = await asyncio.to_thread(self.claim, self.concurrency)
        results = await asyncio.gather(*(self.deliver(m) for m in messages))
        return sum(results)

    async def drain(self, rounds: int = 50) -> None:
        """Run until nothing is due (tests and `--speed 0` demos)."""
        for _ in range(rounds):
            if not await asyncio.to_thread(self.claim_count):
                return
            await self.run_once()

    def claim_count(self) -> int:
        now = self.clock()
        with self.engine.connect() as conn:
            q = select(t.outbox.c.id).where(and_(t.outbox.c.state == "pending",
                                                 t.outbox.c.next_attempt_at <= now)).limit(1)
            return len(conn.execute(q).all())

    async def run(self, stop: asyncio.Event, poll_s: float = 0.2) -> None:
        """Keep up to `concurrency` deliveries in flight; a slow receiver holds only its own slot."""
        inflight: set[asyncio.Task[bool]] = set()
        while not stop.is_set():
            free = self.concurrency - len(inflight)
            claimed: list[Message] = []
            if free > 0:
                try:
                    claimed = await asyncio.to_thread(self.claim, free)
                except Exception:
                    log.exception("claiming outbox rows failed; retrying")
            for m in claimed:
                task = asyncio.create_task(self.deliver(m))
                inflight.add(task)
                task.add_done_callback(inflight.discard)
            waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(stop.wait())]
            done_any = asyncio.ensure_future(asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)) \
                if inflight else None
            if done_any:
                waiters.append(done_any)
            await asyncio.wait(waiters, timeout=poll_s, return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()
        if inflight:
            await asyncio.wait(inflight, timeout=self.policy.timeout_s)


def alert_payload(body: dict[str, Any]) -> dict[str, Any]:
    """The alert summary every channel gets, with headline and instruction per language."""
    alert = alert_from_dict(body)
    texts = {i.language[:2]: {"headline": i.headline, "instruction": i.instruction, "event": i.event}
             for i in alert.infos}
    return {**summary(alert), "urgency": alert.infos[0].urgency.value if alert.infos else None,
            "texts": texts}
