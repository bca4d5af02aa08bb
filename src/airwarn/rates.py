"""Request rates as settings write them: "120/minute", "30/10min", "5/s", or "unlimited"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from airwarn.errors import InvalidInput

_UNITS = {"s": 1.0, "second": 1.0, "m": 60.0, "min": 60.0, "minute": 60.0, "h": 3600.0, "hour": 3600.0}
_RATE = re.compile(r"^\s*(\d{1,9})\s*/\s*(\d{1,6}(?:\.\d{1,6})?)?\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Rate:
    """`count` requests per `period_s`, as a bucket of `count` that refills evenly over `period_s`."""

    count: int
    period_s: float

    @classmethod
    def parse(cls, text: str, *, field: str = "rate") -> Rate | None:
        """`"120/minute"`, `"10/5s"`, `"1000/hour"`; `"unlimited"` gives None (no limit)."""
        if text.strip().lower() == "unlimited":
            return None
        found = _RATE.match(text.lower())
        if not found or found[3] not in _UNITS or int(found[1]) < 1:
            raise InvalidInput(f"a rate is COUNT/UNIT (e.g. 120/minute, 10/5s) or 'unlimited', not {text!r}",
                               field=field)
        span = float(found[2]) if found[2] else 1.0
        if span <= 0:
            raise InvalidInput(f"a rate's period must be positive, not {text!r}", field=field)
        return cls(int(found[1]), span * _UNITS[found[3]])

    def __str__(self) -> str:
        return f"{self.count} per {self.period_s:g} s"
