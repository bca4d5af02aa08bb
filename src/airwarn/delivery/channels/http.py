"""HTTP POST for the webhook, SMS and Web Push channels, on aiohttp.

httpx's connection pool rescans every connection for every queued request; with hundreds of deliveries in
flight that made the dispatcher CPU-bound at ~150 requests/s on this machine, where aiohttp's connector
does ~1,500/s. One session per event loop, created on first use; `aclose` when the dispatcher stops.
"""

from __future__ import annotations

import asyncio

import aiohttp

from airwarn.delivery.channels.base import DeliveryError


class HttpPoster:
    def __init__(self, timeout_s: float = 5.0, connections: int = 256) -> None:
        self.timeout_s = timeout_s
        self.connections = connections
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _current(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop or self._session.closed:
            self._loop = loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connections, limit_per_host=0),
                timeout=aiohttp.ClientTimeout(total=self.timeout_s))
        return self._session

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST and read the answer; returns the status. No answer in time is a DeliveryError."""
        try:
            async with self._current().post(url, data=body, headers=headers, allow_redirects=False) as r:
                await r.read()
                return r.status
        except TimeoutError:
            raise DeliveryError(f"no answer within {self.timeout_s:g} s") from None
        except aiohttp.ClientError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed and self._loop is asyncio.get_running_loop():
            await self._session.close()
        self._session = None
