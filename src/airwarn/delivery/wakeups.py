"""When the process's own events wake its dispatcher: the claim loop when a use case may have written rows
due now, the expander when an alert may have fan-out jobs it has not been told about. A wake-up that finds
nothing costs a statement (and on PostgreSQL a transaction), so each alert asks once, and only the process
that published it: events mirrored in from other nodes wake no one here (this node's poll is how it joins a
large fan-out), except in a process that only sends (`airwarn dispatch`), which the deciding processes leave
all of it to. The poll stays the safety net for anything an event does not say."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airwarn.bus.memory import Hub

#: Alert identifiers whose jobs the expander was already asked about (the newest this many).
REMEMBERED = 4096


class Wakeups:
    """Decides, event by event, whom to wake (`claim`, `expand`)."""

    def __init__(self) -> None:
        self._told: OrderedDict[str, None] = OrderedDict()

    def on(self, payload: dict[str, Any]) -> tuple[bool, bool]:
        """(wake the claim loop, kick the expander) for one event."""
        if payload.get("delivery") == "issued":  # the live hand-off, right after the commit with its jobs
            identifier = payload.get("identifier")
            if isinstance(identifier, str):
                self._remember(identifier)
            return False, True  # the live row is delivered already; the use case's own event follows
        alerts = payload.get("alerts")
        if not isinstance(alerts, list):  # an event that does not say what it issued: ask both
            return True, True
        ids = [a.get("identifier") if isinstance(a, dict) else None for a in alerts]
        fresh = [i for i in ids if not (isinstance(i, str) and i in self._told)]
        for i in fresh:
            if isinstance(i, str):
                self._remember(i)
        return bool(ids), bool(fresh)  # nothing issued: no row and no job was written

    def _remember(self, identifier: str) -> None:
        self._told[identifier] = None
        self._told.move_to_end(identifier)
        while len(self._told) > REMEMBERED:
            self._told.popitem(last=False)


async def watch(hub: Hub, wake: asyncio.Event, kick: asyncio.Event, *, any_origin: bool = False) -> None:
    """Set `wake` and `kick` as `Wakeups` decides, for every event this process published (`any_origin`: for
    every event, wherever it was published: a process that only sends, `airwarn dispatch`)."""
    wakeups = Wakeups()
    async for event in hub.listen():
        if not (event.local or any_origin):
            continue
        claim, expand = wakeups.on(event.payload)
        if expand:
            kick.set()
        if claim:
            wake.set()
