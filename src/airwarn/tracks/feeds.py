"""Detections from field networks: NATS JetStream (`airwarn.detections.<region>[.<sector>]`, tracks/nats_feed.py)
and MQTT (`airwarn/detections/<region>[/<status>]`). The broker's own authentication is the trust boundary:
what arrives on these subjects is taken as from a sensor account, checked detection by detection as over HTTP.

Regions (or sectors of regions, tracks/partitions.py) are partitions: a node follows the ones it is given (all
when none), and nodes given disjoint partitions share a network's load.
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
from airwarn.tracks.detections import parse_body
from airwarn.tracks.nats_feed import STREAM, NatsDetectionFeed, _status
from airwarn.tracks.partitions import SUBJECT
from airwarn.tracks.service import TrackingService

log = logging.getLogger("airwarn.tracks")
TOPIC = "airwarn/detections"
__all__ = ["STREAM", "SUBJECT", "TOPIC", "MqttDetectionFeed", "NatsDetectionFeed", "_status"]


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
