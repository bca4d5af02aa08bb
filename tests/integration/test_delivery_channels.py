"""Channels against real receivers: a local HTTP server (webhook, SMS gateway; allow-listed, since it is on
loopback) and Mosquitto (sirens), including how each marks a drill."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from airwarn.delivery.channels.base import DeliveryError, Message
from airwarn.delivery.channels.mqtt import MqttChannel
from airwarn.delivery.channels.sms import SmsChannel
from airwarn.delivery.channels.webhook import WebhookChannel, subscriber_secret, verify
from airwarn.delivery.outbound import OutboundPolicy
from tests.integration.subscribing import WEBHOOK_KEY, Hook

MQTT_HOST = os.environ.get("AIRWARN_TEST_MQTT_HOST", "127.0.0.1")


def message(channel: str, target: str, address: Any = None, *, status: str = "Actual", language: str = "ru",
            msg_type: str = "Alert", key: str = "k1") -> Message:
    return Message(outbox_id=7, identifier="airwarn-abc", channel=channel, target=target, attempt=1,
                   xml="<alert>cap</alert>", language=language, address=address, key=key,
                   alert={"identifier": "airwarn-abc", "msg_type": msg_type, "status": status, "severity": "Severe",
                          "headline": "Drone hazard", "texts": {"ru": {"headline": "Беспилотная опасность",
                                                                      "instruction": "В укрытие."}}})


def send_once(channel: Any, msg: Message) -> None:
    """Send one message on a fresh loop and close the channel's connections."""
    async def go() -> None:
        try:
            await channel.send(msg)
        finally:
            await channel.aclose()

    asyncio.run(go())


@pytest.fixture
def hook() -> Iterator[Hook]:
    receiver = Hook()
    yield receiver
    receiver.close()


def allowing(*hooks: Hook) -> OutboundPolicy:
    return OutboundPolicy.from_settings(",".join(h.origin for h in hooks))


def test_webhook_body_carries_delivery_id_status_and_cap_signed_with_the_subscribers_own_secret(hook: Hook) -> None:
    send_once(WebhookChannel(WEBHOOK_KEY, policy=allowing(hook)), message("webhook", "sub-1", hook.url))
    [(headers, body)] = hook.deliveries()
    sent = json.loads(body)
    assert sent == {"delivery": "7", "identifier": "airwarn-abc", "status": "Actual", "msg_type": "Alert",
                    "severity": "Severe", "sent": None, "cap": "<alert>cap</alert>"}
    assert headers["X-Airwarn-Identifier"] == "airwarn-abc" and headers["X-Airwarn-Delivery"] == "7"
    assert headers["X-Airwarn-Status"] == "Actual"
    mine = subscriber_secret(WEBHOOK_KEY, "sub-1", "k1").encode()
    assert verify(mine, body, headers["X-Airwarn-Signature"])
    assert not verify(WEBHOOK_KEY, body, headers["X-Airwarn-Signature"])  # never the server's key itself
    assert not verify(subscriber_secret(WEBHOOK_KEY, "sub-2", "k1").encode(), body, headers["X-Airwarn-Signature"])


@pytest.mark.parametrize("status", ["Exercise", "Test"])
def test_a_drill_webhook_names_its_status_in_the_header_and_the_body(hook: Hook, status: str) -> None:
    send_once(WebhookChannel(WEBHOOK_KEY, policy=allowing(hook)), message("webhook", "s", hook.url, status=status))
    [(headers, body)] = hook.deliveries()
    assert headers["X-Airwarn-Status"] == status and json.loads(body)["status"] == status


def test_webhook_error_status_is_a_delivery_error() -> None:
    receiver = Hook(status=503)
    try:
        with pytest.raises(DeliveryError, match="503"):
            send_once(WebhookChannel(WEBHOOK_KEY, policy=allowing(receiver)), message("webhook", "s", receiver.url))
    finally:
        receiver.close()


def test_sms_gateway_gets_number_text_in_the_subscribers_language_delivery_id_and_identifier(hook: Hook) -> None:
    send_once(SmsChannel(hook.url, token="t0k"), message("sms", "sub-1", "+79991234567"))
    [(_, headers, body)] = hook.requests
    sent = json.loads(body)
    assert sent["to"] == "+79991234567" and sent["identifier"] == "airwarn-abc" and sent["delivery"] == "7"
    assert sent["text"] == "Беспилотная опасность В укрытие." and headers["Authorization"] == "Bearer t0k"
    assert sent["status"] == "Actual"


