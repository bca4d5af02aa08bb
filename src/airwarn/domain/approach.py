"""What the public may learn from the tracker: for a district where an authorised pre-alert or alert is in
force, about how many minutes until the threat arrives — and nothing else (no tracks, sensors or corridors).

The authority rule of the project is that nothing reaches the public that authorised people did not decide:
the forecast only adds a number to a warning people already issued; where none is in force it says nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

#: Regimes a track can bring; an approaching threat means nothing for an airspace closure.
THREAT_REGIMES = frozenset({"drone_hazard", "missile_hazard"})
LEVELS = ("pre_alert", "alert")


@dataclass(frozen=True)
class IssuedWarning:
    """A regime in force (approved, not lifted): `district` None covers the whole region."""

    kind: str
    region: str
    district: str | None
    level: str  # pre_alert | alert


@dataclass(frozen=True)
class DistrictForecast:
    """The soonest a live track can reach a district, in seconds from now."""

    district: str
    region: str
    earliest_s: float


@dataclass(frozen=True)
class Approach:
    """One line of the public answer: a district under an issued warning, and the minutes the forecast gives."""

    district: str
    region: str
    kind: str
    level: str
    eta_min: int

    def to_dict(self) -> dict[str, object]:
        return {"district": self.district, "region": self.region, "kind": self.kind, "level": self.level,
                "eta_min": self.eta_min}


def eta_minutes(earliest_s: float) -> int:
    """Whole minutes for "about N min", never 0: a threat due within the minute is "about 1 min"."""
    return max(1, round(earliest_s / 60.0))


def public_approach(warnings: Iterable[IssuedWarning], forecasts: Iterable[DistrictForecast],
                    districts_of: Mapping[str, Sequence[str]]) -> list[Approach]:
    """Districts both under an issued drone/missile pre-alert or alert and inside a live forecast, soonest
    first. A forecast for a district nobody warned is dropped; a warning with no forecast gives no line (the
    page falls back to the warning's own text). `districts_of` maps a region to its district codes, for
    region-wide warnings."""
    issued: dict[str, tuple[str, str]] = {}  # district → (kind, level): missiles and alerts win
    for w in warnings:
        if w.kind not in THREAT_REGIMES or w.level not in LEVELS:
            continue
        for code in ([w.district] if w.district else districts_of.get(w.region, ())):
            kind, level = issued.get(code, (w.kind, w.level))
            issued[code] = ("missile_hazard" if "missile_hazard" in (kind, w.kind) else kind,
                            "alert" if "alert" in (level, w.level) else level)
    soonest: dict[str, DistrictForecast] = {}
    for f in forecasts:
        if f.district in issued and (f.district not in soonest or f.earliest_s < soonest[f.district].earliest_s):
            soonest[f.district] = f
    out = [Approach(f.district, f.region, *issued[f.district], eta_minutes(f.earliest_s))
           for f in soonest.values()]
    return sorted(out, key=lambda a: (a.eta_min, a.district))
