"""The tracker on scripted trajectories: triangulation, association, motion, track life."""

from __future__ import annotations

import math

import numpy as np
import pytest

from airwarn.tracks.classes import ThreatClass
from airwarn.tracks.detections import Detection
from airwarn.tracks.sensors import Sensor, SensorKind
from airwarn.tracks.track import TrackState
from airwarn.tracks.tracker import Tracker
from airwarn.tracks.triangulate import Bearing, intersect
from tests.unit.tracks.conftest import FRAME, T0, bearings, fence, straight


def test_two_bearings_cross_where_the_target_is() -> None:
    a = Bearing("a", 0, 0, math.radians(45), math.radians(2), 5_000, 0)
    b = Bearing("b", 2_000, 0, math.radians(315), math.radians(2), 5_000, 0)
    fix = intersect(a, b)
    assert fix is not None
    assert fix.x == pytest.approx(1_000, abs=1) and fix.y == pytest.approx(1_000, abs=1)


@pytest.mark.parametrize("theta_b", [45.0, 46.0, 225.0])  # parallel, nearly parallel, pointing away
def test_rays_that_do_not_cross_in_front_of_both_give_no_fix(theta_b: float) -> None:
    a = Bearing("a", 0, 0, math.radians(45), math.radians(2), 5_000, 0)
    b = Bearing("b", 2_000, 0, math.radians(theta_b), math.radians(2), 5_000, 0)
    assert intersect(a, b) is None


def test_a_drone_crossing_a_fence_becomes_one_confirmed_track_with_its_velocity() -> None:
    sensors = fence(0.0, [-6_000, -3_000, 0, 3_000, 6_000])
    path = straight(-5_000, 500, 50.0, 0.0, 0, 200)  # east at 50 m/s (180 km/h)
    tracker = Tracker(FRAME)
    tracker.ingest(bearings(sensors, path))
    [track] = [t for t in tracker.tracks.values() if t.state is TrackState.CONFIRMED]
    assert track.speed_mps == pytest.approx(50, abs=8)
    assert track.heading_deg == pytest.approx(90, abs=8)
    t_last, x_true, y_true = path[-1]
    (x, y), (vx, vy) = track.xy, track.velocity  # where the track expects the drone when the path ends
    dt = T0 + t_last - track.t_s
    assert math.hypot(x + vx * dt - x_true, y + vy * dt - y_true) < 1_000
    assert track.threat_class is ThreatClass.SHAHED


def test_missed_detections_and_false_bearings_are_tolerated() -> None:
    sensors = fence(0.0, [-6_000, -3_000, 0, 3_000, 6_000])
    real = bearings(sensors, straight(-5_000, -800, 45.0, 10.0, 0, 220), miss=0.4, seed=3)
    rng = np.random.default_rng(9)
    noise = [Detection(sensors[int(rng.integers(0, 5))], T0 + float(rng.uniform(0, 220)), SensorKind.ACOUSTIC,
                       ThreatClass.UNKNOWN, 0.3, bearing_deg=float(rng.uniform(0, 360)), bearing_sd_deg=3.0)
             for _ in range(15)]
    tracker = Tracker(FRAME)
    tracker.ingest(real + noise)
    confirmed = [t for t in tracker.tracks.values() if t.state is TrackState.CONFIRMED]
    assert len(confirmed) == 1
    assert confirmed[0].heading_deg == pytest.approx(math.degrees(math.atan2(45, 10)), abs=12)


def test_two_drones_far_apart_are_two_tracks() -> None:
    sensors = fence(0.0, [-30_000, -27_000, -24_000, 24_000, 27_000, 30_000])
    path_a = straight(-5_000, -27_000, 50.0, 0.0, 0, 200)
    path_b = straight(5_000, 27_000, -50.0, 0.0, 0, 200)
    tracker = Tracker(FRAME)
    tracker.ingest(bearings(sensors, path_a, seed=1) + bearings(sensors, path_b, seed=2))
    confirmed = sorted((t for t in tracker.tracks.values() if t.state is TrackState.CONFIRMED), key=lambda t: t.xy[1])
    assert len(confirmed) == 2
    assert confirmed[0].heading_deg == pytest.approx(90, abs=10)
    assert confirmed[1].heading_deg == pytest.approx(270, abs=10)


def test_random_bearings_alone_confirm_nothing() -> None:
    sensors = fence(0.0, [-6_000, -3_000, 0, 3_000, 6_000])
    rng = np.random.default_rng(4)
    noise = [Detection(sensors[int(rng.integers(0, 5))], T0 + float(t), SensorKind.ACOUSTIC, ThreatClass.UNKNOWN,
                       0.3, bearing_deg=float(rng.uniform(0, 360)), bearing_sd_deg=3.0) for t in range(0, 600, 10)]
    tracker = Tracker(FRAME)
    tracker.ingest(noise)
    assert not [t for t in tracker.tracks.values() if t.state is TrackState.CONFIRMED]


def test_a_track_is_lost_when_nothing_hears_it_and_destroyed_when_an_observer_sees_it_fall() -> None:
    sensors = fence(0.0, [-3_000, 0, 3_000])
    tracker = Tracker(FRAME)
    tracker.ingest(bearings(sensors, straight(-5_000, 0, 50.0, 0.0, 0, 200)))
    [track] = tracker.tracks.values()
    tracker.retire(T0 + 200 + tracker.config.coast_s + 1)
    assert track.state is TrackState.LOST and not tracker.tracks

    tracker = Tracker(FRAME)
    tracker.ingest(bearings(sensors, straight(-5_000, 0, 50.0, 0.0, 0, 200)))
    [track] = tracker.tracks.values()
    lat, lon = FRAME.point_latlon(5_200, 0)
    post = Sensor("ad-1", SensorKind.OBSERVER, lat, lon, 10_000)
    tracker.ingest([Detection(post, T0 + 210, SensorKind.OBSERVER, ThreatClass.SHAHED, 0.9, lat=lat, lon=lon,
                              destroyed=True)])
    assert track.state is TrackState.DESTROYED and not tracker.tracks


def test_a_radar_plot_with_velocity_starts_a_track_that_later_plots_follow() -> None:
    lat, lon = FRAME.point_latlon(0, 0)
    radar = Sensor("r1", SensorKind.RADAR, lat, lon, 80_000)
    tracker = Tracker(FRAME)
    plots = []
    for k in range(8):
        plat, plon = FRAME.point_latlon(10_000 + 220.0 * 10 * k, 5_000)
        plots.append(Detection(radar, T0 + 10 * k, SensorKind.RADAR, ThreatClass.CRUISE_MISSILE, 0.8, lat=plat,
                               lon=plon, alt_m=50, east_mps=220.0, north_mps=0.0))
    tracker.ingest(plots)
    [track] = tracker.tracks.values()
    assert track.state is TrackState.CONFIRMED or track.hits >= 6
    assert track.speed_mps == pytest.approx(220, abs=20)
    assert track.threat_class is ThreatClass.CRUISE_MISSILE
