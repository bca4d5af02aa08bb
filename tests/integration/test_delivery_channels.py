"""Channels against real receivers: a local HTTP server (webhook, SMS gateway) and Mosquitto (sirens)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from airwarn.delivery.channels.base import DeliveryError, Message
from airwarn.delivery.channels.mqtt import MqttChannel
from airwarn.delivery.channels.sms import SmsChannel
from airwarn.delivery.channels.webhook import WebhookChannel, verify

MQTT_HOST = os.environ.get("AIRWARN_TEST_MQTT_HOST", "127.0.0.1")


def message(channel: str, target: str, address: Any = None) -> Message:
    return Message(outbox_id=7, identifier="airwarn-abc", channel=channel, target=target, attempt=1,
                   xml="<alert>cap</alert>", language="ru", address=address,
                   alert={"identifier": "airwarn-abc", "msg_type": "Alert", "severity": "Severe",
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


class Receiver:
    """A local HTTP receiver recording requests; answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers), body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def test_webhook_body_is_the_cap_document_signed_with_hmac_and_names_the_identifier() -> None:
    receiver = Receiver()
    try:
        send_once(WebhookChannel(b"k3y"), message("webhook", "sub-1", receiver.url))
    finally:
        receiver.close()
    [(headers, body)] = receiver.requests
    assert body == b"<alert>cap</alert>" and headers["X-Airwarn-Identifier"] == "airwarn-abc"
    assert verify(b"k3y", body, headers["X-Airwarn-Signature"])
    assert not verify(b"other", body, headers["X-Airwarn-Signature"])


def test_webhook_error_status_is_a_delivery_error() -> None:
    receiver = Receiver(status=503)
    try:
        with pytest.raises(DeliveryError, match="503"):
            send_once(WebhookChannel(b"k"), message("webhook", "sub-1", receiver.url))
    finally:
        receiver.close()


def test_sms_gateway_gets_number_text_in_the_subscribers_language_and_identifier() -> None:
    receiver = Receiver()
    try:
        send_once(SmsChannel(receiver.url, token="t0k"), message("sms", "sub-1", "+79991234567"))
    finally:
        receiver.close()
    [(headers, body)] = receiver.requests
    sent = json.loads(body)
    assert sent["to"] == "+79991234567" and sent["identifier"] == "airwarn-abc"
    assert sent["text"] == "Беспилотная опасность В укрытие." and headers["Authorization"] == "Bearer t0k"


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
