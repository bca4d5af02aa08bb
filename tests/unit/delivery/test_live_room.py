"""The live room: one loop writes each event to every socket; a slow socket waits alone; resume by id."""

from __future__ import annotations

import asyncio
import json

from airwarn.api.live_room import LiveClient, Room
from airwarn.bus import Event, MemoryBus


class Socket:
    """A fake WebSocket: `gate` unset means its buffer is full and sends wait; `broken` fails sends."""

    def __init__(self, ready: bool = True, broken: bool = False) -> None:
        self.got: list[int] = []
        self.gate = asyncio.Event()
        if ready:
            self.gate.set()
        self.broken = broken

    async def send_text(self, text: str) -> None:
        await self.gate.wait()
        if self.broken:
            raise RuntimeError("connection reset")
        self.got.append(json.loads(text)["id"])


def client(sock: Socket, region: str | None = None) -> LiveClient:
    return LiveClient(sock.send_text, lambda e: region is None or e.payload.get("region") == region)


def test_a_slow_socket_waits_alone_and_then_gets_everything_in_order() -> None:
    async def scenario() -> None:
        bus = MemoryBus(first_id=1)
        room = Room(bus.hub)
        fast, slow, other, broken = Socket(), Socket(ready=False), Socket(), Socket(broken=True)
        room.join(client(fast), None)
        room.join(client(slow), None)
        room.join(client(other, region="RU-PNZ"), None)
        room.join(client(broken), None)
        await asyncio.sleep(0.01)  # the room's reader is listening
        for i in range(3):
            bus.publish("alert", {"region": "RU-ROS", "n": i})
        await asyncio.sleep(0.01)
        assert fast.got == [1, 2, 3] and slow.got == [] and other.got == []
        assert len(room.clients) == 3  # the broken socket was dropped, nobody else was held up
        slow.gate.set()
        await asyncio.sleep(0.01)
        assert slow.got == [1, 2, 3]
        bus.publish("alert", {"region": "RU-PNZ"})
        await asyncio.sleep(0.01)
        assert fast.got == slow.got == [1, 2, 3, 4] and other.got == [4]

    asyncio.run(asyncio.wait_for(scenario(), 5))


def test_resume_sends_the_buffered_events_after_the_id_once() -> None:
    async def scenario() -> None:
        bus = MemoryBus(first_id=1)
        room = Room(bus.hub)
        for i in range(3):
            bus.publish("report", {"region": "RU-ROS", "n": i})
        late = Socket()
        room.join(client(late), after=1)
        await asyncio.sleep(0.01)
        bus.publish("alert", {"region": "RU-ROS"})
        await asyncio.sleep(0.01)
        assert late.got == [2, 3, 4]
        room.broadcast(Event(3, "report", {}), list(room.clients))  # a repeat of an id it has: skipped
        assert late.got == [2, 3, 4]

    asyncio.run(asyncio.wait_for(scenario(), 5))


class FramedSocket(Socket):
    """A socket the server can write pre-built frames to while `room_for` frames fit in its buffer."""

    def __init__(self, room_for: int) -> None:
        super().__init__(ready=False)
        self.room_for = room_for

    def write_frame(self, frame: bytes) -> bool:
        if self.room_for == 0:
            return False
        self.room_for -= 1
        self.got.append(json.loads(frame[2:])["id"])  # short frames: a two-byte header, then the text
        return True


def test_frames_go_straight_to_the_socket_until_its_buffer_is_full_then_in_order_by_the_slow_path() -> None:
    async def scenario() -> None:
        bus = MemoryBus(first_id=1)
        room = Room(bus.hub)
        sock = FramedSocket(room_for=2)
        room.join(LiveClient(sock.send_text, lambda e: True, sock.write_frame), None)
        await asyncio.sleep(0.01)
        for i in range(4):
            bus.publish("alert", {"n": i})
        await asyncio.sleep(0.01)
        assert sock.got == [1, 2]  # the third waits for the buffer to drain; the fourth queues behind it
        sock.gate.set()
        await asyncio.sleep(0.01)
        assert sock.got == [1, 2, 3, 4]

    asyncio.run(asyncio.wait_for(scenario(), 5))


def test_a_client_resuming_from_before_the_buffer_is_told_it_has_a_gap_whatever_its_filter() -> None:
    async def scenario() -> None:
        bus = MemoryBus(keep=2, first_id=1)
        room = Room(bus.hub)
        for i in range(4):
            bus.publish("report", {"region": "RU-ROS", "n": i})  # ids 1-4; the buffer keeps 3 and 4
        late = Socket()
        room.join(client(late, region="RU-PNZ"), after=1)  # missed 2, which is gone
        await asyncio.sleep(0.01)
        assert late.got == [1]  # the gap event carries the id the client gave; nothing of RU-ROS
        assert room.hub.gap(2) is None and room.hub.gap(3) is None

    asyncio.run(asyncio.wait_for(scenario(), 5))


def test_an_id_from_before_a_restart_gets_a_gap_and_then_the_new_events() -> None:
    async def scenario() -> None:
        before = MemoryBus(first_id=1_000)
        before.publish("alert", {"region": "RU-ROS"})
        old_id = before.hub.recent[-1].id
        restarted = MemoryBus(first_id=5_000)  # a new process: ids keep rising (by default, from the clock)
        room = Room(restarted.hub)
        sock = Socket()
        room.join(client(sock), after=old_id)
        await asyncio.sleep(0.01)
        restarted.publish("alert", {"region": "RU-ROS"})
        await asyncio.sleep(0.01)
        assert sock.got == [old_id, restarted.hub.recent[-1].id] and sock.got[1] > old_id
        gap = restarted.hub.gap(old_id)
        assert gap is not None and gap.topic == "gap" and gap.payload["reload"] == "/api/v1/status"
        future = restarted.hub.gap(restarted.hub.recent[-1].id + 1_000)  # an id this bus never issued
        assert future is not None and future.payload["reason"] == "an id this node never issued"
        assert MemoryBus().hub.floor > 1_700_000_000 * 10**6  # microseconds since the epoch

    asyncio.run(asyncio.wait_for(scenario(), 5))


def test_a_client_that_leaves_while_its_socket_is_full_leaves_nothing_waiting_behind() -> None:
    async def scenario() -> None:
        bus = MemoryBus(first_id=1)
        room = Room(bus.hub)
        dead = Socket(ready=False)  # a peer that stopped reading: its sends never complete
        gone = client(dead)
        room.join(gone, None)
        await asyncio.sleep(0.01)
        bus.publish("alert", {"region": "RU-ROS"})
        await asyncio.sleep(0.01)
        assert len(room._tasks) == 1  # a task waits for that socket alone
        room.leave(gone)  # the connection ended
        await asyncio.sleep(0.01)
        assert room._tasks == set() and dead.got == []

    asyncio.run(asyncio.wait_for(scenario(), 5))
