"""The wheelchair profile: step-free routes, its own speed, shelters marked wheelchair=no left out."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from airwarn.shelters.graph import WalkGraph
from airwarn.shelters.model import WHEELCHAIR_SPEED_M_S
from airwarn.shelters.nearest import NearestIndex
from airwarn.shelters.osm_import import incline_pct, kerb_blocks, step_free
from tests.unit.shelters.helpers import LAT0, LON0, index, lonlat


def _steps_shortcut() -> WalkGraph:
    """0 -(steps, 50 m)- 1, or 0 - 2 - 3 - 1 around (250 m) without steps; 1 - 4 leads on east."""
    xs = np.array([0.0, 50.0, 0.0, 50.0, 150.0])
    ys = np.array([0.0, 0.0, 100.0, 100.0, 0.0])
    a, b = np.array([0, 0, 2, 3, 1]), np.array([1, 2, 3, 1, 4])
    free = np.array([False, True, True, True, True])
    return WalkGraph(xs, ys, a, b, LAT0, LON0, sample_m=5.0, step_free=free)


def _at(idx: NearestIndex, x: float, y: float, **kw):  # type: ignore[no-untyped-def]
    lon, lat = lonlat(x, y)
    return idx.nearest(lat, lon, **kw)


def test_the_wheelchair_route_goes_round_the_steps_at_its_own_speed() -> None:
    idx = index(_steps_shortcut(), [(150.0, 0.0)])
    walk = _at(idx, 0.0, 0.0)
    assert walk["distance_m"] == pytest.approx(150.0, abs=0.01) and walk["profile"] == "default"
    chair = _at(idx, 0.0, 0.0, speed_m_s=WHEELCHAIR_SPEED_M_S, profile="wheelchair")
    assert chair["distance_m"] == pytest.approx(350.0, abs=0.01) and chair["profile"] == "wheelchair"
    assert chair["walk_s"] == pytest.approx(350.0 / WHEELCHAIR_SPEED_M_S, abs=0.02)
    assert chair["step_free_data"] is True


def test_a_shelter_marked_wheelchair_no_is_skipped_for_the_wheelchair_profile() -> None:
    idx = index(_steps_shortcut(), [(150.0, 0.0), (0.0, 100.0)])
    shelters = [replace(idx.shelters[0], wheelchair="yes"), replace(idx.shelters[1], wheelchair="no")]
    idx = NearestIndex(idx.graph, shelters, idx.buildings, warning_s=60.0, entry_s=0.0)
    assert _at(idx, 0.0, 90.0)["shelter"]["id"] == "S1"
    chair = _at(idx, 0.0, 90.0, profile="wheelchair")
    assert chair["shelter"]["id"] == "S0" and chair["shelter_wheelchair"] == "yes"


def test_no_step_free_way_to_any_shelter_says_why() -> None:
    xs, ys = np.array([0.0, 50.0]), np.array([0.0, 0.0])
    g = WalkGraph(xs, ys, np.array([0]), np.array([1]), LAT0, LON0, sample_m=5.0, step_free=np.array([False]))
    idx = index(g, [(50.0, 0.0)])
    r = _at(idx, 0.0, 0.0, profile="wheelchair")
    assert r["shelter"] is None and "without steps" in r["reason"]


@pytest.mark.parametrize(
    ("tags", "ok"),
    [
        ({"highway": "footway"}, True),
        ({"highway": "steps"}, False),
        ({"highway": "footway", "wheelchair": "no"}, False),
        ({"highway": "footway", "incline": "12%"}, False),
        ({"highway": "footway", "incline": "-6 %"}, True),
        ({"highway": "footway", "incline": "up"}, True),
        ({"highway": "footway", "incline": "6°"}, False),  # tan(6 deg) = 10.5 %
        ({"highway": "footway", "step_count": "3"}, False),
    ],
)
def test_step_free_ways_from_osm_tags(tags: dict[str, str], ok: bool) -> None:
    assert step_free(tags) is ok


def test_kerbs_and_inclines_are_read_as_tagged() -> None:
    assert kerb_blocks({"kerb": "raised"}) and not kerb_blocks({"kerb": "lowered"})
    assert kerb_blocks({"kerb": "lowered", "kerb:height": "6 cm"}) and not kerb_blocks({"kerb:height": "0.02"})
    assert incline_pct("8,5%") == pytest.approx(8.5) and incline_pct("down") is None
