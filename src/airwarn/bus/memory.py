"""In-process event bus: numbered events in a ring buffer (for resume) fanned out to async listeners."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from airwarn.delivery import metrics


@dataclass(frozen=True)
class Event:
    id: int
    topic: str
    payload: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "topic": self.topic, "payload": self.payload}


class Hub:
    """Local fan-out. `put` may be called from any thread; listeners are asyncio queues."""

    def __init__(self, keep: int = 10_000, queue_size: int = 1_000) -> None:
        self.recent: deque[Event] = deque(maxlen=keep)
        self.queue_size = queue_size
        self._listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Event]]] = set()
        self._lock = threading.Lock()

    def put(self, event: Event) -> None:
        with self._lock:
            self.recent.append(event)
            listeners = list(self._listeners)
        for loop, queue in listeners:
            try:
                loop.call_soon_threadsafe(_offer, queue, event)
            except RuntimeError:  # that listener's loop has closed
                self._listeners.discard((loop, queue))

    def since(self, after: int) -> list[Event]:
        with self._lock:
            return [e for e in self.recent if e.id > after]

    async def listen(self, after: int | None = None) -> AsyncIterator[Event]:
        """Events after id `after` (from the buffer), then live ones, in id order without repeats."""
        queue: asyncio.Queue[Event] = asyncio.Queue(self.queue_size)
        key = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._listeners.add(key)
            backlog = [e for e in self.recent if e.id > after] if after is not None else []
        last = after if after is not None else -1
        try:
            for event in backlog:
                last = event.id
                yield event
            while True:
                event = await queue.get()
                if event.id > last:
                    last = event.id
                    yield event
        finally:
            with self._lock:
                self._listeners.discard(key)


def _offer(queue: asyncio.Queue[Event], event: Event) -> None:
    if queue.full():  # a stalled client loses the oldest event rather than slowing everyone
        queue.get_nowait()
    queue.put_nowait(event)


class MemoryBus:
    """One node: publish straight into the local hub."""

    def __init__(self, keep: int = 10_000) -> None:
        self.hub = Hub(keep)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        with self._lock:
            event = Event(next(self._ids), topic, payload)
        metrics.EVENTS.labels(topic=topic).inc()
        self.hub.put(event)

    async def apublish(self, topic: str, payload: dict[str, Any]) -> int:
        """Publish from the event loop; returns the event id."""
        with self._lock:
            event = Event(next(self._ids), topic, payload)
        metrics.EVENTS.labels(topic=topic).inc()
        self.hub.put(event)
        return event.id

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None
