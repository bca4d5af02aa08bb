"""Corridors, ETAs and the warning board: pre-alert ahead, alert within the warning time, clear after quiet."""

from __future__ import annotations

import numpy as np
import pytest

from airwarn.tracks.board import Board, BoardConfig, Level, Threat
from airwarn.tracks.classes import ThreatClass
from airwarn.tracks.forecast import DistrictIndex, Eta, ForecastConfig, etas
from airwarn.tracks.frame import LocalFrame
from airwarn.tracks.tracker import Tracker
from tests.fixtures.territory import small_territory

FRAME = LocalFrame(49.75, 40.0)


@pytest.fixture(scope="module")
def index() -> DistrictIndex:
    return DistrictIndex(small_territory(), FRAME)


def _eastbound(x: float, y: float, speed: float = 50.0) -> object:
    tracker = Tracker(FRAME)
    track = tracker._new_track(x, y, 300.0, 0.0, ThreatClass.SHAHED)
    track.kf.x[2:, 0] = (speed, 0.0)
    track.kf.P = np.diag([300.0**2, 300.0**2, 3.0**2, 3.0**2])
    track.threat_class = ThreatClass.SHAHED
    return track


def test_an_eastbound_drone_reaches_the_districts_ahead_in_order_and_not_those_behind(index: DistrictIndex) -> None:
    x, y = FRAME.point_xy(49.75, 40.2)  # over Chertkovsky's northern neighbour line, heading east
    _, found = etas(_eastbound(x, y), index, ForecastConfig())  # type: ignore[arg-type]
    by = {e.district: e for e in found}
    upper_don, sholokhovsky = by["RU-ROS-VERKHNEDONSKOY"], by["RU-ROS-SHOLOKHOVSKY"]
    assert upper_don.earliest_s < sholokhovsky.earliest_s
    # 0.3° of longitude at 49.75° N is about 21.6 km; the fastest a Shahed-type flies is 62 m/s
    assert upper_don.earliest_s == pytest.approx(21_600 / 62, rel=0.15)
    assert upper_don.latest_s > upper_don.earliest_s
    assert "RU-PNZ-PENZA" not in by and "RU-ROS-MILLEROVSKY" not in by


def test_the_corridor_widens_with_heading_uncertainty(index: DistrictIndex) -> None:
    x, y = FRAME.point_xy(49.75, 40.2)
    sure = _eastbound(x, y)
    unsure = _eastbound(x, y)
    unsure.kf.P[3, 3] = 25.0**2  # type: ignore[attr-defined]  # unsure of the north–south speed
    cone_sure, _ = etas(sure, index, ForecastConfig())  # type: ignore[arg-type]
    cone_unsure, _ = etas(unsure, index, ForecastConfig())  # type: ignore[arg-type]
    assert cone_unsure.area > 2 * cone_sure.area


def _threat(district: str, earliest_s: float, track: str = "T1", inside: bool = False) -> Threat:
    region = district.rsplit("-", 1)[0]
    return Threat(track, ThreatClass.SHAHED, (Eta(district, region, earliest_s, earliest_s * 1.5, inside),))


def test_the_board_escalates_at_once_never_steps_down_while_threatened_and_clears_after_quiet(
    index: DistrictIndex,
) -> None:
    board = Board(index, BoardConfig(pre_alert_s=1_200, alert_margin_s=120, clear_after_s=600))
    d = "RU-ROS-VERKHNEDONSKOY"  # warning time 90 s (Rostov)
    assert board.assess(0, [_threat(d, 2_000)]) == []  # too far yet
    [pre] = board.assess(10, [_threat(d, 1_000)])
    assert (pre.district, pre.level, pre.regime) == (d, "pre_alert", "drone_hazard")
    assert board.assess(20, [_threat(d, 900)]) == []  # still a pre-alert: nothing new
    [alert] = board.assess(30, [_threat(d, 200)])  # within 90 s + 120 s
    assert alert.level == "alert" and board.level_of(d) is Level.ALERT
    assert board.assess(40, [_threat(d, 1_000)]) == []  # it turned a little: no step down
    assert board.assess(500, []) == []  # quiet, but not for long enough
    [clear] = board.assess(700, [])
    assert clear.level == "clear" and board.level_of(d) is Level.NONE


