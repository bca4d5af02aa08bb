"""Live stream channel: publishes the issued alert to the event bus; WebSocket/SSE clients get it there."""

from __future__ import annotations

from airwarn.delivery.channels.base import Message
from airwarn.service_layer.deps import EventSink


class LiveChannel:
    name = "live"

    def __init__(self, events: EventSink) -> None:
        self.events = events

    async def send(self, message: Message) -> None:
        """On a bus with `apublish` (memory, NATS) wait until the event is stored, so a failure retries."""
        payload = {**message.alert, "delivery": "issued"}
        apublish = getattr(self.events, "apublish", None)
        if apublish is not None:
            await apublish("alert", payload)
        else:
            self.events.publish("alert", payload)
