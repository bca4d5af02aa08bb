"""The CAP Atom feed channel: the core serves the feed from the alerts table, so once the alert is
committed it is in the feed; this channel only records that for the delivery statistics."""

from __future__ import annotations

from airwarn.delivery.channels.base import Message


class CapFeedChannel:
    name = "cap"

    async def send(self, message: Message) -> None:
        if not message.xml:
            raise ValueError(f"alert {message.identifier} has no CAP document to publish")
