"""The outbox dispatcher: claims due rows, sends them concurrently, records every attempt, retries with
exponential backoff. At-least-once: a claimed row is leased; if the worker dies before marking it, the
lease runs out and another worker sends it again under the same CAP identifier. Claiming is claiming.py,
recording recording.py; beside it, the node's `Expander` turns fan-out jobs into those rows (expansion.py)
and wakes it as each shard commits."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, select
from sqlalchemy.engine import Engine

from airwarn import metrics
from airwarn.delivery.channels.base import Channel, DeliveryError, Gone, Message
from airwarn.delivery.claiming import Claimer
from airwarn.delivery.deadletter import mark_dead
from airwarn.delivery.expansion import CLAIM_JOBS, Expander
from airwarn.delivery.recording import Outcome, outcome_of, write_outcomes
from airwarn.delivery.wakeups import watch
from airwarn.domain.targeting import SUBSCRIBER_CHANNELS
from airwarn.store import tables as t

if TYPE_CHECKING:
    from airwarn.bus.memory import Hub

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
                 worker: str | None = None, wake_on: Hub | None = None, expander: Expander | None = None,
                 wake_on_any: bool = False) -> None:
        self.engine = engine
        self.wake_on = wake_on
        #: woken by events from every process, not only its own (a process that only sends)
        self.wake_on_any = wake_on_any
        self.channels = dict(channels)
        self.policy = policy or RetryPolicy()
        self.concurrency = concurrency
        self.clock = clock
        self.worker = worker or f"{socket.gethostname()}-{os.getpid()}"
        self._outcomes: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self.claimer = Claimer(engine, self.channels, self.policy, clock)
        #: expands fan-out jobs (with its own subscriber copy unless the node's is given)
        self.expander = expander or Expander(engine, lease_s=self.policy.lease_s,
                                             max_attempts=self.policy.max_attempts, clock=clock, worker=self.worker)

    def claim(self, limit: int) -> list[Message]:
        """Take up to `limit` due rows of known channels and lease them (one transaction; claiming.py)."""
        return self.claimer.claim(limit)

    # --- sending -------------------------------------------------------------------------------
    async def deliver(self, message: Message) -> bool:
        """Send one message under the per-target timeout, then record the attempt and the outcome."""
        started, t0 = self.clock(), time.perf_counter()
        failure: BaseException | None = None
        if message.channel in SUBSCRIBER_CHANNELS and message.address is None:
            failure = Gone("the subscription no longer has this channel (unsubscribed, or its receiver said it "
                           "is gone)")
        else:
            try:
                async with asyncio.timeout(self.policy.timeout_s):
                    await self.channels[message.channel].send(message)
            except Exception as exc:  # any receiver failure is retried, never crashes the worker
                failure = exc
        return await self._settle([self._outcome(message, started, t0, failure)]) == 1

    async def deliver_many(self, messages: list[Message]) -> int:
        """Send a channel's messages as one request (a gateway's batch API, `Channel.send_many`) under the
        per-attempt timeout; each message keeps its own delivery id, outcome and attempt record."""
        started, t0 = self.clock(), time.perf_counter()
        channel: Any = self.channels[messages[0].channel]
        try:
            async with asyncio.timeout(self.policy.timeout_s):
                results: list[BaseException | None] = list(await channel.send_many(messages))
        except Exception as exc:  # the whole request failed: every message is retried
            results = [exc] * len(messages)
        if len(results) != len(messages):
            results = [DeliveryError("the channel answered for a different number of messages")] * len(messages)
        return await self._settle([self._outcome(m, started, t0, r) for m, r in zip(messages, results, strict=True)])

    def _outcome(self, message: Message, started: datetime, t0: float, failure: BaseException | None) -> Outcome:
        duration_s = time.perf_counter() - t0
        outcome = outcome_of(message, started, duration_s * 1000, failure, self.policy.timeout_s)
        metrics.observe(message.channel, outcome.error is None, duration_s)
        return outcome

    async def _settle(self, outcomes: list[Outcome]) -> int:
        """Record the outcomes (one batch with whatever else finished meanwhile); returns those delivered."""
        try:
            if len(outcomes) == 1:
                await self._recorded(outcomes[0])
            else:
                await asyncio.gather(*(self._recorded(o) for o in outcomes))
        except Exception:  # the rows stay leased and are sent again when the lease runs out
            log.exception("recording deliveries %s failed", [o.message.outbox_id for o in outcomes])
            return 0
        return sum(o.error is None for o in outcomes)

    async def _recorded(self, outcome: Outcome) -> None:
        """Queue the outcome and wait until its batch is committed: one transaction for all outcomes that
        finished meanwhile, so thousands of deliveries a second do not queue for SQLite's write lock."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outcomes.append((outcome, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        while self._outcomes:
            batch, self._outcomes = self._outcomes, []
            try:
                await asyncio.to_thread(self.record, [o for o, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    def record(self, outcomes: list[Outcome]) -> None:
        """Write the outcomes in one transaction; if that fails, each alone, and one that still cannot be
        written is set aside as `dead`: a bad row never keeps the others pending."""
        try:
            self._write(outcomes)
        except Exception as exc:
            if len(outcomes) > 1:
                for o in outcomes:
                    self.record([o])
                return
            m = outcomes[0].message
            mark_dead(self.engine, [(m.outbox_id, m.channel)],
                      f"the outcome of attempt {m.attempt} could not be recorded: {type(exc).__name__}: {exc}",
                      self.clock())

    def _write(self, outcomes: list[Outcome]) -> None:
        """The attempts and the rows' new states in one transaction, a statement per kind of change
        (recording.py); gone addresses are dropped from their subscriptions in it too."""
        expired = write_outcomes(self.engine, outcomes, worker=self.worker, max_attempts=self.policy.max_attempts,
                                 backoff_s=self.policy.backoff_s, now=self.clock())
        for sub_id in expired:
            log.info("subscription %s expired: its last channel is gone", sub_id)

    # --- loops ---------------------------------------------------------------------------------
    async def run_once(self) -> int:
        """Expand the fan-out jobs due now, claim what is due and send it all concurrently; returns how many
        were delivered."""
        await asyncio.to_thread(self.expander.run_until_idle)
        messages = await asyncio.to_thread(self.claim, self.concurrency)
        results = await asyncio.gather(*(self._send(unit) for unit in self.units(messages)))
        return sum(results)

    def units(self, messages: list[Message]) -> list[list[Message]]:
        """The claimed messages as requests: one each, except a batching channel's (`batch` > 1 and
        `send_many`: an SMS gateway's bulk endpoint), which go up to `batch` to a request."""
        out: list[list[Message]] = []
        open_batches: dict[str, list[Message]] = {}
        for m in messages:
            size = int(getattr(self.channels.get(m.channel), "batch", 1) or 1)
            if size <= 1 or m.address is None:
                out.append([m])
                continue
            batch = open_batches.setdefault(m.channel, [])
            batch.append(m)
            if len(batch) >= size:
                out.append(open_batches.pop(m.channel))
        return out + list(open_batches.values())

    async def _send(self, unit: list[Message]) -> int:
        return int(await self.deliver(unit[0])) if len(unit) == 1 else await self.deliver_many(unit)

    async def drain(self, rounds: int = 50) -> None:
        """Run until nothing is due (tests and `--speed 0` demos), then close the channels' connections."""
        try:
            for _ in range(rounds):
                await asyncio.to_thread(self.expander.run_until_idle)
                if not await asyncio.to_thread(self.claim_count):
                    return
                await self.run_once()
        finally:
            await self.aclose()

    def claim_count(self) -> int:
        now = self.clock()
        with self.engine.connect() as conn:
            q = select(t.outbox.c.id).where(and_(t.outbox.c.state == "pending",
                                                 t.outbox.c.next_attempt_at <= now)).limit(1)
            return len(conn.execute(q).all())

    async def run(self, stop: asyncio.Event, poll_s: float = 0.2) -> None:
        """Keep up to `concurrency` deliveries (rows) in flight; a slow receiver holds only its own slots.
        It claims again when a quarter of them is free (or on a wake-up, or the poll), not after each row:
        a claim is a transaction, and one per finished row was most of a busy node's database work.

        Polls every `poll_s`; with `wake_on` (the node's event hub) it claims at once when a use case
        reports a change, so a fresh alert does not wait for the next poll. Fan-out jobs are expanded in a
        task of their own, which wakes the claiming loop as each shard's rows commit.
        """
        inflight: dict[asyncio.Task[int], int] = {}  # request → its rows
        busy = 0  # rows in flight
        refill = max(1, self.concurrency // 4)
        wake, kick, room = asyncio.Event(), asyncio.Event(), asyncio.Event()
        watcher = (asyncio.create_task(watch(self.wake_on, wake, kick, any_origin=self.wake_on_any))
                   if self.wake_on is not None else None)
        expanding = asyncio.create_task(self._expand_loop(stop, wake, kick, poll_s))

        def finished(task: asyncio.Task[int]) -> None:
            nonlocal busy
            busy -= inflight.pop(task, 0)
            if self.concurrency - busy >= refill:  # claim again once a quarter is free, not after each row
                room.set()

        while not stop.is_set():
            wake.clear()
            room.clear()
            free = self.concurrency - busy
            claimed: list[Message] = []
            if free > 0:
                try:
                    claimed = await asyncio.to_thread(self.claim, free)
                except Exception:
                    log.exception("claiming outbox rows failed; retrying")
            for unit in self.units(claimed):
                task = asyncio.create_task(self._send(unit))
                inflight[task] = len(unit)
                busy += len(unit)
                task.add_done_callback(finished)
            waiters = [asyncio.ensure_future(e.wait()) for e in (stop, wake, room)]
            await asyncio.wait(waiters, timeout=poll_s, return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()
        if watcher is not None:
            watcher.cancel()
        await asyncio.wait([expanding], timeout=self.policy.timeout_s)  # a shard being written finishes
        if inflight:  # let attempts in flight finish and be recorded (else their lease covers them)
            await asyncio.wait(list(inflight), timeout=self.policy.timeout_s + 5)
        await self.aclose()

    async def _expand_loop(self, stop: asyncio.Event, wake: asyncio.Event, kick: asyncio.Event,
                           poll_s: float) -> None:
        """Expand due fan-out jobs a batch at a time; sleep until `kick` (a use-case event) or the poll."""
        loop = asyncio.get_running_loop()

        def expanded(_rows: int) -> None:
            loop.call_soon_threadsafe(wake.set)

        self.expander.on_expanded = expanded
        while not stop.is_set():
            kick.clear()
            try:
                claimed = await asyncio.to_thread(self.expander.run_once)
            except Exception:
                log.exception("expanding fan-out jobs failed; retrying")
                claimed = 0
            if claimed >= CLAIM_JOBS:  # a full batch: more may be due; a short one means none more was
                continue
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(kick.wait())]
            await asyncio.wait(waiters, timeout=poll_s, return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()

    async def aclose(self) -> None:
        """Close the channels' connections (those that keep any)."""
        for channel in self.channels.values():
            close = getattr(channel, "aclose", None)
            if close is not None:
                try:
                    await close()
                except Exception:
                    log.exception("closing channel %s failed", channel.name)
