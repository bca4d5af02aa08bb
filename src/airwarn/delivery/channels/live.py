"""Live stream channel: publishes the issued alert to the event bus; WebSocket/SSE clients get it there."""

from __future__ import annotations

from airwarn.delivery.channels.base import Message
from airwarn.deps import EventSink


class LiveChannel:
    name = "live"

    def __init__(self, events: EventSink) -> None:
        self.events = events

    async def send(self, message: Message) -> None:
        self.events.publish("alert", {**message.alert, "delivery": "issued"})
