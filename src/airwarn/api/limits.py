"""Limits on what one client may ask: body size (413), request rates per address and per token (429 with
Retry-After), and a lockout of addresses that keep presenting bad tokens (audited once per lockout).

`RateLimiter` is a plain token bucket per key, usable anywhere (subscriptions use it per phone number too);
`Limits` holds the named limits a node enforces, built from settings; `RateLimits` is the ASGI middleware that
applies them to routes by method and path. Counts live in the node's memory: with several nodes behind a
balancer each node limits on its own (a client gets at most nodes × the rate).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airwarn.errors import RateLimited
from airwarn.rates import Rate
from airwarn.settings import Settings

log = logging.getLogger("airwarn.limits")


class RateLimiter:
    """Token buckets per key (an address, a token's hash, a phone number); thread-safe, bounded in memory.

    `hit(key)` takes one token and returns 0.0, or returns how many seconds until one is available (and takes
    nothing). Past `max_keys` the least recently used keys are forgotten (a forgotten key starts full).
    """

    def __init__(self, rate: Rate, *, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key → (tokens, at)
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        per_token_s = self.rate.period_s / self.rate.count
        with self._lock:
            now = self.clock()
            tokens, at = self._buckets.pop(key, (float(self.rate.count), now))
            tokens = min(float(self.rate.count), tokens + (now - at) / per_token_s)
            wait_s = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait_s = (1.0 - tokens) * per_token_s
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return wait_s

    def check(self, key: str, what: str) -> None:
        """`hit`, raising RateLimited (429 with Retry-After) when the key is over its rate."""
        wait_s = self.hit(key)
        if wait_s > 0:
            raise RateLimited(f"too many {what}: at most {self.rate}; retry after {math.ceil(wait_s)} s",
                              retry_after_s=math.ceil(wait_s))


class Lockout:
    """Addresses that fail `failures` times within `window_s` are locked for `lock_s`.

    `fail(address)` returns True exactly once per lockout (when it begins), so the caller audits and logs it once.
    """

    def __init__(self, failures: int, window_s: float, lock_s: float, *, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failures, self.window_s, self.lock_s = failures, window_s, lock_s
        self.max_keys = max_keys
        self.clock = clock
        self._seen: OrderedDict[str, list[float]] = OrderedDict()
        self._locked: dict[str, float] = {}  # address → unlocked at
        self._lock = threading.Lock()

    def locked_for(self, address: str) -> float:
        """Seconds this address stays locked (0.0 when it is not)."""
        with self._lock:
            until = self._locked.get(address)
            if until is None:
                return 0.0
            left = until - self.clock()
            if left <= 0:
                del self._locked[address]
                return 0.0
            return left

    def fail(self, address: str) -> bool:
        with self._lock:
            now = self.clock()
            if self._locked.get(address, 0.0) > now:
                return False
            recent = [t for t in self._seen.pop(address, []) if now - t < self.window_s]
            recent.append(now)
            if len(recent) >= self.failures:
                self._locked[address] = now + self.lock_s
                return True
            self._seen[address] = recent
            while len(self._seen) > self.max_keys:
                self._seen.popitem(last=False)
            return False


def token_key(token: str) -> str:
    """The key a token is counted under (its hash: the token itself is never kept)."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}  # paths that take bigger bodies (detection batches)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope.get("path", ""), self.max_bytes)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(send, limit)
            return
        seen = 0
        too_big = False

        async def limited() -> Message:
            nonlocal seen, too_big
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    too_big = True
                    return {"type": "http.disconnect"}
            return message

        started = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if too_big and not started:
                started = True
                await self._reject(send, limit)
                return
            if too_big:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, limited, guarded_send)

    async def _reject(self, send: Send, limit: int) -> None:
        await _send_json(send, 413, {"error": "too_large", "message": f"request body over {limit} bytes"}, [])


@dataclass(frozen=True)
class Rule:
    """Requests of `method` whose path matches `path` count against the limits named `name`.address and
    `name`.token (each applies when configured)."""

    method: str
    path: re.Pattern[str]
    name: str
    what: str


