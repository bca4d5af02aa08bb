"""Detections arrive over real NATS JetStream and a real Mosquitto, and are tracked like those over HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import uuid
from datetime import UTC, datetime

import pytest

from airwarn.domain.users import Role, User
from airwarn.service_layer.deps import Deps
from airwarn.tracks.feeds import TOPIC, MqttDetectionFeed, NatsDetectionFeed
from airwarn.tracks.partitions import region_centre
from airwarn.tracks.sensors import Sensor, SensorKind
from airwarn.tracks.service import TrackingService

NATS_URL = os.environ.get("AIRWARN_TEST_NATS_URL", "nats://127.0.0.1:4222")
MQTT_HOST = os.environ.get("AIRWARN_TEST_MQTT_HOST", "127.0.0.1")


def _up(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def _nats_up() -> bool:
    host, _, port = NATS_URL.removeprefix("nats://").partition(":")
    return _up(host, int(port or 4222))


def _service(deps: Deps) -> TrackingService:
    service = TrackingService(deps)
    service.register([Sensor("ac-1", SensorKind.ACOUSTIC, 49.7, 40.6, 4000.0),
                      Sensor("ac-2", SensorKind.ACOUSTIC, 49.7, 40.65, 4000.0)], User("olga", Role.OPERATOR))
    return service


def _root() -> str:
    """A subject root of the test's own (`airwarn.detections` in a node): a live stream or a benchmark on the
    same server keeps its subjects, and the test its own."""
    return f"awtest{uuid.uuid4().hex[:8]}.detections"


def _batch(n: int) -> list[dict[str, object]]:
    now = datetime.now(UTC).isoformat()
    good = [{"sensor": "ac-1", "time": now, "bearing_deg": 45.0 + k} for k in range(n)]
    return [*good, {"sensor": "ghost", "time": now, "bearing_deg": 10}]


async def _until(check: object, timeout_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not check():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "the feed took nothing within the time"
        await asyncio.sleep(0.05)


@pytest.mark.skipif(not _nats_up(), reason=f"no NATS server at {NATS_URL} (AIRWARN_TEST_NATS_URL)")
def test_detections_on_nats_are_taken_per_region_partition(deps: Deps) -> None:
    service = _service(deps)
    stream, root = f"AWDET_{uuid.uuid4().hex[:10]}", _root()

    async def scenario() -> None:
        import nats

        feed = NatsDetectionFeed(service, NATS_URL, ["RU-ROS"], stream=stream, subject=root)
        nc = await nats.connect(NATS_URL)
        js = nc.jetstream()
        try:
            await feed.start()
            await js.publish(f"{root}.RU-ROS", json.dumps(_batch(3)).encode(), stream=stream,
                             headers={"Airwarn-Status": "Exercise"})
            await js.publish(f"{root}.RU-PNZ", json.dumps(_batch(5)).encode(), stream=stream)  # not ours
            await _until(lambda: feed.accepted >= 3)
            await asyncio.sleep(0.3)
            assert (feed.accepted, feed.rejected) == (3, 1)
        finally:
            await feed.stop()
            await js.delete_stream(stream)
            await nc.close()

    asyncio.run(asyncio.wait_for(scenario(), 30))
    assert "Exercise" in {s.value for s in service._engines}


@pytest.mark.skipif(not _up(MQTT_HOST, 1883), reason=f"no MQTT broker at {MQTT_HOST}:1883 (AIRWARN_TEST_MQTT_HOST)")
def test_detections_over_mqtt_are_taken_and_a_bad_message_is_only_logged(deps: Deps) -> None:
    service = _service(deps)
    region = f"RU-T{uuid.uuid4().hex[:6]}"

    async def scenario() -> None:
        import aiomqtt

        feed = MqttDetectionFeed(service, MQTT_HOST, 1883, [region])
        await feed.start()
        try:
            await asyncio.wait_for(feed.ready.wait(), 10)
            async with aiomqtt.Client(MQTT_HOST, 1883) as client:
                await client.publish(f"{TOPIC}/{region}", b"not json at all", qos=1)
                await client.publish(f"{TOPIC}/{region}/Test", json.dumps(_batch(2)).encode(), qos=1)
            await _until(lambda: feed.accepted >= 2)
            assert feed.rejected == 2  # the unparseable message, and the unknown sensor
        finally:
            await feed.stop()

    asyncio.run(asyncio.wait_for(scenario(), 30))
    assert "Test" in {s.value for s in service._engines}


def _published(subjects_bodies: list[tuple[str, list[dict[str, object]]]], stream: str, root: str) -> object:
    async def publish() -> None:
        import nats
        from nats.js.api import StreamConfig

        nc = await nats.connect(NATS_URL)
        js = nc.jetstream()
        try:
            await js.add_stream(StreamConfig(name=stream, subjects=[f"{root}.>"]))
            for subject, body in subjects_bodies:
                await js.publish(f"{root}.{subject}", json.dumps(body).encode(), stream=stream)
        finally:
            await nc.close()
    return publish


async def _drop(stream: str) -> None:
    import nats

    nc = await nats.connect(NATS_URL)
    try:
        await nc.jetstream().delete_stream(stream)
    finally:
        await nc.close()


@pytest.mark.skipif(not _nats_up(), reason=f"no NATS server at {NATS_URL} (AIRWARN_TEST_NATS_URL)")
def test_a_redelivered_batch_is_acked_and_not_counted_twice(deps: Deps) -> None:
    service = _service(deps)
    stream, root = f"AWDET_{uuid.uuid4().hex[:10]}", _root()

    class LosesItsFirstAck(NatsDetectionFeed):
        lost = 0

        async def _ack(self, batch: list[tuple[object, int, object]]) -> None:  # type: ignore[override]
            if not self.lost:  # as if the ack never reached the server: it redelivers after ack_wait
                self.lost += 1
                return
            await super()._ack(batch)  # type: ignore[arg-type]

    async def scenario() -> None:
        await _published([("RU-ROS", _batch(3))], stream, root)()  # type: ignore[operator]
        feed = LosesItsFirstAck(service, NATS_URL, ["RU-ROS"], stream=stream, ack_wait_s=1.0, subject=root)
        try:
            await feed.start()
            await _until(lambda: feed.duplicates >= 1, 30)
            assert (feed.accepted, feed.rejected, feed.batches) == (3, 1, 2)
        finally:
            await feed.stop()
            await _drop(stream)

    asyncio.run(asyncio.wait_for(scenario(), 60))


@pytest.mark.skipif(not _nats_up(), reason=f"no NATS server at {NATS_URL} (AIRWARN_TEST_NATS_URL)")
def test_a_batch_taken_by_a_node_that_stopped_before_its_ack_goes_to_the_next_once(deps: Deps) -> None:
    first, second = _service(deps), TrackingService(deps)
    second.sensors = dict(first.sensors)
    stream, root = f"AWDET_{uuid.uuid4().hex[:10]}", _root()

    class StopsBeforeItsAck(NatsDetectionFeed):
        async def _ack(self, batch: list[tuple[object, int, object]]) -> None:  # type: ignore[override]
            return

    async def scenario() -> None:
        await _published([("RU-ROS", _batch(3)), ("RU-ROS", _batch(2))], stream, root)()  # type: ignore[operator]
        feed = StopsBeforeItsAck(first, NATS_URL, ["RU-ROS"], stream=stream, ack_wait_s=1.0, subject=root)
        after = NatsDetectionFeed(second, NATS_URL, ["RU-ROS"], stream=stream, ack_wait_s=1.0, subject=root)
        try:
            await feed.start()
            await _until(lambda: feed.accepted >= 5)
            await feed.stop()
            await after.start()
            await _until(lambda: after.accepted >= 5, 30)
            await asyncio.sleep(1.5)  # past another ack_wait: had the ack not held, they would come again
            assert (after.accepted, after.rejected, after.duplicates) == (5, 2, 0)
        finally:
            await after.stop()
            await _drop(stream)

    asyncio.run(asyncio.wait_for(scenario(), 60))


@pytest.mark.skipif(not _nats_up(), reason=f"no NATS server at {NATS_URL} (AIRWARN_TEST_NATS_URL)")
def test_a_backlog_is_taken_earliest_first_across_the_consumers(deps: Deps) -> None:
    service = _service(deps)
    stream, root = f"AWDET_{uuid.uuid4().hex[:10]}", _root()
    now = datetime.now(UTC).isoformat()
    regions = ["RU-ROS", "RU-ROS", "RU-VGG", "RU-ROS", "RU-VGG", "RU-VGG", "RU-VGG", "RU-ROS"]
    seen: list[float] = []

    class Records(NatsDetectionFeed):
        def _ingest(self, items: list[object], status: object, last: object) -> object:  # type: ignore[override]
            seen.extend(item["bearing_deg"] for item in items)  # type: ignore[index]
            return super()._ingest(items, status, last)  # type: ignore[arg-type]

    async def scenario() -> None:
        await _published([(r, [{"sensor": "ac-1", "time": now, "bearing_deg": float(k)}])  # type: ignore[operator]
                          for k, r in enumerate(regions)], stream, root)()
        feed = Records(service, NATS_URL, ["RU-ROS", "RU-VGG"], stream=stream, batch_bytes=1, subject=root)  # a message a batch
        try:
            await feed.start()
            await _until(lambda: feed.accepted >= len(regions))
        finally:
            await feed.stop()
            await _drop(stream)
        assert seen == [float(k) for k in range(len(regions))]
        assert feed.batches == len(regions)

    asyncio.run(asyncio.wait_for(scenario(), 30))


@pytest.mark.skipif(not _nats_up(), reason=f"no NATS server at {NATS_URL} (AIRWARN_TEST_NATS_URL)")
def test_two_nodes_holding_the_sectors_of_a_region_take_every_detection_exactly_once(deps: Deps) -> None:
    # around the region's centre: north, north-east, east (sector 0-180) | south, west (sector 180-0)
    lat, lon = region_centre(deps.territory, "RU-ROS") or (0.0, 0.0)
    spots = {"n": (lat + 0.9, lon + 0.05), "ne": (lat + 0.6, lon + 0.9), "e": (lat, lon + 1.5),
             "s": (lat - 0.9, lon - 0.1), "w": (lat, lon - 1.5)}
    east = TrackingService(deps)
    east.register([Sensor(f"ac-{k}", SensorKind.ACOUSTIC, lat, lon, 4000.0) for k, (lat, lon) in spots.items()],
                  User("olga", Role.OPERATOR))
    west = TrackingService(deps)
    west.sensors = dict(east.sensors)
    stream, root = f"AWDET_{uuid.uuid4().hex[:10]}", _root()
    now = datetime.now(UTC).isoformat()
    took: dict[str, list[str]] = {"east": [], "west": []}

    def recording(name: str) -> type[NatsDetectionFeed]:
        class Records(NatsDetectionFeed):
            def _ingest(self, items: list[object], status: object, last: object) -> object:  # type: ignore[override]
                took[name].extend(str(item["sensor"]) for item in items)  # type: ignore[index]
                return super()._ingest(items, status, last)  # type: ignore[arg-type]
        return Records

    def one(sensor: str) -> dict[str, object]:
        return {"sensor": sensor, "time": now, "bearing_deg": 10.0}

    async def scenario() -> None:
        await _published([  # type: ignore[operator]
            ("RU-ROS", [one(f"ac-{k}") for k in spots] + [one("ghost")]),  # the region's own subject, as before
            ("RU-ROS.0-180", [one("ac-n")]),  # a gateway that knows the sectors
            ("RU-ROS.180-0", [one("ac-w")]),
            ("RU-VGG", [one("ac-e")]),  # neither node's
        ], stream, root)()
        a = recording("east")(east, NATS_URL, ["RU-ROS.0-180"], stream=stream, subject=root)
        b = recording("west")(west, NATS_URL, ["RU-ROS.180-0"], stream=stream, subject=root)
        try:
            await a.start()
            await b.start()
            await _until(lambda: a.accepted + a.rejected >= 5 and b.accepted >= 3)
            await asyncio.sleep(0.3)
            assert (a.accepted, a.rejected, b.accepted, b.rejected) == (4, 1, 3, 0)  # the ghost: rejected once
        finally:
            await a.stop()
            await b.stop()
            await _drop(stream)
        assert sorted(took["east"]) == ["ac-e", "ac-n", "ac-n", "ac-ne", "ghost"]
        assert sorted(took["west"]) == ["ac-s", "ac-w", "ac-w"]

    asyncio.run(asyncio.wait_for(scenario(), 30))