@pytest.mark.parametrize(("status", "language", "prefix"), [
    ("Exercise", "en", "EXERCISE — "), ("Exercise", "ru", "УЧЕНИЯ — "), ("Exercise", "uk", "НАВЧАННЯ — "),
    ("Test", "en", "TEST — "), ("Test", "ru", "ТЕСТ — "), ("Test", "uk", "ТЕСТ — "),
])
def test_a_drill_sms_begins_with_its_marker_in_the_subscribers_language(
    hook: Hook, status: str, language: str, prefix: str
) -> None:
    send_once(SmsChannel(hook.url), message("sms", "sub-1", "+79991234567", status=status, language=language))
    [text] = [t["text"] for t in hook.texts()]
    assert text.startswith(prefix) and hook.texts()[0]["status"] == status
    long = message("sms", "s", "+79991234567", status=status, language=language)
    assert long.text(limit_chars=20).startswith(prefix) and len(long.text(limit_chars=20)) <= 20  # never cut


def _mqtt_up() -> bool:
    try:
        socket.create_connection((MQTT_HOST, 1883), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _mqtt_up(), reason=f"no MQTT broker at {MQTT_HOST}:1883 (AIRWARN_TEST_MQTT_HOST)")
def test_siren_message_reaches_a_subscriber_of_the_district_topic_on_mosquitto() -> None:
    import aiomqtt

    topic = f"airwarn/sirens/RU-ROS-MILLEROVSKY-{os.getpid()}"

    async def scenario() -> dict[str, Any]:
        async with aiomqtt.Client(MQTT_HOST, 1883) as listener:
            await listener.subscribe(topic, qos=1)
            await MqttChannel(MQTT_HOST).send(message("mqtt", topic))
            async for got in listener.messages:
                return dict(json.loads(bytes(got.payload)))  # type: ignore[arg-type]
        raise AssertionError("no message")

    got = asyncio.run(asyncio.wait_for(scenario(), 10))
    assert got["identifier"] == "airwarn-abc" and got["command"] == "sound" and got["topic"] == topic
    assert got["status"] == "Actual" and got["delivery"] == "7"


@pytest.mark.skipif(not _mqtt_up(), reason=f"no MQTT broker at {MQTT_HOST}:1883 (AIRWARN_TEST_MQTT_HOST)")
def test_sirens_hear_the_drill_status_and_a_test_never_sounds_nor_stops_them_for_real() -> None:
    import aiomqtt

    topic = f"airwarn/sirens/RU-ROS-SHOLOKHOVSKY-{os.getpid()}"
    sent = [("Exercise", "Alert"), ("Test", "Alert"), ("Test", "Cancel"), ("Exercise", "Cancel")]

    async def scenario() -> list[dict[str, Any]]:
        channel = MqttChannel(MQTT_HOST)
        async with aiomqtt.Client(MQTT_HOST, 1883) as listener:
            await listener.subscribe(topic, qos=1)
            for status, msg_type in sent:
                await channel.send(message("mqtt", topic, status=status, msg_type=msg_type))
            got = []
            async for m in listener.messages:
                got.append(dict(json.loads(bytes(m.payload))))  # type: ignore[arg-type]
                if len(got) == len(sent):
                    break
        await channel.aclose()
        return got

    got = asyncio.run(asyncio.wait_for(scenario(), 15))
    assert [(m["status"], m["command"]) for m in got] == [
        ("Exercise", "sound"), ("Test", "test"), ("Test", "test_stop"), ("Exercise", "stop")]


@pytest.mark.skipif(not _mqtt_up(), reason=f"no MQTT broker at {MQTT_HOST}:1883 (AIRWARN_TEST_MQTT_HOST)")
def test_sirens_keep_one_broker_connection_and_a_broken_one_is_replaced_on_the_retry() -> None:
    import aiomqtt

    topic = f"airwarn/sirens/RU-ROS-CHERTKOVSKY-{os.getpid()}"

    async def scenario() -> list[dict[str, Any]]:
        channel = MqttChannel(MQTT_HOST)
        async with aiomqtt.Client(MQTT_HOST, 1883) as listener:
            await listener.subscribe(topic, qos=1)
            await channel.send(message("mqtt", topic))
            first = channel._client
            await channel.send(message("mqtt", topic))
            assert channel._client is first is not None  # the same connection for both
            await first.__aexit__(None, None, None)  # the broker connection breaks
            with pytest.raises(aiomqtt.MqttError):
                await channel.send(message("mqtt", topic))  # this attempt fails; the dispatcher retries it
            await channel.send(message("mqtt", topic))  # and the retry connects again
            assert channel._client is not first
            got = []
            async for m in listener.messages:
                got.append(dict(json.loads(bytes(m.payload))))  # type: ignore[arg-type]
                if len(got) == 3:
                    break
        await channel.aclose()
        assert channel._client is None
        return got

    assert [m["identifier"] for m in asyncio.run(asyncio.wait_for(scenario(), 15))] == ["airwarn-abc"] * 3
