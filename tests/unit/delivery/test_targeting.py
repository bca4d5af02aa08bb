"""Geotargeting and preference policy, pure and vectorised."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time

import numpy as np

from airwarn.domain.alerts import MsgType, Severity, Urgency
from airwarn.domain.reports import Status
from airwarn.domain.targeting import (
    Circle,
    Preferences,
    SubscriberIndex,
    allowed_channels,
    always_through,
    grid_cell,
    target,
    threat_kind,
    wants,
)
from tests.unit.delivery.alerts import drone_alert

SQUARE = (((40.0, 48.5), (40.5, 48.5), (40.5, 49.0), (40.0, 49.0), (40.0, 48.5)),)


def test_points_inside_the_polygon_and_chosen_districts_are_targeted() -> None:
    index = SubscriberIndex.build(
        [48.7, 48.7, 50.0, None, 48.99],
        [40.2, 41.0, 40.2, None, 40.49],
        [[], [], [], ["RU-ROS-MILLEROVSKY"], []],
    )
    rows = target(index, polygons=SQUARE, districts=["RU-ROS-MILLEROVSKY"])
    assert rows.tolist() == [0, 3, 4]


def test_circle_uses_great_circle_distance() -> None:
    index = SubscriberIndex.build([48.0, 48.0, 48.0], [40.0, 40.1, 40.2])
    # 0.1° of longitude at 48° N is about 7.4 km
    assert target(index, circles=[Circle(48.0, 40.0, 8_000)]).tolist() == [0, 1]


def test_one_million_subscribers_are_targeted_exactly() -> None:
    """How fast is bench/targeting.py's business; a test on a shared machine only checks the answer."""
    rng = np.random.default_rng(1)
    n = 1_000_000
    index = SubscriberIndex(rng.uniform(47, 52, n), rng.uniform(38, 47, n))
    rows = target(index, polygons=SQUARE)
    inside = (index.lon[rows] >= 40.0) & (index.lon[rows] <= 40.5) & (index.lat[rows] >= 48.5)
    assert inside.all() and 4_000 < rows.size < 7_000


def test_grid_cells_differ_by_a_tenth_of_a_degree() -> None:
    assert grid_cell(48.71, 40.21) != grid_cell(48.81, 40.21)
    assert grid_cell(48.71, 40.21) == grid_cell(48.79, 40.29)


def test_preferences_filter_kinds_severity_and_quiet_hours() -> None:
    alert = drone_alert()  # Severe, Immediate, drone_hazard, sent 02:00 Moscow (23:00 UTC)
    assert threat_kind(alert) == "drone_hazard"
    assert wants(Preferences(), alert, alert.sent)
    assert not wants(Preferences(threat_kinds=("missile_hazard",)), alert, alert.sent)
    assert not wants(Preferences(min_severity=Severity.EXTREME), alert, alert.sent)
    night = Preferences(quiet_start=time(23, 0), quiet_end=time(7, 0), timezone="Europe/Moscow")
    assert not wants(night, alert, alert.sent)
    assert wants(night, alert, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))


def test_actual_extreme_immediate_goes_through_every_preference() -> None:
    alert = drone_alert()
    infos = tuple(replace(i, severity=Severity.EXTREME, urgency=Urgency.IMMEDIATE) for i in alert.infos)
    extreme = replace(alert, infos=infos)
    strict = Preferences(threat_kinds=("airport",), min_severity=Severity.EXTREME,
                         quiet_start=time(0, 0), quiet_end=time(23, 59), timezone="Europe/Moscow")
    assert always_through(extreme) and wants(strict, extreme, extreme.sent)
    exercise = replace(extreme, status=Status.EXERCISE)
    assert not always_through(exercise) and not wants(strict, exercise, exercise.sent)


def test_all_clear_skips_the_severity_filter() -> None:
    clear = replace(drone_alert(), msg_type=MsgType.UPDATE,
                    infos=tuple(replace(i, severity=Severity.MINOR) for i in drone_alert().infos))
    assert wants(Preferences(min_severity=Severity.SEVERE), clear, clear.sent)


def test_restricted_internet_keeps_sms_sirens_and_cap_only() -> None:
    use, why = allowed_channels(["live", "webpush", "sms", "mqtt", "cap", "webhook"], "RU-PNZ", True)
    assert use == ["sms", "mqtt", "cap"] and why == "mobile internet restricted in RU-PNZ"
    assert allowed_channels(["live", "sms"], "RU-PNZ", False) == (["live", "sms"], "")


def _brute(index: SubscriberIndex, rings: tuple) -> set[int]:  # type: ignore[type-arg]
    import shapely
    from shapely.geometry import Polygon

    found: set[int] = set()
    for ring in rings:
        found |= set(np.flatnonzero(shapely.contains_xy(Polygon(ring), index.lon, index.lat)).tolist())
    return found


def test_whole_cell_acceptance_finds_exactly_the_points_a_full_test_finds() -> None:
    from airwarn.territory.io import demo_territory

    territory = demo_territory()
    rng = np.random.default_rng(7)
    n = 200_000
    lat, lon = rng.uniform(45.5, 50.5, n), rng.uniform(37.5, 45.0, n)
    lat[:2000] = np.round(lat[:2000] / 0.05) * 0.05  # on cell edges
    lon[2000:4000] = np.round(lon[2000:4000] / 0.05) * 0.05
    lat[4000:4100] = np.nan  # district-only subscribers
    index = SubscriberIndex(lat, lon)
    concave = (((40.0, 48.0), (42.0, 48.0), (42.0, 50.0), (41.0, 48.6), (40.0, 50.0), (40.0, 48.0)),)
    areas = [territory.regions["RU-ROS"].polygon, territory.districts["RU-ROS-MILLEROVSKY"].polygon,
             concave, SQUARE + territory.districts["RU-ROS-SHOLOKHOVSKY"].polygon]
    for rings in areas:
        rows = target(index, polygons=rings)
        assert rows.tolist() == sorted(_brute(index, rings)) and len(rows) > 100


def test_a_continent_sized_polygon_falls_back_to_testing_points() -> None:
    index = SubscriberIndex(np.array([10.0, 60.0, -5.0]), np.array([10.0, 60.0, 5.0]))
    huge = (((-100.0, 0.0), (100.0, 0.0), (100.0, 80.0), (-100.0, 80.0), (-100.0, 0.0)),)
    assert target(index, polygons=huge).tolist() == [0, 1]
