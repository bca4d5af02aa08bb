"""Sirens over MQTT: one retained-free QoS 1 message per district topic, e.g. airwarn/sirens/RU-ROS-X."""

from __future__ import annotations

import json

import aiomqtt

from airwarn.delivery.channels.base import Message


def siren_payload(message: Message) -> bytes:
    a = message.alert
    clear = a.get("msg_type") in ("Update", "Cancel")
    return json.dumps({
        "identifier": message.identifier, "command": "stop" if clear else "sound",
        "msg_type": a.get("msg_type"), "severity": a.get("severity"), "topic": message.target,
        "headline": a.get("headline"), "sent": a.get("sent"),
    }, ensure_ascii=False).encode()


class MqttChannel:
    name = "mqtt"

    def __init__(self, host: str, port: int = 1883, timeout_s: float = 5.0) -> None:
        self.host, self.port, self.timeout_s = host, port, timeout_s

    async def send(self, message: Message) -> None:
        async with aiomqtt.Client(self.host, self.port, timeout=self.timeout_s,
                                  identifier=f"airwarn-{message.outbox_id}-{message.attempt}") as client:
            await client.publish(message.target, siren_payload(message), qos=1)
