from __future__ import annotations

import numpy as np
import pytest

from airwarn.errors import InvalidInput
from airwarn.shelters.graph import WalkGraph
from tests.unit.shelters.helpers import LAT0, LON0, index, lonlat, street


def _at(idx, x: float, y: float, **kw):  # type: ignore[no-untyped-def]
    lon, lat = lonlat(x, y)
    return idx.nearest(lat, lon, **kw)


def test_a_person_one_and_a_half_metres_from_the_door_is_one_and_a_half_metres() -> None:
    idx = index(street(), [(200.0, 0.0)])
    assert _at(idx, 201.5, 0.0)["distance_m"] == pytest.approx(1.5, abs=0.01)  # along the street
    assert _at(idx, 200.0, 1.5)["distance_m"] == pytest.approx(1.5, abs=0.01)  # beside the street
    assert _at(idx, 150.0, 0.0)["distance_m"] == pytest.approx(50.0, abs=0.01)  # mid-edge, not node


def test_door_off_the_street_is_reached_directly_when_nearer_than_the_street() -> None:
    idx = index(street(), [(200.0, 10.0)])
    assert _at(idx, 200.0, 8.5)["distance_m"] == pytest.approx(1.5, abs=0.01)
    assert _at(idx, 260.0, 0.0)["distance_m"] == pytest.approx(70.0, abs=0.01)  # 60 along + 10 in


def test_short_by_metres_and_seconds() -> None:
    idx = index(street(), [(100.0, 0.0)], warning_s=60.0, entry_s=0.0)
    r = _at(idx, 173.5, 0.0, speed_m_s=1.2)
    assert r["distance_m"] == pytest.approx(73.5, abs=0.01)
    assert r["walk_s"] == pytest.approx(61.25, abs=0.01)
    assert r["reachable"] is False
    assert r["short_by_m"] == pytest.approx(1.5, abs=0.01)
    assert r["short_by_s"] == pytest.approx(1.25, abs=0.01)
    ok = _at(idx, 172.0, 0.0, speed_m_s=1.2)
    assert ok["reachable"] is True and ok["short_by_m"] == 0 and ok["short_by_s"] == 0


def test_entry_time_and_elderly_speed_count() -> None:
    idx = index(street(), [(100.0, 0.0)], warning_s=60.0, entry_s=10.0)
    r = _at(idx, 140.0, 0.0, speed_m_s=0.8)  # 50 s walk + 10 s entry = exactly the warning
    assert r["walk_s"] == pytest.approx(60.0, abs=0.01) and r["reachable"] is True
    r = _at(idx, 141.5, 0.0, speed_m_s=0.8)
    assert r["short_by_m"] == pytest.approx(1.5, abs=0.01)


def test_closed_shelters_are_skipped_and_route_is_lonlat_linestring() -> None:
    idx = index(street(), [(100.0, 0.0), (300.0, 0.0)], open_flags=[False, True])
    r = _at(idx, 120.0, 0.0)
    assert r["shelter"]["id"] == "S1" and r["distance_m"] == pytest.approx(180.0, abs=0.01)
    coords = r["route"]["coordinates"]
    assert r["route"]["type"] == "LineString"
    assert coords[0] == pytest.approx(list(lonlat(120.0, 0.0)), abs=1e-6)
    assert coords[-1] == pytest.approx([r["shelter"]["lon"], r["shelter"]["lat"]], abs=1e-6)


def test_safe_room_alternative_when_no_shelter_is_reachable() -> None:
    idx = index(street(), [(0.0, 0.0)], [(390.0, 5.0, 20.0)], warning_s=30.0)
    r = _at(idx, 380.0, 0.0)
    assert r["reachable"] is False
    alt = r["alternative"]
    assert alt["kind"] == "safe_room" and alt["building"]["id"] == "B0"
    assert alt["distance_m"] == pytest.approx(15.0, abs=0.01)
    assert _at(idx, 5.0, 0.0)["alternative"] is None


def test_point_outside_the_graph_and_bad_input_name_the_field() -> None:
    idx = index(street(), [(100.0, 0.0)])
    with pytest.raises(InvalidInput) as err:
        _at(idx, 100.0, 5000.0)
    assert err.value.field == "lat,lon"
    with pytest.raises(InvalidInput) as err:
        idx.nearest(95.0, 25.0)
    assert err.value.field == "lat"
    with pytest.raises(InvalidInput) as err:
        _at(idx, 100.0, 0.0, speed_m_s=0.0)
    assert err.value.field == "speed"


def _street_and_island(island_y: float) -> WalkGraph:
    """A 400 m street along y=0 and a stray 2-node path (no shelter) parallel to it at ``island_y``."""
    xs = np.array([0.0, 100.0, 200.0, 300.0, 400.0, 150.0, 250.0])
    ys = np.array([0.0, 0.0, 0.0, 0.0, 0.0, island_y, island_y])
    return WalkGraph(xs, ys, np.array([0, 1, 2, 3, 5]), np.array([1, 2, 3, 4, 6]), LAT0, LON0, sample_m=5.0)


def test_a_nearer_island_never_wins_the_snap_over_a_connected_street() -> None:
    idx = index(_street_and_island(10.0), [(0.0, 0.0)])
    r = _at(idx, 200.0, 8.0)  # 2 m from the island, 8 m from the street
    assert r["shelter"]["id"] == "S0" and "reason" not in r
    assert r["snap_m"] == pytest.approx(8.0, abs=0.01)
    assert r["distance_m"] == pytest.approx(208.0, abs=0.01)


def test_no_reachable_street_within_the_limit_says_why() -> None:
    idx = index(_street_and_island(600.0), [(0.0, 0.0)])
    r = _at(idx, 200.0, 590.0)  # 10 m from the island, 590 m from the street (limit 500)
    assert r["shelter"] is None and r["distance_m"] is None and r["reachable"] is False
    assert "piece of 2 nodes" in r["reason"] and "500 m" in r["reason"]


def test_doors_are_joined_to_the_network_not_to_a_nearer_island() -> None:
    g, nodes = _street_and_island(10.0).with_points(np.array([200.0]), np.array([8.0]), min_component_nodes=3)
    labels, sizes = g.components()
    assert sizes[labels[int(nodes[0])]] == sizes.max()
    assert g.length_m[(g.seg_a == nodes[0]) | (g.seg_b == nodes[0])].tolist() == pytest.approx([8.0])