def test_a_missile_anywhere_in_the_district_makes_it_a_missile_alert(index: DistrictIndex) -> None:
    board = Board(index)
    d = "RU-ROS-SHOLOKHOVSKY"
    missile = Threat("T2", ThreatClass.CRUISE_MISSILE, (Eta(d, "RU-ROS", 100, 150, False),))
    [change] = board.assess(0, [_threat(d, 100), missile])
    assert change.regime == "missile_hazard" and change.tracks == ("T1", "T2")


def test_the_outlook_lists_districts_soonest_first_with_the_level_due_and_the_level_reached(
    index: DistrictIndex,
) -> None:
    board = Board(index, BoardConfig(pre_alert_s=1_200, alert_margin_s=120))
    upper_don, sholokhovsky = "RU-ROS-VERKHNEDONSKOY", "RU-ROS-SHOLOKHOVSKY"  # warning time 90 s
    threats = [_threat(upper_don, 1_000, "T1"), _threat(sholokhovsky, 2_000, "T1"), _threat(upper_don, 150, "T2")]
    before = board.outlook(threats)
    assert [(o.district, o.due, o.level) for o in before] == [
        (upper_don, Level.ALERT, Level.NONE), (sholokhovsky, Level.NONE, Level.NONE)]
    assert before[0].tracks == ("T1", "T2")
    assert (before[0].earliest_s, before[0].latest_s) == (150, 225)  # the first arrival: T2's window
    board.assess(0, threats)
    after = board.outlook(threats)
    assert after[0].level is Level.ALERT and board.outlook([]) == []


def test_the_engine_ages_etas_to_now_and_keeps_the_path_behind_each_track() -> None:
    from airwarn.tracks.engine import TrackingEngine
    from airwarn.tracks.track import TrackState

    engine = TrackingEngine(small_territory(), frame=FRAME)
    x, y = FRAME.point_xy(49.75, 40.2)
    track = engine.tracker._new_track(x, y, 300.0, 0.0, ThreatClass.SHAHED)
    track.kf.x[2:, 0] = (50.0, 0.0)
    track.kf.P = np.diag([300.0**2, 300.0**2, 3.0**2, 3.0**2])
    track.threat_class, track.state = ThreatClass.SHAHED, TrackState.CONFIRMED
    engine.tick(0.0)
    fresh = {o.district: o for o in engine.outlook(0.0)}
    later = {o.district: o for o in engine.outlook(60.0)}  # the same forecast, a minute on
    d = "RU-ROS-SHOLOKHOVSKY"
    assert later[d].earliest_s == pytest.approx(fresh[d].earliest_s - 60)
    assert later[d].latest_s == pytest.approx(fresh[d].latest_s - 60)
    [snap] = engine.snapshot(60.0)
    assert snap["history"]["type"] == "LineString" and len(snap["history"]["coordinates"]) == 2  # kept + now
    eta = next(e for e in snap["etas"] if e["district"] == d)
    assert eta["earliest_s"] == round(later[d].earliest_s) and eta["due"] in ("none", "pre_alert", "alert")


@pytest.mark.parametrize("heading_deg", [0.0, 45.0, 90.0, 135.0, 200.0])
def test_etas_take_the_distance_to_each_districts_part_inside_the_corridor(index: DistrictIndex,
                                                                           heading_deg: float) -> None:
    """The nearest-point shortcut gives what the polygon overlay gives, for districts wholly and partly inside."""
    import shapely

    from airwarn.tracks.forecast import corridor, speed_band

    x, y = FRAME.point_xy(49.6, 40.3)
    track = _eastbound(x, y)
    vx = 50.0 * np.sin(np.radians(heading_deg))
    vy = 50.0 * np.cos(np.radians(heading_deg))
    track.kf.x[2:, 0] = (vx, vy)  # type: ignore[attr-defined]
    track.kf.P[2, 2] = track.kf.P[3, 3] = 12.0**2  # type: ignore[attr-defined]  # a wide fan: many partial cuts
    config = ForecastConfig()
    cone, found = etas(track, index, config)  # type: ignore[arg-type]
    assert found
    fastest = speed_band(track)[1]  # type: ignore[arg-type]
    here = shapely.Point(x, y)
    assert cone.equals(corridor(track, config))  # type: ignore[arg-type]
    for eta in found:
        shape = index.by_code[eta.district].shape
        overlay = 0.0 if shape.contains(here) else shapely.distance(here, shapely.intersection(shape, cone))
        assert eta.earliest_s == pytest.approx(overlay / fastest, abs=1e-6)
