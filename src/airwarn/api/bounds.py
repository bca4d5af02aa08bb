"""Input types with the bounds the store and the clock can hold, so extreme values get a 422 naming the field
instead of overflowing later (year 1 at -14:00 has no UTC instant; SQLite integers stop at 2**63-1)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator, AwareDatetime

#: Times the system accepts at all (reports of real events; far-future ones are refused later by policy).
EARLIEST_YEAR = 1970
LATEST_YEAR = 2200
#: Largest id or offset a query may name (a signed 64-bit integer, as every supported database stores it).
MAX_INT64 = 2**63 - 1


def _sane(value: datetime) -> datetime:
    try:
        in_utc = value.astimezone(UTC) if value.tzinfo is not None else value
    except (OverflowError, ValueError):
        raise ValueError(f"time out of range: between {EARLIEST_YEAR} and {LATEST_YEAR}") from None
    if not EARLIEST_YEAR <= in_utc.year <= LATEST_YEAR:
        raise ValueError(f"time out of range: between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


#: An ISO 8601 time between 1970 and 2200 (with or without an offset, as the field allowed before).
Instant = Annotated[datetime, AfterValidator(_sane)]
#: The same, with a required UTC offset.
AwareInstant = Annotated[AwareDatetime, AfterValidator(_sane)]


def seq_query(default: int, description: str) -> int:
    """A non-negative 64-bit integer query parameter (a sequence number, an offset)."""
    return Query(default, ge=0, le=MAX_INT64, description=description)  # type: ignore[no-any-return]
