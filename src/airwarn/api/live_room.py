"""One broadcaster per node for the WebSocket live stream.

Instead of a queue and a task wake-up per client per event, one task takes each event from the hub and
writes it to every matching socket in a plain loop. A socket that can take the frame at once (the usual
case) costs one write: of the event's frame, built once, where the server offers a frame writer
(`ws_protocol`), else one ASGI send. One that cannot (its buffer is full: a slow client) gets its own task
that waits for it and then sends what it missed, so a slow client never holds up the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any

from airwarn import metrics
from airwarn.api.ws_protocol import FrameWriter, text_frame
from airwarn.bus import Event, Hub

log = logging.getLogger("airwarn.live")
BACKLOG = 1_000  # events a slow client may fall behind before it loses the oldest


@dataclass(eq=False)
class LiveClient:
    send_text: Callable[[str], Coroutine[Any, Any, None]]
    wants: Callable[[Event], bool]
    write_frame: FrameWriter | None = None
    last_id: int = -1
    busy: bool = False
    closed: bool = False
    backlog: deque[Event] = field(default_factory=lambda: deque(maxlen=BACKLOG))
    task: asyncio.Task[None] | None = None  # the one waiting for this slow socket, if any


class Room:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.clients: set[LiveClient] = set()
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def join(self, client: LiveClient, after: int | None) -> None:
        """Register; events after id `after` still in the hub's buffer are sent first, in order, after a
        `gap` event if some of them are no longer there (whatever the client's filters)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        backlog = self.hub.since(after) if after is not None else []
        gap = self.hub.gap(after) if after is not None else None
        first = ([gap] if gap is not None else []) + [e for e in backlog if client.wants(e)]
        if backlog:
            client.last_id = backlog[-1].id
        elif after is not None and gap is None:
            client.last_id = after
        if first:
            client.backlog.extend(first)
            client.busy = True
            client.task = self._spawn(self._drain(client))
        self.clients.add(client)

    def leave(self, client: LiveClient) -> None:
        """Forget the client; a send still waiting for its socket is given up (a dead peer never drains)."""
        client.closed = True
        self.clients.discard(client)
        if client.task is not None and client.task is not asyncio.current_task():
            client.task.cancel()

    async def _run(self) -> None:
        async for event in self.hub.listen():
            with metrics.LIVE_BROADCAST.time():
                self.broadcast(event, list(self.clients))

    def broadcast(self, event: Event, clients: Iterable[LiveClient]) -> None:
        frame: bytes | None = None
        for client in clients:
            if event.id <= client.last_id:
                continue  # already sent from the resume buffer
            client.last_id = event.id
            if not client.wants(event):
                continue
            if client.busy:
                client.backlog.append(event)
                continue
            if client.write_frame is not None:
                frame = frame if frame is not None else text_frame(event.text)
                if client.write_frame(frame):
                    continue
            self._send_now(client, client.send_text(event.text))

    def _send_now(self, client: LiveClient, coro: Coroutine[Any, Any, None]) -> None:
        """Run the send eagerly; if it has to wait, a task finishes it and then drains the backlog."""
        try:
            waiting = coro.send(None)
        except StopIteration:
            return
        except Exception:
            self._drop(client, coro=None)
            return
        client.busy = True
        client.task = self._spawn(self._finish(client, coro, waiting))

    async def _finish(self, client: LiveClient, coro: Coroutine[Any, Any, None], waiting: Any) -> None:
        try:
            while True:  # drive the started coroutine the way a task would
                if isinstance(waiting, asyncio.Future):
                    await asyncio.wait([waiting])
                else:
                    await asyncio.sleep(0)
                waiting = coro.send(None)
        except StopIteration:
            pass
        except Exception:
            self._drop(client, coro)
            return
        except asyncio.CancelledError:  # the client left while its send waited
            coro.close()
            raise
        await self._drain(client)

    async def _drain(self, client: LiveClient) -> None:
        try:
            while client.backlog and not client.closed:
                await client.send_text(client.backlog.popleft().text)
        except Exception:
            self._drop(client, None)
        finally:
            client.busy = False

    def _drop(self, client: LiveClient, coro: Coroutine[Any, Any, None] | None) -> None:
        if coro is not None:
            coro.close()
        self.leave(client)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


def room_of(app: Any) -> Room:
    """The app's room, created on first use."""
    room: Room | None = getattr(app.state, "live_room", None)
    if room is None:
        room = Room(app.state.bus.hub)
        app.state.live_room = room
    return room
