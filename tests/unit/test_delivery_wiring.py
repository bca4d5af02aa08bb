"""Which channels a node sends on: an unset webhook secret means no webhooks, never a guessable key."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from airwarn.bus import MemoryBus
from airwarn.delivery.wiring import channels_from_settings, waiting_channels
from airwarn.settings import Settings


def test_without_a_webhook_secret_webhook_rows_wait_and_serve_says_so() -> None:
    deps: Any = SimpleNamespace(events=MemoryBus())  # the channels need only the node's bus
    plain = Settings(webhook_secret="", sms_url="", mqtt_host="", vapid_private_key="")
    assert set(channels_from_settings(plain, deps)) == {"live", "cap"}
    assert waiting_channels(plain)[0] == "webhook (AIRWARN_WEBHOOK_SECRET)"
    keyed = Settings(webhook_secret="s" * 32, sms_url="http://127.0.0.1:9/sms", mqtt_host="127.0.0.1",
                     vapid_private_key="")
    assert set(channels_from_settings(keyed, deps)) == {"live", "cap", "webhook", "sms", "mqtt"}
    assert waiting_channels(keyed) == ["webpush (AIRWARN_VAPID_PRIVATE_KEY)"]
