"""SMS through the administrator's HTTP gateway: POST JSON {to, text, identifier, delivery, status} (optional
bearer token); a drill's text begins with its marker. Also carries subscription verification codes.

With `batch` > 1 (AIRWARN_SMS_BATCH) alerts go to the gateway's bulk form: one POST of
`{"messages": [{to, text, identifier, delivery, status}, …]}` (at most `batch`), answered 2xx with
`{"results": [{"delivery": …, "ok": true|false, "error": …}, …]}`. Each recipient keeps its own delivery id
and outcome: one missing from the answer, or not ok, is retried (in a later batch, under the same id)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from airwarn.delivery.channels.base import DeliveryError, Gone, Message
from airwarn.delivery.channels.http import HttpPoster


class SmsChannel:
    name = "sms"

    def __init__(self, gateway_url: str, token: str = "", *, timeout_s: float = 5.0,
                 connections: int = 256, batch: int = 1) -> None:
        if not gateway_url:
            raise ValueError("SMS gateway URL is not configured (AIRWARN_SMS_URL)")
        self.url = gateway_url
        self.token = token
        self.http = HttpPoster(timeout_s, connections)
        self.batch = batch  # recipients per request to the bulk form; 1: one request each

    @staticmethod
    def body(message: Message) -> dict[str, Any]:
        if not isinstance(message.address, str):
            raise Gone("sms target has no phone number: the subscription no longer has this channel")
        return {"to": message.address, "text": message.text(), "identifier": message.identifier,
                "delivery": message.delivery_id, "status": message.status}

    async def send(self, message: Message) -> None:
        await self.post(self.body(message))

    async def send_many(self, messages: Sequence[Message]) -> list[BaseException | None]:
        """One request to the gateway's bulk form; per message None (taken) or why not."""
        results: list[BaseException | None] = [None] * len(messages)
        bodies = []
        for i, message in enumerate(messages):
            try:
                bodies.append(self.body(message))
            except Gone as exc:
                results[i] = exc
        if not bodies:
            return results
        answer = await self.http.exchange(self.url, json.dumps({"messages": bodies}, ensure_ascii=False).encode(),
                                          self.headers())
        if answer.status >= 300:
            raise DeliveryError(f"SMS gateway answered {answer.status}")
        try:
            said = {str(r["delivery"]): r for r in json.loads(answer.body)["results"]}
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryError(f"SMS gateway's bulk answer cannot be read: {type(exc).__name__}") from None
        for i, message in enumerate(messages):
            if results[i] is not None:
                continue
            result = said.get(message.delivery_id)
            if result is None:
                results[i] = DeliveryError("SMS gateway gave no result for this recipient")
            elif result.get("ok") is not True:
                results[i] = DeliveryError(f"SMS gateway: {str(result.get('error') or 'not taken')[:200]}")
        return results

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    async def send_code(self, phone: str, text: str) -> None:
        """A verification code (no alert): the same gateway, `identifier` and `delivery` null."""
        await self.post({"to": phone, "text": text, "identifier": None, "delivery": None, "status": "Verification"})

    async def post(self, body: dict[str, object]) -> None:
        status = await self.http.post(self.url, json.dumps(body, ensure_ascii=False).encode(), self.headers())
        if status >= 300:
            raise DeliveryError(f"SMS gateway answered {status}")

    async def aclose(self) -> None:
        await self.http.aclose()
