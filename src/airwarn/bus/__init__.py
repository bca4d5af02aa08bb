"""Internal events between the use cases and live listeners: in-memory, or NATS JetStream across nodes."""

from __future__ import annotations

from typing import Any, Protocol

from airwarn.bus.memory import Event, Hub, MemoryBus


class Bus(Protocol):
    hub: Hub

    @property
    def serving(self) -> bool: ...

    def publish(self, topic: str, payload: dict[str, Any]) -> bool: ...

    async def apublish(self, topic: str, payload: dict[str, Any]) -> int: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def make_bus(url: str) -> Bus:
    """`memory://` (one node) or `nats://host:port[?stream=NAME]` (nodes on one stream share events)."""
    if url.startswith("memory:"):
        return MemoryBus()
    if url.startswith(("nats://", "tls://")):
        from airwarn.bus.nats import NatsBus

        return NatsBus(url)
    from airwarn.errors import ConfigError

    raise ConfigError(f"AIRWARN_BUS must be memory:// or nats://host:port, not {url!r}")


__all__ = ["Bus", "Event", "Hub", "MemoryBus", "make_bus"]
