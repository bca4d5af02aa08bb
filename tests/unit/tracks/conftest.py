"""Builders for tracking tests: a frame, sensors on a line, and bearings from a scripted trajectory."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np

from airwarn.tracks.classes import ThreatClass
from airwarn.tracks.detections import Detection
from airwarn.tracks.frame import LocalFrame, bearing_deg
from airwarn.tracks.sensors import Sensor, SensorKind

T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC).timestamp()
FRAME = LocalFrame(49.0, 40.0)


def fence(x_m: float, ys_m: list[float], prefix: str = "s", range_m: float = 4_000.0) -> list[Sensor]:
    """Acoustic sensors on a north–south line at x_m, in the test frame."""
    out = []
    for n, y in enumerate(ys_m):
        lat, lon = FRAME.point_latlon(x_m, y)
        out.append(Sensor(f"{prefix}{n}", SensorKind.ACOUSTIC, lat, lon, range_m, 3.0))
    return out


def bearings(sensors: list[Sensor], path: list[tuple[float, float, float]], *, sd_deg: float = 3.0,
             miss: float = 0.0, seed: int = 1, cls: ThreatClass = ThreatClass.SHAHED) -> list[Detection]:
    """Noisy bearings from every sensor within range of each (t_s, x, y) of a path."""
    rng = np.random.default_rng(seed)
    out = []
    for t, x, y in path:
        for s in sensors:
            sx, sy = FRAME.point_xy(s.lat, s.lon)
            if math.hypot(x - sx, y - sy) > s.range_m or rng.random() < miss:
                continue
            b = float(bearing_deg(x - sx, y - sy)) + rng.normal(0, sd_deg)
            out.append(Detection(s, T0 + t, SensorKind.ACOUSTIC, cls, 0.8, bearing_deg=b % 360, bearing_sd_deg=sd_deg))
    return out


def straight(x0: float, y0: float, vx: float, vy: float, t0: float, t1: float, step: float = 2.0,
             ) -> list[tuple[float, float, float]]:
    return [(t, x0 + vx * (t - t0), y0 + vy * (t - t0)) for t in np.arange(t0, t1, step)]
