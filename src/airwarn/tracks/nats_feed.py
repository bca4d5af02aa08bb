"""Detections from NATS JetStream: a durable pull consumer per subject of the node's partitions
(`tracks/partitions.py`), taken earliest-first across them in batches, acked once per batch.

How a node takes its consumers' messages:

- **Earliest first.** All subjects are in one stream, so its sequence numbers order every message by arrival.
  The feed takes the message with the lowest sequence among its consumers' heads, then the next, and stops a
  batch where a consumer whose next message it does not know yet could hold an earlier one. While the node
  keeps up this is the order they arrive in; after an outage it takes the backlog hour by hour across regions,
  not region after region (which would feed the picture hours apart).
- **Batches.** One batch is what is there, up to `batch_bytes` of bodies (256 KiB: some 1,700 detections),
  tracked as one step per status (at most MAX_BATCH detections a step): a
  node that keeps up takes a message or two at a time (no wait), one that fell behind catches up in large
  steps, which cost far less per detection (one forecast, board and report pass, one thread hop).
- **Pulls without a wait per message.** Each consumer keeps one pull request open on its own inbox; the
  server pushes what is there (or what arrives, for a waiting request) and a 404/408 status says it is
  drained. Messages are queued as they come and parsed only when taken.
- **Acks.** After the batch is tracked and its warning reports committed: one ack per consumer and batch
  (AckAll: every earlier message of that consumer too). A consumer made by an older node with explicit
  acks keeps them (one per message).
- **Redelivery.** A message redelivered (ack lost, or the batch took longer than `ack_wait_s`) carries a
  stream sequence the consumer has already taken and is acked without being tracked again; a node that
  stopped before its ack leaves the batch to the next one, whose picture has not seen it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from airwarn.domain.reports import Status
from airwarn.errors import AirwarnError
from airwarn.tracks.detections import MAX_BATCH, parse_body
from airwarn.tracks.partitions import (
    SUBJECT,
    Subscription,
    keeps,
    parse_partitions,
    region_centre,
    subscriptions,
)
from airwarn.tracks.service import IngestResult, TrackingService

log = logging.getLogger("airwarn.tracks")
STREAM = "AIRWARN_DETECTIONS"
PULL = 256  # messages one pull request asks for
WAIT_NS = 5_000_000_000  # how long a waiting pull request stays open
LOST_S = 10.0  # an open request that brought nothing, not even its end, for this long is taken as lost


def _status(value: str | None) -> Status:
    try:
        return Status(value or "Actual")
    except ValueError:
        return Status.ACTUAL


def _sequence(reply: str) -> int:
    """The stream sequence in a JetStream ack subject ($JS.ACK.<stream>.<consumer>.<delivered>.<sseq>…, or
    with a domain and account hash two tokens further)."""
    tokens = reply.split(".")
    return int(tokens[5] if len(tokens) == 9 else tokens[7])


@dataclass
class _Consumer:
    spec: Subscription
    ack_all: bool
    inbox: str
    wake: asyncio.Event
    pending: deque[tuple[int, Any]] = field(default_factory=deque)  # (stream sequence, message), as received
    open: int = 0  # messages the open pull request may still bring (0: none open)
    complete: bool = False  # every message there was has been received (the server said so, or a wait is open)
    taken: int = 0  # the highest stream sequence taken: a redelivery at or below it is not tracked again
    heard: float = 0.0  # when the open request was made or last brought something (event loop time)

    async def on_message(self, msg: Any) -> None:
        self.heard = asyncio.get_running_loop().time()
        headers = msg.headers
        if headers and not msg.data and "Status" in headers:
            code = headers["Status"]
            if code == "100":  # idle heartbeat
                return
            self.open = 0
            self.complete = True  # 404: no (more) messages now; 408: a request ended; others end it too
            if code not in ("404", "408"):
                log.warning("detections %s: pull ended with %s %s", self.spec.durable, code,
                            headers.get("Description", ""))
            self.wake.set()
            return
        try:
            sequence = _sequence(msg.reply)
        except (ValueError, IndexError):
            log.warning("detections %s: a message without a JetStream reply subject was dropped",
                        self.spec.durable)
            return
        self.pending.append((sequence, msg))
        if self.open:
            self.open -= 1
            if not self.open:  # the request was filled: there may be more
                self.complete = False
        self.wake.set()


class NatsDetectionFeed:
    """The node's partitions (regions, or sectors of regions) from JetStream; see the module's notes."""

    def __init__(self, service: TrackingService, url: str, regions: list[str] | None = None,
                 stream: str = STREAM, *, batch_bytes: int = 256 * 1024, ack_wait_s: float = 60.0,
                 subject: str = SUBJECT) -> None:
        from airwarn.domain.users import Role, User

        self.service = service
        self.sensor = User("nats", Role.SENSOR)
        self.url, self.stream, self.subject = url, stream, subject
        self.partitions = parse_partitions(regions or [])
        self.batch_bytes = batch_bytes
        self.ack_wait_s = ack_wait_s
        self.accepted = 0
        self.rejected = 0
        self.duplicates = 0  # redelivered messages taken before, acked and not tracked again
        self.batches = 0
        self._nc: Any = None
        self._consumers: list[_Consumer] = []
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        import nats
        from nats.js.api import StreamConfig

        self._nc = await nats.connect(self.url, connect_timeout=3, max_reconnect_attempts=-1)
        js = self._nc.jetstream()
        try:
            await js.stream_info(self.stream)
        except Exception:  # absent: create it (any other problem shows in add_stream)
            await js.add_stream(StreamConfig(name=self.stream, subjects=[f"{self.subject}.>"], max_msgs=1_000_000))
        self._wake = asyncio.Event()
        for spec in subscriptions(self.partitions, self.subject):
            ack_all = await self._consumer(js, spec)
            consumer = _Consumer(spec, ack_all, self._nc.new_inbox(), self._wake)
            await self._nc.subscribe(consumer.inbox, cb=consumer.on_message)
            self._consumers.append(consumer)
        self._task = asyncio.create_task(self._run())

    async def _consumer(self, js: Any, spec: Subscription) -> bool:
        """The durable pull consumer for one subject (made when absent); whether it takes AckAll."""
        import nats.js.errors
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        try:
            info = await js.consumer_info(self.stream, spec.durable)
        except nats.js.errors.NotFoundError:
            info = await js.add_consumer(self.stream, ConsumerConfig(
                durable_name=spec.durable, filter_subject=spec.subject, ack_policy=AckPolicy.ALL,
                ack_wait=self.ack_wait_s, deliver_policy=DeliverPolicy.ALL, max_ack_pending=20_000))
        return bool(info.config.ack_policy == AckPolicy.ALL)

    async def _request(self, consumer: _Consumer) -> None:
        """Open a pull request: `no_wait` when the consumer may have more, a waiting one when it is drained."""
        ask: dict[str, Any] = {"batch": PULL}
        if consumer.complete:
            ask["expires"] = WAIT_NS
        else:
            ask["no_wait"] = True
        consumer.open = PULL
        consumer.heard = asyncio.get_running_loop().time()
        await self._nc.publish(f"$JS.API.CONSUMER.MSG.NEXT.{self.stream}.{consumer.spec.durable}",
                               json.dumps(ask).encode(), reply=consumer.inbox)

    async def _run(self) -> None:
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        while True:
            for consumer in self._consumers:
                if consumer.open and loop.time() - consumer.heard > LOST_S:  # the request was lost (a reconnect
                    consumer.open = 0  # drops the server's side of it): ask again
                if not consumer.open and len(consumer.pending) < PULL:  # at most ~2 requests' worth held
                    await self._request(consumer)
            batch = self._compose()
            if not batch:
                self._wake.clear()  # no await since _compose: nothing arrived unseen
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 1.0)
                continue
            await self._take(batch)  # cancelled here (the node stops): no ack, the batch goes to the next one
            await self._ack(batch)

    def _compose(self) -> list[tuple[_Consumer, int, Any]]:
        """Messages in stream order across the consumers, up to `batch_bytes` of bodies."""
        out: list[tuple[_Consumer, int, Any]] = []
        size = 0
        while size < self.batch_bytes:
            best: _Consumer | None = None
            for c in self._consumers:
                if not c.pending:
                    if not c.complete:
                        return out  # its next message, not here yet, may be the earliest
                    continue
                if best is None or c.pending[0][0] < best.pending[0][0]:
                    best = c
            if best is None:
                return out
            sequence, msg = best.pending.popleft()
            out.append((best, sequence, msg))
            size += len(msg.data)
        return out

    async def _take(self, batch: list[tuple[_Consumer, int, Any]]) -> None:
        """Parse each new message (a redelivered one only counted), keep what the node's sectors hold, and track
        the batch as one step per status."""
        pending: dict[Status, list[Any]] = {}
        last: Any = None
        for consumer, sequence, msg in batch:
            if sequence <= consumer.taken:
                self.duplicates += 1
                continue
            consumer.taken = sequence
            headers = msg.headers or {}
            try:
                items = parse_body(msg.data, headers.get("Content-Type", ""))
            except AirwarnError as e:  # a malformed message is dropped with a log line; the feed goes on
                log.warning("%s: a detection batch was refused: %s", self.sensor.name, e.message)
                self.rejected += 1
                continue
            if consumer.spec.keep is not None:
                items = self._mine(consumer.spec, items)
            status = _status(headers.get("Airwarn-Status"))
            items_of = pending.setdefault(status, [])
            if len(items_of) + len(items) > MAX_BATCH:
                await self._track(list(items_of), status, last)
                items_of.clear()
            items_of.extend(items)
            last = msg
        for status, items in pending.items():
            if items:
                await self._track(items, status, last)
        self.batches += 1

    def _mine(self, spec: Subscription, items: list[Any]) -> list[Any]:
        """Of a message on a region's own subject, the detections of this node's sectors."""
        assert spec.keep is not None and spec.region is not None
        centre = region_centre(self.service.deps.territory, spec.region)
        sensors = self.service.sensors
        out = []
        for item in items:
            sensor = sensors.get(str(item.get("sensor", ""))) if isinstance(item, dict) else None
            if keeps(spec.keep, centre, (sensor.lat, sensor.lon) if sensor else None):
                out.append(item)
        return out

    async def _track(self, items: list[Any], status: Status, last: Any) -> None:
        try:
            result = await asyncio.to_thread(self._ingest, items, status, last)
        except AirwarnError as e:
            log.warning("%s: a detection batch was refused: %s", self.sensor.name, e.message)
            self.rejected += 1
            return
        except Exception:  # logged; the picture may have taken them, so they are not taken again
            log.exception("%s: %d detections failed after they were taken", self.sensor.name, len(items))
            self.rejected += len(items)
            return
        self.accepted += result.accepted
        self.rejected += len(result.rejected)

    def _ingest(self, items: list[Any], status: Status, last: Any) -> IngestResult:
        """One step of the picture (in a worker thread); `last` is the batch's latest message."""
        return self.service.ingest(items, self.sensor, status)

    async def _ack(self, batch: list[tuple[_Consumer, int, Any]]) -> None:
        latest: dict[int, tuple[int, Any]] = {}
        for consumer, sequence, msg in batch:
            if consumer.ack_all:
                key = id(consumer)
                if key not in latest or sequence > latest[key][0]:
                    latest[key] = (sequence, msg)
            else:
                await self._nc.publish(msg.reply, b"+ACK")
        for _, msg in latest.values():
            await self._nc.publish(msg.reply, b"+ACK")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._nc is not None:
            await self._nc.close()
