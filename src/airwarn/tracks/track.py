"""One track and its life (tentative → confirmed → lost or destroyed), and the tracker's settings."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from filterpy.kalman import ExtendedKalmanFilter

from airwarn.tracks.classes import ThreatClass


class TrackState(StrEnum):
    TENTATIVE = "tentative"
    CONFIRMED = "confirmed"
    LOST = "lost"
    DESTROYED = "destroyed"


@dataclass(frozen=True)
class TrackerConfig:
    gate_sigma: float = 3.5  # association gate in standard deviations
    slice_s: float = 2.0  # detections this close in time are gated together
    pair_window_s: float = 4.0  # two bearings this close in time may be triangulated
    confirm_hits: int = 6
    confirm_sensors: int = 2
    confirm_speed_sd_mps: float = 15.0
    tentative_timeout_s: float = 90.0
    coast_s: float = 900.0  # a confirmed track with no update for this long is lost
    observer_sd_m: float = 1_500.0
    radar_sd_m: float = 300.0
    radar_velocity_sd_mps: float = 10.0
    destroyed_radius_m: float = 5_000.0
    merge_m: float = 1_500.0  # live tracks closer than this …
    merge_mps: float = 15.0  # … moving alike (or with unknown velocity) are one target
    merge_every_s: float = 6.0


@dataclass(eq=False)
class Track:
    id: str
    kf: ExtendedKalmanFilter
    t_s: float
    first_s: float
    state: TrackState = TrackState.TENTATIVE
    hits: int = 1
    sensors: set[str] = field(default_factory=set)
    votes: dict[ThreatClass, float] = field(default_factory=lambda: defaultdict(float))
    last_update_s: float = 0.0
    ended_s: float | None = None

    threat_class: ThreatClass = ThreatClass.UNKNOWN  # the vote of its detections, kept current by the tracker

    @property
    def xy(self) -> tuple[float, float]:
        return float(self.kf.x[0, 0]), float(self.kf.x[1, 0])

    @property
    def velocity(self) -> tuple[float, float]:
        return float(self.kf.x[2, 0]), float(self.kf.x[3, 0])

    @property
    def speed_mps(self) -> float:
        return math.hypot(*self.velocity)

    @property
    def heading_deg(self) -> float:
        vx, vy = self.velocity
        return math.degrees(math.atan2(vx, vy)) % 360.0

    @property
    def position_sd_m(self) -> float:
        return math.sqrt(max(self.kf.P[0, 0], self.kf.P[1, 1]))

    @property
    def speed_sd_mps(self) -> float:
        return math.sqrt(max(self.kf.P[2, 2], self.kf.P[3, 3]))

    @property
    def heading_sd_deg(self) -> float:
        """Heading uncertainty from the velocity covariance across the direction of travel."""
        vx, vy = self.velocity
        speed = math.hypot(vx, vy)
        if speed < 1.0:
            return 180.0
        n = np.array([-vy / speed, vx / speed])  # unit normal to the velocity
        cross_var = float(n @ self.kf.P[2:, 2:] @ n)
        return min(180.0, math.degrees(math.atan2(math.sqrt(max(cross_var, 0.0)), speed)))

    @property
    def live(self) -> bool:
        return self.state in (TrackState.TENTATIVE, TrackState.CONFIRMED)
