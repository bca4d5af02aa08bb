"""In-process event bus: numbered events in a ring buffer (for resume) fanned out to async listeners."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from airwarn import metrics


@dataclass(frozen=True)
class Event:
    id: int
    topic: str
    payload: dict[str, Any]
    #: published by this process (not mirrored in from another node): only its own dispatcher is woken
    local: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "topic": self.topic, "payload": self.payload}

    @cached_property
    def text(self) -> str:
        """The JSON every live client gets, serialised once however many clients there are."""
        return json.dumps(self.to_dict(), ensure_ascii=False, default=str)

    @cached_property
    def places(self) -> tuple[tuple[str, frozenset[str]], ...]:
        """(region, district codes) the event concerns (empty codes: the whole region), found once."""
        return tuple((region, frozenset(ds)) for region, ds in _places(self.payload))


def _places(payload: dict[str, Any]) -> list[tuple[str, list[str]]]:
    found = []
    if "region" in payload:
        found.append((str(payload["region"]), list(payload.get("districts") or [])))
    for key in ("alerts", "alert", "cancel", "all_clear"):
        value = payload.get(key)
        for item in value if isinstance(value, list) else [value] if isinstance(value, dict) else []:
            found += _places(item)
    return found


class Hub:
    """Local fan-out. `put` may be called from any thread; listeners are asyncio queues, grouped by loop so
    one event costs one cross-thread wake-up per loop, not one per listener.

    `floor` is the newest id this hub cannot replay (dropped from the buffer, or from before it started):
    a client resuming from an id below it, or from one the hub never reached, has missed events.
    """

    def __init__(self, keep: int = 10_000, queue_size: int = 1_000, floor: int = 0) -> None:
        self.recent: deque[Event] = deque(maxlen=keep)
        self.queue_size = queue_size
        self.floor = floor
        self._listeners: dict[asyncio.AbstractEventLoop, set[asyncio.Queue[Event]]] = {}
        self._lock = threading.Lock()

    def put(self, event: Event) -> None:
        with self._lock:
            if len(self.recent) == self.recent.maxlen:
                self.floor = self.recent[0].id
            self.recent.append(event)
            targets = [(loop, list(queues)) for loop, queues in self._listeners.items()]
        for loop, queues in targets:
            try:
                loop.call_soon_threadsafe(_offer_all, queues, event)
            except RuntimeError:  # that loop has closed
                with self._lock:
                    self._listeners.pop(loop, None)

    def since(self, after: int) -> list[Event]:
        with self._lock:
            return [e for e in self.recent if e.id > after]

    def _newest(self) -> int:
        """The newest id put here (the floor if none); call with the lock held."""
        return self.recent[-1].id if self.recent else self.floor

    def gap(self, after: int) -> Event | None:
        """A `gap` event (carrying id `after`) when events after `after` can no longer be replayed: the
        client should reload the current state over HTTP. None when the buffer has all of them."""
        with self._lock:
            if self.floor <= after <= self._newest():
                return None
            oldest = self.recent[0].id if self.recent else None
        reason = "from before this node's event buffer" if after < self.floor else "an id this node never issued"
        return Event(after, "gap", {"after": after, "oldest": oldest, "reason": reason,
                                    "reload": "/api/v1/status"})

    async def listen(self, after: int | None = None) -> AsyncIterator[Event]:
        """Events after id `after` (from the buffer), then live ones, in id order without repeats."""
        queue: asyncio.Queue[Event] = asyncio.Queue(self.queue_size)
        loop = asyncio.get_running_loop()
        with self._lock:
            self._listeners.setdefault(loop, set()).add(queue)
            backlog = [e for e in self.recent if e.id > after] if after is not None else []
            newest = self._newest()
        last = after if after is not None and after <= newest else -1  # an id never issued here: from now
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
                queues = self._listeners.get(loop)
                if queues is not None:
                    queues.discard(queue)
                    if not queues:
                        del self._listeners[loop]


def _offer_all(queues: list[asyncio.Queue[Event]], event: Event) -> None:
    for queue in queues:
        if queue.full():  # a stalled client loses the oldest event rather than slowing everyone
            queue.get_nowait()
        queue.put_nowait(event)


class MemoryBus:
    """One node: publish straight into the local hub.

    Ids start at the microseconds since the epoch (below 2^53, exact in JavaScript), so they keep rising
    across restarts: a browser that resumes with an id from before a restart is told it has a gap
    instead of silently waiting for the new ids to catch up with its old one.
    """

    def __init__(self, keep: int = 10_000, first_id: int | None = None) -> None:
        first = first_id if first_id is not None else time.time_ns() // 1_000
        self.hub = Hub(keep, floor=first - 1)
        self.serving = False  # started by the node that serves the live stream
        self._ids = itertools.count(first)
        self._lock = threading.Lock()

    def publish(self, topic: str, payload: dict[str, Any]) -> bool:
        """Into the hub; True when this process serves listeners (a tool's bus reaches nobody)."""
        self._put(topic, payload)
        return self.serving

    async def apublish(self, topic: str, payload: dict[str, Any]) -> int:
        """Publish from the event loop; returns the event id."""
        return self._put(topic, payload).id

    def _put(self, topic: str, payload: dict[str, Any]) -> Event:
        with self._lock:
            event = Event(next(self._ids), topic, payload)
        metrics.EVENTS.labels(topic=topic).inc()
        self.hub.put(event)
        return event

    async def start(self) -> None:
        self.serving = True

    async def stop(self) -> None:
        self.serving = False
