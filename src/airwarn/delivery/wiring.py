"""Channels from settings: live and the CAP feed always; webhooks, SMS, MQTT and Web Push when configured
(a channel that is not configured leaves its rows pending until it is)."""

from __future__ import annotations

import asyncio
import logging
from typing import cast

from airwarn.bus import Bus
from airwarn.delivery.channels.base import Channel
from airwarn.delivery.channels.cap import CapFeedChannel
from airwarn.delivery.channels.live import LiveChannel
from airwarn.delivery.channels.mqtt import MqttChannel
from airwarn.delivery.channels.sms import SmsChannel
from airwarn.delivery.channels.webhook import WebhookChannel
from airwarn.delivery.dispatcher import Dispatcher, RetryPolicy
from airwarn.delivery.expansion import Expander
from airwarn.delivery.fanout import ChannelFanout
from airwarn.delivery.outbound import OutboundPolicy
from airwarn.errors import ConfigError
from airwarn.service_layer.deps import Deps
from airwarn.settings import Settings

log = logging.getLogger("airwarn.delivery")


def outbound_policy(settings: Settings) -> OutboundPolicy:
    """Where webhooks and push endpoints may point (AIRWARN_OUTBOUND_ALLOW, AIRWARN_PUSH_HOSTS)."""
    try:
        return OutboundPolicy.from_settings(settings.outbound_allow, settings.push_hosts)
    except ValueError as exc:
        raise ConfigError(f"AIRWARN_OUTBOUND_ALLOW: {exc}") from None


def channels_from_settings(settings: Settings, deps: Deps) -> dict[str, Channel]:
    timeout_s, connections = http_timeout_s(settings), settings.dispatch_concurrency
    policy = outbound_policy(settings)
    channels: dict[str, Channel] = {"live": LiveChannel(deps.events), "cap": CapFeedChannel()}
    if settings.webhook_secret:
        channels["webhook"] = WebhookChannel(settings.webhook_secret.encode(), policy=policy, timeout_s=timeout_s,
                                             connections=connections)
    if settings.sms_url:
        channels["sms"] = SmsChannel(settings.sms_url, settings.sms_token, timeout_s=timeout_s,
                                     connections=connections, batch=settings.sms_batch)
    if settings.mqtt_host:
        channels["mqtt"] = MqttChannel(settings.mqtt_host, settings.mqtt_port)
    if settings.vapid_private_key:
        from airwarn.delivery.channels.webpush import WebPushChannel

        channels["webpush"] = WebPushChannel(settings.vapid_private_key, settings.vapid_subject,
                                             public_url=settings.public_url, ttl_s=settings.webpush_ttl_s,
                                             policy=policy, timeout_s=timeout_s, connections=connections)
    return channels


def waiting_channels(settings: Settings) -> list[str]:
    """Channels whose rows wait because they are not configured, each with the setting that enables it."""
    needs = {"webhook": ("AIRWARN_WEBHOOK_SECRET", settings.webhook_secret),
             "sms": ("AIRWARN_SMS_URL", settings.sms_url), "mqtt": ("AIRWARN_MQTT_HOST", settings.mqtt_host),
             "webpush": ("AIRWARN_VAPID_PRIVATE_KEY", settings.vapid_private_key)}
    return [f"{channel} ({name})" for channel, (name, value) in needs.items() if not value]


def http_timeout_s(settings: Settings) -> float:
    """HTTP channels give up a little before the dispatcher's per-attempt limit, with a clean error."""
    return max(0.1, min(5.0, settings.dispatch_timeout_s * 0.8))


def dispatcher_from_settings(settings: Settings, deps: Deps, *, sends_only: bool = False) -> Dispatcher:
    """The outbox dispatcher with every configured channel (others' rows wait) and the retry policy;
    `sends_only`: for a process that takes no reports (`airwarn dispatch`), woken by every process's events."""
    policy = RetryPolicy(timeout_s=settings.dispatch_timeout_s,
                         lease_s=max(settings.dispatch_lease_s, settings.dispatch_timeout_s + 1))
    # the expander shares the node's subscriber copy (one copy per node, loaded once at start)
    cache = deps.fanout.subscribers if isinstance(deps.fanout, ChannelFanout) else None
    expander = Expander(deps.uow.engine, cache, lease_s=policy.lease_s, max_attempts=policy.max_attempts)
    return Dispatcher(deps.uow.engine, channels_from_settings(settings, deps), policy=policy,
                      concurrency=settings.dispatch_concurrency, wake_on=getattr(deps.events, "hub", None),
                      expander=expander, wake_on_any=sends_only)


async def send_only(settings: Settings, deps: Deps, stop: asyncio.Event) -> None:
    """`airwarn dispatch`: the bus started (the deciding processes' events wake it), the dispatcher run until
    `stop`, the bus closed."""
    bus = cast(Bus, deps.events)  # build_deps makes it from AIRWARN_BUS
    await bus.start()
    loading = asyncio.create_task(load_subscribers(deps))  # meanwhile; the first expansion waits for the copy
    try:
        await dispatcher_from_settings(settings, deps, sends_only=True).run(stop)
    finally:
        loading.cancel()
        await bus.stop()


async def load_subscribers(deps: Deps) -> None:
    """Load the process's subscriber copy in the background as it starts, so the first expansion need not."""
    if isinstance(deps.fanout, ChannelFanout):
        try:
            await asyncio.to_thread(deps.fanout.warm, deps.uow)
        except Exception:  # the first expansion loads it instead
            log.exception("loading the subscribers at start failed")
