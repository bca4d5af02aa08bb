"""SMS through a configurable HTTP gateway: POST JSON {to, text, identifier} (optional bearer token)."""

from __future__ import annotations

import json

from airwarn.delivery.channels.base import DeliveryError, Gone, Message
from airwarn.delivery.channels.http import HttpPoster


class SmsChannel:
    name = "sms"

    def __init__(self, gateway_url: str, token: str = "", *, timeout_s: float = 5.0,
                 connections: int = 256) -> None:
        if not gateway_url:
            raise ValueError("SMS gateway URL is not configured (AIRWARN_SMS_URL)")
        self.url = gateway_url
        self.token = token
        self.http = HttpPoster(timeout_s, connections)

    async def send(self, message: Message) -> None:
        if not isinstance(message.address, str):
            raise Gone("sms target has no phone number: the subscription no longer has this channel")
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = {"to": message.address, "text": message.text(), "identifier": message.identifier,
                "delivery": message.outbox_id}
        status = await self.http.post(self.url, json.dumps(body, ensure_ascii=False).encode(), headers)
        if status >= 300:
            raise DeliveryError(f"SMS gateway answered {status}")

    async def aclose(self) -> None:
        await self.http.aclose()
