"""How long an alert stays in force before it must be renewed: a per-threat policy, CAP `<expires>`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from airwarn.domain.regimes import Level
from airwarn.domain.reports import RegimeKind


def _default_lifetimes() -> dict[str, timedelta]:
    return {
        RegimeKind.DRONE_HAZARD.value: timedelta(hours=2),
        RegimeKind.MISSILE_HAZARD.value: timedelta(hours=1),
        RegimeKind.AIRSPACE_CLOSED.value: timedelta(hours=6),
        # air-raid alerts (docs/lifecycle.md): a stale one must leave the page soon if its all-clear never
        # comes; ballistic ones are over in minutes, drone raids last hours
        RegimeKind.AIR_RAID_ALERT.value: timedelta(hours=1),
        RegimeKind.AIR_RAID_DRONES.value: timedelta(hours=2),
        RegimeKind.AIR_RAID_BALLISTIC_MISSILES.value: timedelta(minutes=30),
        RegimeKind.AIR_RAID_CRUISE_MISSILES.value: timedelta(hours=1),
        RegimeKind.AIR_RAID_GUIDED_BOMBS.value: timedelta(hours=1),
        RegimeKind.AIR_RAID_AIRCRAFT.value: timedelta(hours=1),
        Level.PRE_ALERT.value: timedelta(hours=1),
        "all_clear": timedelta(hours=1),
        "notice": timedelta(hours=12),
    }


@dataclass(frozen=True)
class ExpiryPolicy:
    """Lifetimes by threat (regime kind), for pre-alerts, all-clears/cancels and transport notices.

    An alert whose regime is still in force is renewed by an Update `renew_before` its expiry; an alert
    past its `<expires>` leaves the public page."""

    lifetimes: Mapping[str, timedelta] = field(default_factory=_default_lifetimes)
    renew_before: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        for key, lifetime in self.lifetimes.items():
            if lifetime <= self.renew_before:
                raise ValueError(f"lifetime of {key} ({lifetime}) must exceed renew_before ({self.renew_before})")

    @classmethod
    def from_spec(cls, spec: str, renew_before_s: float = 900) -> ExpiryPolicy:
        """The defaults with some lifetimes changed, e.g. "drone_hazard=7200,pre_alert=1800" (seconds)."""
        lifetimes = _default_lifetimes()
        for part in (p.strip() for p in spec.split(",") if p.strip()):
            key, _, value = part.partition("=")
            key = key.strip()
            if key not in lifetimes:
                raise ValueError(f"unknown lifetime {key!r} (known: {', '.join(sorted(lifetimes))})")
            try:
                seconds = float(value)
            except ValueError:
                raise ValueError(f"lifetime of {key} must be a number of seconds, not {value.strip()!r}") from None
            lifetimes[key] = timedelta(seconds=seconds)
        return cls(lifetimes=lifetimes, renew_before=timedelta(seconds=renew_before_s))

    def lifetime(self, key: str) -> timedelta:
        return self.lifetimes.get(key, self.lifetimes.get(RegimeKind.DRONE_HAZARD.value, timedelta(hours=2)))

    def regime_expires(self, kind: RegimeKind, level: Level, sent: datetime) -> datetime:
        key = Level.PRE_ALERT.value if level is Level.PRE_ALERT else kind.value
        return sent + self.lifetime(key)

    def follow_up_expires(self, sent: datetime) -> datetime:
        """An all-clear or cancel stays on the page this long."""
        return sent + self.lifetime("all_clear")

    def notice_expires(self, sent: datetime) -> datetime:
        return sent + self.lifetime("notice")

    def due(self, expires: datetime | None, now: datetime) -> bool:
        """True when an alert expiring at `expires` must be renewed now."""
        return expires is not None and expires - now <= self.renew_before
