"""The one small interface every channel implements, the message it gets, and an in-memory twin."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Protocol


class DeliveryError(Exception):
    """The receiver did not take the message; the dispatcher retries with backoff."""


class Gone(DeliveryError):
    """The address no longer exists (e.g. an expired push subscription): never retried."""


class Refused(DeliveryError):
    """airwarn will not send there (a non-public address, a redirect too many): never retried, but the
    address stays, since the cause may be the receiver's DNS for now."""


#: What starts every SMS and push text of a drill, by status and the subscriber's language.
DRILL_PREFIX = {
    "Exercise": {"en": "EXERCISE — ", "ru": "УЧЕНИЯ — ", "uk": "НАВЧАННЯ — "},
    "Test": {"en": "TEST — ", "ru": "ТЕСТ — ", "uk": "ТЕСТ — "},
}


def drill_prefix(status: str | None, language: str) -> str:
    """"EXERCISE — " / "УЧЕНИЯ — " / "НАВЧАННЯ — " (or TEST/ТЕСТ) for a drill, "" for an Actual alert."""
    words = DRILL_PREFIX.get(status or "Actual")
    return words.get(language, words["en"]) if words else ""


@dataclass(frozen=True)
class Message:
    """One outbox row ready to send. `identifier` is the CAP identifier; `delivery_id` names this one
    delivery (the same on every retry and after a crash): receivers drop duplicates by it."""

    outbox_id: int
    identifier: str
    channel: str
    target: str
    attempt: int
    xml: str
    alert: dict[str, Any]  # summary: identifier, msg_type, status, severity, headline, region, districts, …
    language: str = "en"
    address: Any = None  # phone, URL or PushSubscription for subscriber channels
    key: str = ""  # a webhook's per-subscriber key id: its signing secret is derived from it

    @property
    def delivery_id(self) -> str:
        return str(self.outbox_id)

    @property
    def status(self) -> str:
        """CAP status: Actual, Exercise or Test."""
        return str(self.alert.get("status") or "Actual")

    def headline(self) -> str:
        info = self.alert.get("texts", {}).get(self.language) or {}
        return str(info.get("headline") or self.alert.get("headline", ""))

    def text(self, limit_chars: int = 480) -> str:
        """Short human text in the message's language (headline, time to reach a shelter, instruction); a
        drill's begins with its marker ("EXERCISE — ", "ТЕСТ — " …), which is never cut."""
        info = self.alert.get("texts", {}).get(self.language) or {}
        prefix = drill_prefix(self.status, self.language)
        body = " ".join(p for p in (self.headline(), info.get("warning", ""), info.get("instruction", "")) if p)
        room = limit_chars - len(prefix)
        return prefix + (body if len(body) <= room else body[: room - 1] + "…")


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
