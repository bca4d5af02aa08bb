"""Sirens over MQTT: one retained-free QoS 1 message per district topic, e.g. airwarn/sirens/RU-ROS-X."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from typing import Any

import aiomqtt

from airwarn.delivery.channels.base import Message


def siren_level(alert: dict[str, Any]) -> str:
    """The alert's level; an older alert without one is an all-clear when it is an Update or Cancel."""
    return str(alert.get("level") or ("all_clear" if alert.get("msg_type") in ("Update", "Cancel") else "alert"))


def siren_command(alert: dict[str, Any]) -> str:
    """`sound`/`stop` for Actual and Exercise; a Test gets `test` (its end `test_stop`), so a Test can
    never start a real alarm nor silence one. An Update may grow the area or raise a pre-alert to the
    alert: only an all-clear (or a Cancel) stops."""
    clear = siren_level(alert) == "all_clear" or alert.get("msg_type") == "Cancel"
    if alert.get("status") == "Test":
        return "test_stop" if clear else "test"
    return "stop" if clear else "sound"


def siren_payload(message: Message) -> bytes:
    a = message.alert
    return json.dumps({
        "identifier": message.identifier, "delivery": message.delivery_id, "status": message.status,
        "command": siren_command(a), "level": siren_level(a), "msg_type": a.get("msg_type"),
        "severity": a.get("severity"),
        "topic": message.target, "headline": a.get("headline"), "sent": a.get("sent"),
    }, ensure_ascii=False).encode()


class MqttChannel:
    """One connection to the broker per node, opened on the first siren message and kept: a connection (a
    TLS handshake to a remote broker) per message was most of a siren's delay. A failed publish drops the
    connection; the dispatcher retries the message and the retry connects again."""

    name = "mqtt"

    def __init__(self, host: str, port: int = 1883, timeout_s: float = 5.0) -> None:
        self.host, self.port, self.timeout_s = host, port, timeout_s
        self._client: aiomqtt.Client | None = None
        self._connecting = asyncio.Lock()

    async def send(self, message: Message) -> None:
        client = await self._connected()
        try:
            await client.publish(message.target, siren_payload(message), qos=1, timeout=self.timeout_s)
        except (aiomqtt.MqttError, TimeoutError):
            await self._drop(client)
            raise

    async def _connected(self) -> aiomqtt.Client:
        async with self._connecting:
            if self._client is None:
                client = aiomqtt.Client(self.host, self.port, timeout=self.timeout_s,
                                        identifier=f"airwarn-sirens-{uuid.uuid4().hex[:16]}")
                await client.__aenter__()
                self._client = client
            return self._client

    async def _drop(self, client: aiomqtt.Client) -> None:
        if self._client is client:
            self._client = None
            with contextlib.suppress(aiomqtt.MqttError):  # it is going away either way
                await client.__aexit__(None, None, None)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._drop(self._client)
