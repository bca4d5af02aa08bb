"""The one small interface every channel implements, the message it gets, and an in-memory twin."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Protocol


class DeliveryError(Exception):
    """The receiver did not take the message; the dispatcher retries with backoff."""


class Gone(DeliveryError):
    """The address no longer exists (e.g. an expired push subscription): never retried."""


@dataclass(frozen=True)
class Message:
    """One outbox row ready to send. `identifier` is the CAP identifier: receivers drop duplicates by it."""

    outbox_id: int
    identifier: str
    channel: str
    target: str
    attempt: int
    xml: str
    alert: dict[str, Any]  # summary: identifier, msg_type, severity, headline, region, districts, …
    language: str = "en"
    address: Any = None  # phone, URL or PushSubscription for subscriber channels

    def text(self, limit_chars: int = 480) -> str:
        """Short human text in the message's language (headline, time to reach a shelter, instruction)."""
        info = self.alert.get("texts", {}).get(self.language) or {}
        parts = [info.get("headline") or self.alert.get("headline", ""), info.get("warning", ""),
                 info.get("instruction", "")]
        body = " ".join(p for p in parts if p)
        return body if len(body) <= limit_chars else body[: limit_chars - 1] + "…"


class Channel(Protocol):
    name: str

    async def send(self, message: Message) -> None:
        """Deliver or raise (DeliveryError or any exception); a return means the receiver took it."""
        ...


@dataclass
class MemoryChannel:
    """In-memory twin: records what it got; can fail the first `fail_first` attempts or be slow."""

    name: str
    fail_first: int = 0
    delay_s: float = 0.0
    sent: list[Message] = field(default_factory=list)
    calls: int = 0

    async def send(self, message: Message) -> None:
        self.calls += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.calls <= self.fail_first:
            raise DeliveryError(f"{self.name}: simulated failure {self.calls}")
        self.sent.append(message)
