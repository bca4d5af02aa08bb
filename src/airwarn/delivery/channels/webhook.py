"""Webhooks for siren controllers, airports, media: a JSON envelope around the signed CAP document, signed
with HMAC-SHA256 under the subscriber's own secret (derived from the server's key, never stored), sent
only to addresses the outbound policy allows."""

from __future__ import annotations

import hashlib
import hmac
import json

from airwarn.delivery.channels.base import DeliveryError, Gone, Message
from airwarn.delivery.channels.http import HttpPoster
from airwarn.delivery.outbound import OutboundPolicy

SIGNATURE_HEADER = "X-Airwarn-Signature"
IDENTIFIER_HEADER = "X-Airwarn-Identifier"
DELIVERY_HEADER = "X-Airwarn-Delivery"
STATUS_HEADER = "X-Airwarn-Status"


def sign(secret: bytes, body: bytes) -> str:
    """The signature header value: ``sha256=<hex HMAC-SHA256 of the body>``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, header: str) -> bool:
    return hmac.compare_digest(sign(secret, body), header)


def subscriber_secret(server_key: bytes, subscription_id: str, key_id: str) -> str:
    """One subscriber's webhook secret: HMAC of (subscription, key id) under the server's key. Shown once
    at subscription; the server keeps only the key id, and one subscriber's secret says nothing of another's."""
    return hmac.new(server_key, f"webhook:{subscription_id}:{key_id}".encode(), hashlib.sha256).hexdigest()


def envelope(message: Message) -> bytes:
    """The body: delivery id, CAP identifier, status and the signed CAP XML, the same on every retry."""
    a = message.alert
    return json.dumps({
        "delivery": message.delivery_id, "identifier": message.identifier, "status": message.status,
        "msg_type": a.get("msg_type"), "severity": a.get("severity"), "sent": a.get("sent"),
        "cap": message.xml,
    }, ensure_ascii=False).encode()


class WebhookChannel:
    name = "webhook"

    def __init__(self, server_key: bytes, *, policy: OutboundPolicy | None = None, timeout_s: float = 5.0,
                 connections: int = 256) -> None:
        self.server_key = server_key
        self.http = HttpPoster(timeout_s, connections, policy=policy or OutboundPolicy())

    def secret(self, message: Message) -> bytes:
        return subscriber_secret(self.server_key, message.target, message.key).encode()

    async def send(self, message: Message) -> None:
        if not isinstance(message.address, str):
            raise Gone("webhook target has no URL: the subscription no longer has this channel")
        body = envelope(message)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self.secret(message), body),
            IDENTIFIER_HEADER: message.identifier,
            DELIVERY_HEADER: message.delivery_id,
            STATUS_HEADER: message.status,
            "X-Airwarn-Attempt": str(message.attempt),
        }
        status = await self.http.post(message.address, body, headers)
        if status >= 300:
            raise DeliveryError(f"webhook answered {status}")

    async def aclose(self) -> None:
        await self.http.aclose()
