"""SMS through a configurable HTTP gateway: POST JSON {to, text, identifier} (optional bearer token)."""

from __future__ import annotations

import httpx

from airwarn.delivery.channels.base import DeliveryError, Message


class SmsChannel:
    name = "sms"

    def __init__(self, gateway_url: str, token: str = "", client: httpx.AsyncClient | None = None,
                 timeout_s: float = 5.0) -> None:
        if not gateway_url:
            raise ValueError("SMS gateway URL is not configured (AIRWARN_SMS_URL)")
        self.url = gateway_url
        self.token = token
        self.client = client or httpx.AsyncClient(timeout=timeout_s)

    async def send(self, message: Message) -> None:
        if not isinstance(message.address, str):
            raise DeliveryError("sms target has no phone number")
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        body = {"to": message.address, "text": message.text(), "identifier": message.identifier,
                "delivery": message.outbox_id}
        response = await self.client.post(self.url, json=body, headers=headers)
        if response.status_code >= 300:
            raise DeliveryError(f"SMS gateway answered {response.status_code}")
