"""A small in-memory sliding-window limiter for the subscription endpoints (per client address, per phone
number). Per node; secserver's shared limiter (api/limits.py) can take its place."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

#: Keys kept before expired ones are swept.
SWEEP_AT = 50_000


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._longest_s = 0.0

    def hit(self, key: str, limit: int, window_s: float) -> int | None:
        """Count one use of `key`; None if it is within `limit` per `window_s`, else seconds to wait."""
        now = self.clock()
        with self._lock:
            self._longest_s = max(self._longest_s, window_s)
            if len(self._hits) > SWEEP_AT:
                self._sweep(now, self._longest_s)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - window_s:
                hits.popleft()
            if len(hits) >= limit:
                return max(1, int(hits[0] + window_s - now + 0.999))
            hits.append(now)
            return None

    def _sweep(self, now: float, window_s: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - window_s]:
            del self._hits[key]
