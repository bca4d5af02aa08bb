"""SMS through the administrator's HTTP gateway: POST JSON {to, text, identifier, delivery, status} (optional
bearer token); a drill's text begins with its marker. Also carries subscription verification codes."""

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
        await self.post({"to": message.address, "text": message.text(), "identifier": message.identifier,
                         "delivery": message.delivery_id, "status": message.status})

    async def send_code(self, phone: str, text: str) -> None:
        """A verification code (no alert): the same gateway, `identifier` and `delivery` null."""
        await self.post({"to": phone, "text": text, "identifier": None, "delivery": None, "status": "Verification"})

    async def post(self, body: dict[str, object]) -> None:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        status = await self.http.post(self.url, json.dumps(body, ensure_ascii=False).encode(), headers)
        if status >= 300:
            raise DeliveryError(f"SMS gateway answered {status}")

    async def aclose(self) -> None:
        await self.http.aclose()
