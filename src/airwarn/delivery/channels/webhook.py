"""Webhooks for sirens controllers, airports, media: the signed CAP document, HMAC-SHA256 over the body."""

from __future__ import annotations

import hashlib
import hmac

from airwarn.delivery.channels.base import DeliveryError, Gone, Message
from airwarn.delivery.channels.http import HttpPoster

SIGNATURE_HEADER = "X-Airwarn-Signature"
IDENTIFIER_HEADER = "X-Airwarn-Identifier"


def sign(secret: bytes, body: bytes) -> str:
    """The signature header value: ``sha256=<hex HMAC-SHA256 of the body>``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, header: str) -> bool:
    return hmac.compare_digest(sign(secret, body), header)


class WebhookChannel:
    name = "webhook"

    def __init__(self, secret: bytes, *, timeout_s: float = 5.0, connections: int = 256) -> None:
        self.secret = secret
        self.http = HttpPoster(timeout_s, connections)

    async def send(self, message: Message) -> None:
        if not isinstance(message.address, str):
            raise Gone("webhook target has no URL: the subscription no longer has this channel")
        body = message.xml.encode()
        headers = {
            "Content-Type": "application/cap+xml",
            SIGNATURE_HEADER: sign(self.secret, body),
            IDENTIFIER_HEADER: message.identifier,
            "X-Airwarn-Delivery": str(message.outbox_id),
            "X-Airwarn-Attempt": str(message.attempt),
        }
        status = await self.http.post(message.address, body, headers)
        if status >= 300:
            raise DeliveryError(f"webhook answered {status}")

    async def aclose(self) -> None:
        await self.http.aclose()
