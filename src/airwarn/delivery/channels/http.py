"""HTTP POST for the webhook, SMS and Web Push channels, on aiohttp.

httpx's connection pool rescans every connection for every queued request; with hundreds of deliveries in
flight that made the dispatcher CPU-bound at ~150 requests/s on this machine, where aiohttp's connector
does ~1,500/s. One session per event loop, created on first use; `aclose` when the dispatcher stops.

With an `OutboundPolicy` (subscriber-supplied URLs) every URL is checked before it is requested, every
connection goes through the guarded resolver, and redirects (at most `MAX_REDIRECTS`) are followed here,
each one checked the same way. Without one (the administrator's SMS gateway) nothing is followed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urljoin

import aiohttp
from aiohttp.abc import AbstractResolver

from airwarn.delivery.channels.base import DeliveryError, Refused
from airwarn.delivery.outbound import MAX_REDIRECTS, BlockedAddress, GuardedResolver, OutboundPolicy

REDIRECTS = (301, 302, 303, 307, 308)
MAX_ANSWER_BYTES = 65_536


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


class HttpPoster:
    def __init__(self, timeout_s: float = 5.0, connections: int = 256, *,
                 policy: OutboundPolicy | None = None, dns: AbstractResolver | None = None) -> None:
        self.timeout_s = timeout_s
        self.connections = connections
        self.policy = policy
        self.dns = dns  # the resolver the guard asks (default: the system's)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _current(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop or self._session.closed:
            self._loop = loop
            resolver = GuardedResolver(self.policy, self.dns) if self.policy is not None else None
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connections, limit_per_host=0, resolver=resolver),
                timeout=aiohttp.ClientTimeout(total=self.timeout_s), trust_env=False)
        return self._session

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST and read the answer; returns the status. No answer in time is a DeliveryError."""
        return (await self.exchange(url, body, headers)).status

    async def exchange(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        """POST (following checked redirects under a policy) and return the final status and body."""
        hops = MAX_REDIRECTS if self.policy is not None else 0
        for _ in range(hops + 1):
            if self.policy is not None:
                reason = self.policy.why_not(url)
                if reason is not None:
                    raise Refused(reason)
            answer, location = await self._once(url, body, headers)
            if answer.status not in REDIRECTS or self.policy is None:
                return answer
            if not location:
                raise DeliveryError(f"redirect {answer.status} without a Location")
            url = urljoin(url, location)
        raise Refused(f"more than {hops} redirects")

    async def _once(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[Answer, str]:
        try:
            async with self._current().post(url, data=body, headers=headers, allow_redirects=False) as r:
                data = await r.content.read(MAX_ANSWER_BYTES)
                return Answer(r.status, data), r.headers.get("Location", "")
        except TimeoutError:
            raise DeliveryError(f"no answer within {self.timeout_s:g} s") from None
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, BlockedAddress):
                raise Refused(str(exc.os_error)) from None
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
        except aiohttp.ClientError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed and self._loop is asyncio.get_running_loop():
            await self._session.close()
        self._session = None
