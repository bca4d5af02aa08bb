"""A running node switches to a new territory version without a restart.

An import through this node's API switches it at once; any other import (the CLI on the database,
another node) is noticed by :func:`watch`, which compares the stored version with the node's every
``interval_s`` seconds and reloads. Everything that holds the territory is switched together.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from airwarn.domain.territory import Territory
from airwarn.service_layer.deps import Deps
from airwarn.territory.versions import load_stored, stored_version

log = logging.getLogger("airwarn.territory")

#: How often (s) a node looks for a territory version stored by someone else.
WATCH_INTERVAL_S = 1.0


def switch(deps: Deps, territory: Territory, *holders: Any) -> None:
    """Make ``territory`` the node's: use cases, the fan-out and any other holder (the shelter service)."""
    deps.territory = territory
    for holder in (deps.fanout, *holders):
        if hasattr(holder, "territory"):
            holder.territory = territory


def refresh(deps: Deps, *holders: Any) -> bool:
    """Load and switch to the stored territory if its version differs from the node's; True if switched."""
    stored = stored_version(deps.uow)
    if not stored or stored == deps.territory.version:
        return False
    territory = load_stored(deps.uow)
    if territory is None:
        return False
    switch(deps, territory, *holders)
    log.info("territory switched to version %s", territory.version)
    territory.shape_ahead()  # its regions start unshaped: shape them before a region-wide alert comes
    return True


async def watch(deps: Deps, stop: asyncio.Event, *holders: Any, interval_s: float | None = None) -> None:
    """Until ``stop``: look for a newer stored version every ``interval_s`` (default WATCH_INTERVAL_S)."""
    interval_s = WATCH_INTERVAL_S if interval_s is None else interval_s
    while not stop.is_set():
        try:
            await asyncio.to_thread(refresh, deps, *holders)
        except Exception:  # a database hiccup must not stop the node; the next round tries again
            log.exception("checking the territory version failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)


async def follow(deps: Deps, hub: Any, *holders: Any) -> None:
    """Switch as soon as the bus announces a ``territory`` event (another node imported a version).

    The periodic :func:`watch` stays as the fallback for imports that announce nothing (the CLI).
    """
    async for event in hub.listen():
        if event.topic != "territory":
            continue
        try:
            await asyncio.to_thread(refresh, deps, *holders)
        except Exception:  # the watcher will try again within a second
            log.exception("switching to the announced territory version failed")
