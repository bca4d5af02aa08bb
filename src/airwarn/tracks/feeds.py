"""Detections from field networks: NATS JetStream (`airwarn.detections.<region>`) and MQTT
(`airwarn/detections/<region>[/<status>]`). The broker's own authentication is the trust boundary: what
arrives on these subjects is taken as from a sensor account, checked detection by detection as over HTTP.

Regions are partitions: a node follows the regions it is given (all when none), and nodes given disjoint
regions share a network's load; a region's detections must reach one node, or its tracks would split.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from airwarn.domain.reports import Status
from airwarn.domain.users import Role, User
from airwarn.errors import AirwarnError
from airwarn.tracks.detections import MAX_BATCH, parse_body
from airwarn.tracks.service import TrackingService

log = logging.getLogger("airwarn.tracks")
STREAM = "AIRWARN_DETECTIONS"
SUBJECT = "airwarn.detections"
TOPIC = "airwarn/detections"


def _status(value: str | None) -> Status:
    try:
        return Status(value or "Actual")
    except ValueError:
        return Status.ACTUAL


class _Feed:
    def __init__(self, service: TrackingService, name: str) -> None:
        self.service = service
        self.sensor = User(name, Role.SENSOR)
        self.accepted = 0
        self.rejected = 0

    async def _take(self, body: bytes, status: Status, content_type: str = "") -> None:
        try:
            items = parse_body(body, content_type)
        except AirwarnError as e:  # a malformed message is dropped with a log line; the feed goes on
            log.warning("%s: a detection batch was refused: %s", self.sensor.name, e.message)
            self.rejected += 1
            return
        await self._track(items, status)

    async def _track(self, items: list[Any], status: Status) -> None:
        try:
            result = await asyncio.to_thread(self.service.ingest, items, self.sensor, status)
        except AirwarnError as e:
            log.warning("%s: a detection batch was refused: %s", self.sensor.name, e.message)
            self.rejected += 1
            return
        self.accepted += result.accepted
        self.rejected += len(result.rejected)


class NatsDetectionFeed(_Feed):
    """A durable JetStream consumer per region partition; a message is acked once its batch is tracked."""

    def __init__(self, service: TrackingService, url: str, regions: list[str] | None = None,
                 stream: str = STREAM) -> None:
        super().__init__(service, "nats")
        self.url, self.regions, self.stream = url, regions or [], stream
        self._nc: Any = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        import nats
        from nats.js.api import StreamConfig

        self._nc = await nats.connect(self.url, connect_timeout=3, max_reconnect_attempts=-1)
        js = self._nc.jetstream()
        subjects = [f"{SUBJECT}.>"]
        try:
            await js.stream_info(self.stream)
        except Exception:  # absent: create it (any other problem shows in add_stream)
            await js.add_stream(StreamConfig(name=self.stream, subjects=subjects, max_msgs=1_000_000))
        filters = [f"{SUBJECT}.{r}" for r in self.regions] or [f"{SUBJECT}.>"]
        for subject in filters:
            durable = "tracks-" + (subject.rsplit(".", 1)[-1].replace(">", "all"))
            sub = await js.pull_subscribe(subject, durable=durable, stream=self.stream)
            self._tasks.append(asyncio.create_task(self._pull(sub)))

    async def _pull(self, sub: Any) -> None:
        import nats.errors

        while True:
            try:
                messages = await sub.fetch(50, timeout=1)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            await self._take_together(messages)
            for msg in messages:
                await msg.ack()

    async def _take_together(self, messages: list[Any]) -> None:
        """What one fetch returned, tracked as one batch per status (a malformed message alone is dropped):
        while the node keeps up a fetch holds a message or two, and when it falls behind, fewer and larger
        batches cost less per detection, so it catches up instead of falling further behind."""
        pending: dict[Status, list[Any]] = {}
        for msg in messages:
            headers = msg.headers or {}
            try:
                items = parse_body(msg.data, headers.get("Content-Type", ""))
            except AirwarnError as e:
                log.warning("%s: a detection batch was refused: %s", self.sensor.name, e.message)
                self.rejected += 1
                continue
            batch = pending.setdefault(_status(headers.get("Airwarn-Status")), [])
            if len(batch) + len(items) > MAX_BATCH:
                await self._track(batch, _status(headers.get("Airwarn-Status")))
                batch.clear()
            batch.extend(items)
        for status, batch in pending.items():
            if batch:
                await self._track(batch, status)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._nc is not None:
            await self._nc.close()


class MqttDetectionFeed(_Feed):
    """QoS 1 subscription to `airwarn/detections/<region>` (or `…/<region>/<status>`) on a field broker."""

    def __init__(self, service: TrackingService, host: str, port: int = 1883,
                 regions: list[str] | None = None) -> None:
        super().__init__(service, "mqtt")
        self.host, self.port, self.regions = host, port, regions or []
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        import aiomqtt

        while True:
            try:
                async with aiomqtt.Client(self.host, self.port,
                                          identifier=f"airwarn-detections-{uuid.uuid4().hex[:12]}") as client:
                    for region in self.regions or ["+"]:
                        await client.subscribe(f"{TOPIC}/{region}", qos=1)
                        await client.subscribe(f"{TOPIC}/{region}/+", qos=1)
                    self.ready.set()
                    async for message in client.messages:
                        parts = str(message.topic).split("/")
                        status = _status(parts[3] if len(parts) > 3 else None)
                        await self._take(bytes(message.payload), status)
            except aiomqtt.MqttError as e:
                self.ready.clear()
                log.warning("detections over MQTT: %s; reconnecting in 2 s", e)
                await asyncio.sleep(2)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
