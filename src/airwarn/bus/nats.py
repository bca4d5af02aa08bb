"""NATS JetStream bus: every node publishes to one stream and mirrors it into its local hub, so a client
on node B sees what node A issued. Event ids are JetStream stream sequence numbers (the same on every
node), so a client may resume on any node with the last id it saw.

On start a node replays the newest `keep` events of the stream into its hub (resume works on a node that
has just started), then follows the stream live through an ordered consumer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import nats
from nats.js.api import ConsumerConfig, DeliverPolicy, StreamConfig
from nats.js.errors import NotFoundError

from airwarn import metrics
from airwarn.bus.memory import Event, Hub
from airwarn.redact import mask_secrets

log = logging.getLogger("airwarn.bus")
STREAM_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PUBLISH_TIMEOUT_S = 5.0


def parse_url(url: str, stream: str | None = None) -> tuple[str, str]:
    """(server URL, stream name) from ``nats://host:port[?stream=NAME]``; the stream defaults to AIRWARN.

    Nodes that should see each other use the same stream; a test run uses its own.
    """
    parts = urlsplit(url)
    name = stream or parse_qs(parts.query).get("stream", ["AIRWARN"])[0]
    if not STREAM_NAME.match(name):
        from airwarn.errors import ConfigError

        raise ConfigError(f"NATS stream name must be letters, digits, _ or - (up to 64), not {name!r}")
    return urlunsplit(parts._replace(query="")), name


#: The publishing bus instance of an event (random per process start; says nothing else about the node).
ORIGIN_HEADER = "Airwarn-Origin"


class NatsBus:
    def __init__(self, url: str, stream: str | None = None, keep: int = 10_000,
                 max_msgs: int = 100_000) -> None:
        self.url, self.stream = parse_url(url, stream)
        self.subject = f"{self.stream.lower()}.events"
        self.keep = keep
        self.max_msgs = max_msgs
        self.hub = Hub(keep)
        self._nc: Any = None
        self._js: Any = None
        self._sub: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_seen = 0
        #: this bus's events carry it in a header, so the hub can tell its own from other nodes'
        self._origin = uuid.uuid4().hex

    async def start(self) -> None:
        """Connect, make sure the stream exists, replay its recent events, then follow it."""
        self._nc = await nats.connect(self.url, connect_timeout=3, max_reconnect_attempts=-1,
                                      name=f"airwarn-{self.stream}", error_cb=_log_error,
                                      disconnected_cb=_log_disconnected, reconnected_cb=_log_reconnected)
        self._js = self._nc.jetstream()
        try:
            info = await self._js.stream_info(self.stream)
        except NotFoundError:
            info = await self._js.add_stream(StreamConfig(name=self.stream, subjects=[f"{self.subject}.>"],
                                                          max_msgs=self.max_msgs))
        last, first = info.state.last_seq, info.state.first_seq
        if info.state.messages:
            start = max(first, last - self.keep + 1)
            config = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=start)
            self.hub.floor = start - 1
        else:
            config = ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
            self.hub.floor = last
        self._loop = asyncio.get_running_loop()
        self._sub = await self._js.subscribe(f"{self.subject}.>", stream=self.stream, ordered_consumer=True,
                                             config=config, cb=self._on_message)
        if info.state.messages:  # wait (bounded) until the replay reached what was there at start
            deadline = self._loop.time() + 5
            while self._last_seen < last and self._loop.time() < deadline:
                await asyncio.sleep(0.01)

    async def _on_message(self, msg: Any) -> None:
        topic = msg.subject.removeprefix(self.subject + ".")
        seq = msg.metadata.sequence.stream
        try:
            payload = json.loads(msg.data)
        except ValueError:
            log.warning("dropping undecodable bus event %s", seq)
            return
        self._last_seen = seq
        local = (msg.headers or {}).get(ORIGIN_HEADER) == self._origin
        self.hub.put(Event(seq, topic, payload, local))

    async def apublish(self, topic: str, payload: dict[str, Any]) -> int:
        """Publish and wait for JetStream to store it; returns the event id (stream sequence)."""
        if self._js is None:
            raise RuntimeError("NATS bus is not started")
        ack = await self._js.publish(f"{self.subject}.{topic}", json.dumps(payload, default=str).encode(),
                                     stream=self.stream, timeout=PUBLISH_TIMEOUT_S,
                                     headers={ORIGIN_HEADER: self._origin})
        metrics.EVENTS.labels(topic=topic).inc()
        return int(ack.seq)

    @property
    def serving(self) -> bool:
        return self._js is not None

    @property
    def connected(self) -> bool:
        """Whether the connection to NATS is up now (it reconnects by itself; /healthz reports this)."""
        return self._nc is not None and bool(self._nc.is_connected)

    def publish(self, topic: str, payload: dict[str, Any]) -> bool:
        """Called after a commit, from a worker thread or the event loop; never blocks the loop.

        From a worker thread it waits for the stream's acknowledgement (bounded) and says whether it came;
        on the loop it publishes in the background and says False. An alert whose hand-off fails here is
        still sent: its outbox row goes to the dispatcher (`apublish`) when the lease runs out.
        """
        if self._loop is None or self._js is None:
            log.warning("NATS bus not started (no server in this process): %s event not shared", topic)
            return False
        coro = self.apublish(topic, payload)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            task = self._loop.create_task(coro)
            task.add_done_callback(_log_failure)
            return False
        try:
            asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=PUBLISH_TIMEOUT_S + 1)
        except Exception as exc:
            log.error("publishing %s event to NATS failed: %s", topic, exc)
            return False
        return True

    async def stop(self) -> None:
        if self._nc is not None:
            nc, self._nc, self._js = self._nc, None, None
            await nc.drain()


async def _log_error(exc: Exception) -> None:
    """One line per failed attempt (nats' default prints a traceback each time, every two seconds)."""
    log.warning("NATS: %s", mask_secrets(str(exc) or type(exc).__name__))


async def _log_disconnected() -> None:
    log.error("NATS connection lost; reconnecting (live events from other nodes wait, /healthz says 503)")


async def _log_reconnected() -> None:
    log.warning("NATS connection back")


def _log_failure(task: asyncio.Task[int]) -> None:
    if not task.cancelled() and task.exception():
        log.error("publishing to NATS failed: %s", task.exception())
