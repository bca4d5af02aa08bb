"""Two bearings from two sensors: where their rays cross, and how well that crossing is known."""

from __future__ import annotations

import math
from dataclasses import dataclass

from airwarn.tracks.classes import ThreatClass

#: Rays crossing at less than this angle give a fix too long along the rays to be worth a track.
MIN_CROSSING_DEG = 12.0


@dataclass(frozen=True)
class Bearing:
    sensor: str
    x: float  # sensor position in the local frame, metres
    y: float
    theta: float  # compass bearing in radians
    sigma: float  # its standard deviation in radians
    range_m: float
    t_s: float
    threat_class: ThreatClass = ThreatClass.UNKNOWN
    confidence: float = 0.5


@dataclass(frozen=True)
class Fix:
    x: float
    y: float
    sd_m: float


def intersect(a: Bearing, b: Bearing) -> Fix | None:
    """The crossing of a's and b's rays in front of both sensors and within both ranges, or None."""
    ua = (math.sin(a.theta), math.cos(a.theta))
    ub = (math.sin(b.theta), math.cos(b.theta))
    denom = ua[0] * ub[1] - ua[1] * ub[0]  # sine of the crossing angle
    if abs(denom) < math.sin(math.radians(MIN_CROSSING_DEG)):
        return None
    dx, dy = b.x - a.x, b.y - a.y
    la = (dx * ub[1] - dy * ub[0]) / denom
    lb = (dx * ua[1] - dy * ua[0]) / denom
    if la <= 0 or lb <= 0 or la > a.range_m * 1.2 or lb > b.range_m * 1.2:
        return None
    sd = math.hypot(la * a.sigma, lb * b.sigma) / abs(denom)
    return Fix(a.x + la * ua[0], a.y + la * ua[1], max(sd, 50.0))