#: The public and write routes with their own limits (the general per-address and per-token limits cover all).
RULES: tuple[Rule, ...] = (
    Rule("POST", re.compile(r"^/api/v1/reports/?$"), "reports", "reports"),
    Rule("POST", re.compile(r"^/api/v1/messages/?$"), "messages", "messages"),
    Rule("POST", re.compile(r"^/api/v1/detections/?$"), "reports", "detections"),
    Rule("POST", re.compile(r"^/api/v1/subscriptions(/.*)?$"), "subscriptions", "subscription requests"),
)


class Limits:
    """The named rate limits and the bad-token lockout of one node, from settings (see `Settings.rate_*`)."""

    def __init__(self, rates: dict[str, Rate | None], *, lockout_failures: int, lockout_window_s: float,
                 lockout_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limiters = {name: RateLimiter(rate, clock=clock) for name, rate in rates.items() if rate is not None}
        self.lockout = Lockout(lockout_failures, lockout_window_s, lockout_s, clock=clock)

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """Every `rate_<route>_<per>` setting becomes the limit `<route>.<per>` (`rate_address` → `address`)."""
        rates = {}
        for attr in type(settings).model_fields:
            if attr.startswith("rate_"):
                name = attr.removeprefix("rate_").replace("_", ".", 1)
                rates[name] = Rate.parse(str(getattr(settings, attr)), field=f"AIRWARN_{attr.upper()}")
        return cls(rates, lockout_failures=settings.lockout_failures, lockout_window_s=settings.lockout_window_s,
                   lockout_s=settings.lockout_s)

    def add(self, name: str, rate: Rate | None) -> None:
        """Register (or replace) a named limit, e.g. `subscriptions.phone` by a channel that needs one."""
        if rate is None:
            self.limiters.pop(name, None)
        else:
            self.limiters[name] = RateLimiter(rate)

    def check(self, name: str, key: str, what: str) -> None:
        """Count one request of `key` against the limit `name` (no such limit: nothing happens)."""
        limiter = self.limiters.get(name)
        if limiter is not None:
            limiter.check(key, what)

    def check_locked(self, address: str) -> None:
        left = self.lockout.locked_for(address)
        if left > 0:
            raise RateLimited(f"too many bad tokens from {address}; locked for {math.ceil(left)} s",
                              retry_after_s=math.ceil(left), field="authorization")

    def bad_token(self, address: str) -> bool:
        """Count a bad token from `address`; True when this failure locks it (audit and log it once)."""
        started = self.lockout.fail(address)
        if started:
            log.warning("address %s locked for %g s after %d bad tokens within %g s", address,
                        self.lockout.lock_s, self.lockout.failures, self.lockout.window_s)
        return started


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def bearer_token(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() or None if scheme.lower() == "bearer" else None
    return None


class RateLimits:
    """ASGI middleware: per-address and per-token rates on every request, the route rules, and the lockout of
    an address for requests that carry a token. Answers 429 JSON with Retry-After."""

    def __init__(self, app: ASGIApp, limits: Limits, rules: tuple[Rule, ...] = RULES) -> None:
        self.app = app
        self.limits = limits
        self.rules = rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            self._check(scope)
        except RateLimited as exc:
            await _send_json(send, 429, exc.to_dict(), [(b"retry-after", str(exc.retry_after_s).encode())])
            return
        await self.app(scope, receive, send)

    def _check(self, scope: Scope) -> None:
        address = client_address(scope)
        token = bearer_token(scope)
        if token is not None:
            self.limits.check_locked(address)
        self.limits.check("address", address, "requests from this address")
        if token is not None:
            self.limits.check("token", token_key(token), "requests with this token")
        method, path = scope["method"], scope["path"]
        for rule in self.rules:
            if rule.method == method and rule.path.match(path):
                self.limits.check(f"{rule.name}.address", address, f"{rule.what} from this address")
                if token is not None:
                    self.limits.check(f"{rule.name}.token", token_key(token), f"{rule.what} with this token")


async def _send_json(send: Send, status: int, body: object, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), *headers]})
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})
