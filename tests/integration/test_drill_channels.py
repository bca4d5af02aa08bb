"""Drills through the whole pipeline: an Exercise and a Test alert issued by the core, fanned out and sent by
the dispatcher over the real channels — a local SMS gateway and webhook endpoint, Mosquitto for sirens."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from airwarn.delivery.channels.base import Channel, MemoryChannel
from airwarn.delivery.channels.mqtt import MqttChannel
from airwarn.delivery.channels.sms import SmsChannel
from airwarn.delivery.channels.webhook import WebhookChannel
from airwarn.delivery.dispatcher import Dispatcher
from airwarn.delivery.fanout import make_fanout
from airwarn.delivery.outbound import OutboundPolicy
from airwarn.delivery.subscriptions import SubscriptionDraft
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from tests.integration.subscribing import WEBHOOK_KEY, Hook, active

MQTT_HOST = os.environ.get("AIRWARN_TEST_MQTT_HOST", "127.0.0.1")


def _mqtt_up() -> bool:
    try:
        socket.create_connection((MQTT_HOST, 1883), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.close()


def issue(deps: Deps, operator: User, approver: User, status: str, district: str) -> str:
    draft = ReportDraft(kind="interception", region="RU-ROS", source_type="official", districts=[district],
                        status=status)
    made = str(services.submit_report(deps, draft, operator).alerts[0]["identifier"])
    with deps.uow.read() as repo:
        if repo.outbox_rows(made):
            return made
    return str(services.approve_alert(deps, made, approver)["identifier"])


def send_all(deps: Deps, hook: Hook, mqtt: bool) -> None:
    channels: dict[str, Channel] = {
        "live": MemoryChannel("live"), "cap": MemoryChannel("cap"),
        "sms": SmsChannel(hook.url), "webhook": WebhookChannel(WEBHOOK_KEY, policy=OutboundPolicy.from_settings(
            hook.origin)),
        "mqtt": MqttChannel(MQTT_HOST) if mqtt else MemoryChannel("mqtt")}
    asyncio.run(Dispatcher(deps.uow.engine, channels).drain())


@pytest.mark.parametrize(("status", "markers"), [
    ("Exercise", {"+79990000021": "EXERCISE — ", "+79990000022": "УЧЕНИЯ — ", "+79990000023": "НАВЧАННЯ — "}),
    ("Test", {"+79990000021": "TEST — ", "+79990000022": "ТЕСТ — ", "+79990000023": "ТЕСТ — "}),
])
def test_a_drill_is_marked_on_sms_webhooks_and_sirens_end_to_end(
    deps: Deps, operator: User, approver: User, hook: Hook, status: str, markers: dict[str, str]
) -> None:
    deps.fanout = make_fanout(deps.territory, siren_tests=True)
    where = {"lat": 48.7, "lon": 40.2, "accept_tests": True}
    for phone, language in zip(markers, ("en", "ru", "uk"), strict=True):
        active(deps, SubscriptionDraft(language=language, channels=[{"channel": "sms", "address": phone}],
                                       **where))  # type: ignore[arg-type]
    active(deps, SubscriptionDraft(channels=[{"channel": "webhook", "address": hook.url}], **where),  # type: ignore[arg-type]
           hook.origin)
    mqtt = _mqtt_up()
    topic = "airwarn/sirens/RU-ROS-MILLEROVSKY"
    got: list[dict[str, Any]] = []

    async def listen(ready: asyncio.Event) -> None:
        import aiomqtt

        async with aiomqtt.Client(MQTT_HOST, 1883) as listener:
            await listener.subscribe(topic, qos=1)
            ready.set()
            async for m in listener.messages:
                got.append(dict(json.loads(bytes(m.payload))))  # type: ignore[arg-type]
                return

    async def scenario() -> None:
        ready = asyncio.Event()
        task = asyncio.create_task(listen(ready)) if mqtt else None
        if task is not None:
            await asyncio.wait_for(ready.wait(), 10)
        await asyncio.to_thread(issue, deps, operator, approver, status, "Millerovsky")
        await asyncio.to_thread(send_all, deps, hook, mqtt)
        if task is not None:
            await asyncio.wait_for(task, 10)

    asyncio.run(scenario())
    texts = {t["to"]: t for t in hook.texts() if "to" in t and t["status"] == status}
    assert {phone: texts[phone]["text"][:len(m)] for phone, m in markers.items()} == markers
    [(headers, body)] = [(h, b) for h, b in hook.deliveries() if "X-Airwarn-Signature" in h]  # the webhook
    assert headers["X-Airwarn-Status"] == status and json.loads(body)["status"] == status
    assert f"<status>{status}</status>" in json.loads(body)["cap"]
    if mqtt:
        [siren] = got
        assert siren["status"] == status and siren["command"] == ("test" if status == "Test" else "sound")
