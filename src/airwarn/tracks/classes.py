"""Threat classes and what each may do: speed bands, manoeuvring, and the warning policy per class."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ThreatClass(StrEnum):
    SHAHED = "shahed"  # Shahed/Geran-type propeller drone
    JET_DRONE = "jet_drone"
    CRUISE_MISSILE = "cruise_missile"
    BALLISTIC_MISSILE = "ballistic_missile"
    AIRCRAFT = "aircraft"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Motion:
    """Plausible ground speeds (m/s) and the spectral density of unmodelled acceleration (m²/s³)."""

    min_mps: float
    max_mps: float
    q: float
    regime: str  # the regime a threat of this class brings: drone_hazard or missile_hazard


MOTION: dict[ThreatClass, Motion] = {
    # about 150–200 km/h cruise; slower into a head wind, faster with a tail wind
    ThreatClass.SHAHED: Motion(35.0, 62.0, 0.05, "drone_hazard"),
    ThreatClass.JET_DRONE: Motion(80.0, 180.0, 0.5, "drone_hazard"),
    ThreatClass.CRUISE_MISSILE: Motion(180.0, 280.0, 1.0, "missile_hazard"),
    ThreatClass.BALLISTIC_MISSILE: Motion(500.0, 3000.0, 50.0, "missile_hazard"),
    ThreatClass.AIRCRAFT: Motion(60.0, 300.0, 2.0, "drone_hazard"),
    ThreatClass.UNKNOWN: Motion(20.0, 300.0, 1.0, "drone_hazard"),
}


def vote(guesses: dict[ThreatClass, float]) -> ThreatClass:
    """The class with the most confidence-weighted votes; unknown when nobody guessed."""
    named = {c: w for c, w in guesses.items() if c is not ThreatClass.UNKNOWN and w > 0}
    if not named:
        return ThreatClass.UNKNOWN
    return max(named, key=lambda c: named[c])
