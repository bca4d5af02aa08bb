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
from airwarn.tracks.feeds import SUBJECT, TOPIC, MqttDetectionFeed, NatsDetectionFeed
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
    stream = f"AWDET_{uuid.uuid4().hex[:10]}"

    async def scenario() -> None:
        import nats

        feed = NatsDetectionFeed(service, NATS_URL, ["RU-ROS"], stream=stream)
        nc = await nats.connect(NATS_URL)
        js = nc.jetstream()
        try:
            await feed.start()
            await js.publish(f"{SUBJECT}.RU-ROS", json.dumps(_batch(3)).encode(), stream=stream,
                             headers={"Airwarn-Status": "Exercise"})
            await js.publish(f"{SUBJECT}.RU-PNZ", json.dumps(_batch(5)).encode(), stream=stream)  # not ours
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
