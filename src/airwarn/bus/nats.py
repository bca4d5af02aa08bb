"""NATS JetStream bus: every node publishes to one stream and mirrors it into its local hub, so a client
on node B sees what node A issued. Event ids are JetStream stream sequence numbers (same on every node)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import nats
from nats.js.api import DeliverPolicy, StreamConfig

from airwarn.bus.memory import Event, Hub
from airwarn.delivery import metrics

log = logging.getLogger("airwarn.bus")
SUBJECT = "airwarn.events"


class NatsBus:
    def __init__(self, url: str, stream: str = "AIRWARN", keep: int = 10_000) -> None:
        self.url = url
        self.stream = stream
        self.hub = Hub(keep)
        self._nc: Any = None
        self._js: Any = None
        self._sub: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._nc = await nats.connect(self.url, connect_timeout=3, max_reconnect_attempts=-1)
        self._js = self._nc.jetstream()
        try:
            await self._js.add_stream(StreamConfig(name=self.stream, subjects=[f"{SUBJECT}.>"],
                                                   max_msgs=100_000))
        except Exception:  # already there (maybe with other limits): use it as it is
            await self._js.stream_info(self.stream)
        self._sub = await self._js.subscribe(f"{SUBJECT}.>", stream=self.stream, ordered_consumer=True,
                                             deliver_policy=DeliverPolicy.NEW, cb=self._on_message)

    async def _on_message(self, msg: Any) -> None:
        topic = msg.subject.removeprefix(SUBJECT + ".")
        self.hub.put(Event(msg.metadata.sequence.stream, topic, json.loads(msg.data)))

    async def _publish(self, topic: str, payload: dict[str, Any]) -> None:
        await self._js.publish(f"{SUBJECT}.{topic}", json.dumps(payload, default=str).encode(),
                               stream=self.stream)

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        """Called after a commit, from a worker thread or the event loop; never blocks the caller long."""
        if self._loop is None or self._js is None:
            log.warning("NATS bus not started (no server in this process): %s event not shared", topic)
            return
        metrics.EVENTS.labels(topic=topic).inc()
        coro = self._publish(topic, payload)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            task = self._loop.create_task(coro)
            task.add_done_callback(_log_failure)
        else:
            asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=5)

    async def stop(self) -> None:
        if self._nc is not None:
            await self._nc.drain()
            self._nc = None


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception():
        log.error("publishing to NATS failed: %s", task.exception())
