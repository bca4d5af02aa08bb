"""The NATS JetStream bus against the real server (AIRWARN_TEST_NATS_URL, default nats://127.0.0.1:4222):
events cross between bus instances on separate connections, and a late node resumes from an event id."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from airwarn.bus import Event, make_bus
from airwarn.bus.nats import NatsBus, parse_url
from airwarn.errors import ConfigError
from tests.integration.nodes import drop_stream

NATS_URL = os.environ.get("AIRWARN_TEST_NATS_URL", "nats://127.0.0.1:4222")


def _nats_up() -> bool:
    parts = urlsplit(NATS_URL)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 4222), timeout=1).close()
        return True
    except OSError:
        return False


needs_nats = pytest.mark.skipif(not _nats_up(), reason=f"no NATS server at {NATS_URL} (AIRWARN_TEST_NATS_URL)")



async def take(events: AsyncIterator[Event], n: int) -> list[Event]:
    out: list[Event] = []
    async for event in events:
        out.append(event)
        if len(out) == n:
            break
    return out


def test_bus_url_names_the_stream_and_rejects_bad_names() -> None:
    assert parse_url("nats://127.0.0.1:4222?stream=AW_1") == ("nats://127.0.0.1:4222", "AW_1")
    assert parse_url("nats://127.0.0.1:4222") == ("nats://127.0.0.1:4222", "AIRWARN")
    with pytest.raises(ConfigError, match="stream"):
        make_bus("nats://127.0.0.1:4222?stream=a.b")
    with pytest.raises(ConfigError, match="AIRWARN_BUS"):
        make_bus("redis://x")


@needs_nats
def test_event_published_on_one_node_reaches_another_and_a_late_node_resumes_from_an_id() -> None:
    stream = f"AWTEST_{uuid.uuid4().hex[:10]}"
    url = f"{NATS_URL}?stream={stream}"

    async def scenario() -> None:
        a, b = make_bus(url), make_bus(url)
        assert isinstance(a, NatsBus) and isinstance(b, NatsBus)
        await a.start()
        await b.start()
        try:
            on_a, on_b = a.hub.listen(), b.hub.listen()
            got = asyncio.create_task(take(on_b, 3))
            got_on_a = asyncio.create_task(take(on_a, 3))
            await asyncio.sleep(0.05)
            first = await a.apublish("alert", {"identifier": "aw-1", "region": "RU-ROS"})
            await asyncio.to_thread(a.publish, "report", {"region": "RU-PNZ"})  # from a worker thread
            third = await b.apublish("regime", {"region": "RU-VGG"})
            events = await asyncio.wait_for(got, 5)
            assert [e.topic for e in events] == ["alert", "report", "regime"]
            assert events[0].id == first and events[2].id == third and events[0].payload["identifier"] == "aw-1"
            assert [e.local for e in events] == [False, False, True]  # b's hub knows its own event
            # same ids on every node (a learns of b's event through the stream, so wait for it too)
            seen_on_a = await asyncio.wait_for(got_on_a, 5)
            assert [e.id for e in seen_on_a] == [e.id for e in events]
            assert [e.local for e in seen_on_a] == [True, True, False]
            assert [e.id for e in a.hub.since(0)] == [e.id for e in events]

            late = make_bus(url)  # a node that starts after the events: resumes from the id a client saw
            await late.start()
            try:
                resumed = late.hub.listen(after=first)
                assert [e.topic for e in await asyncio.wait_for(take(resumed, 2), 5)] == ["report", "regime"]
                live = asyncio.create_task(take(resumed, 1))
                await a.apublish("alert", {"identifier": "aw-2"})
                [fourth] = await asyncio.wait_for(live, 5)
                assert fourth.payload == {"identifier": "aw-2"} and fourth.id > third
            finally:
                await late.stop()
        finally:
            await a.stop()
            await b.stop()
            await drop_stream(stream)

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_publishing_before_start_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    bus = NatsBus("nats://127.0.0.1:1?stream=NOPE")
    bus.publish("report", {"region": "RU-ROS"})
    assert "not started" in caplog.text
