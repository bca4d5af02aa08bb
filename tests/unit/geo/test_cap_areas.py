"""CAP areas: at most 100 points, closed, counter-clockwise, rounded, with measured error under the bound."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest
import shapely
from lxml import etree
from pyproj import Transformer
from shapely.geometry import Polygon

from airwarn.cap.xml import CAP_NS, alert_to_xml
from airwarn.domain.alerts import Alert, Info, MsgType, Severity, Urgency
from airwarn.domain.reports import Certainty, Status
from airwarn.domain.territory import AreaFit, AreaInput, AreaPart, Ring
from airwarn.geo.cap_areas import DEFAULT_BOUND_M, shape_areas
from airwarn.territory.io import demo_territory

# an independent metric grid for checks: UTM zone 37N (Rostov region), not the shaper's local LAEA
UTM = Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True)
LON0, LAT0 = 40.4, 48.9


def _utm(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda xy: np.column_stack(UTM.transform(xy[:, 0], xy[:, 1])))


def _ring(xy_km: np.ndarray) -> Ring:
    """A closed lon/lat ring from offsets in km around (LON0, LAT0)."""
    lon = LON0 + xy_km[:, 0] / (111.32 * math.cos(math.radians(LAT0)))
    lat = LAT0 + xy_km[:, 1] / 110.57
    pts = [(float(a), float(b)) for a, b in zip(lon, lat, strict=True)]
    return (*pts, pts[0])


def _wiggly(n: int = 3000, radius_km: float = 20.0, wiggle_km: float = 0.6, dx_km: float = 0.0) -> Ring:
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = radius_km + wiggle_km * np.sin(a * 97) + 0.3 * wiggle_km * np.sin(a * 401)
    return _ring(np.column_stack([dx_km + r * np.cos(a), r * np.sin(a)]))


def _square(x0: float, y0: float, size: float) -> Ring:
    return _ring(np.array([[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size]]))


def _check_rings(rings: tuple[Ring, ...], decimals: int = 5) -> None:
    for ring in rings:
        assert 4 <= len(ring) <= 100
        assert ring[0] == ring[-1]
        assert shapely.is_ccw(shapely.linearrings(ring))
        for lon, lat in ring:
            assert round(lon, decimals) == lon and round(lat, decimals) == lat


def _independent_error(truth: shapely.Geometry, rings: tuple[Ring, ...], samples: int = 4000) -> tuple[float, float]:
    """(overshoot, undershoot) in metres from random points, in UTM: a lower bound of the true values."""
    drawn = _utm(shapely.union_all([Polygon(r) for r in rings]))
    truth = _utm(truth)
    rng = np.random.default_rng(3)

    def far(inside: shapely.Geometry, other: shapely.Geometry) -> float:
        x0, y0, x1, y1 = inside.bounds
        pts = shapely.points(rng.uniform(x0, x1, samples), rng.uniform(y0, y1, samples))
        pts = pts[shapely.contains(inside, pts)]
        pts = np.concatenate([pts, shapely.points(shapely.get_coordinates(inside.boundary))])
        return float(np.max(shapely.distance(other, pts)))

    return far(drawn, truth), far(truth, drawn)


def test_a_detailed_district_gets_at_most_100_points_within_the_bound() -> None:
    ring = _wiggly()
    parts, fit = shape_areas([("RU-ROS-A", (ring,), ())])
    assert fit is not None and len(parts) == 1
    _check_rings(parts[0].polygons)
    assert fit.max_points <= 100 and fit.within_bound
    assert 0 < fit.undershoot_m <= DEFAULT_BOUND_M and fit.overshoot_m <= DEFAULT_BOUND_M
    over, under = _independent_error(Polygon(ring), parts[0].polygons)
    assert over <= fit.overshoot_m + 1.0 and under <= fit.undershoot_m + 1.0  # the measure is not optimistic


def test_a_coastline_too_detailed_for_100_points_is_cut_into_several_polygons_each_within_the_bound() -> None:
    ring = _wiggly(n=6000, wiggle_km=2.0)
    parts, fit = shape_areas([("RU-ROS-A", (ring,), ())], bound_m=60.0)
    assert fit is not None and fit.polygons > 1 and len(parts) == 1
    _check_rings(parts[0].polygons)
    assert fit.within_bound and fit.overshoot_m <= 60.0 and fit.undershoot_m <= 60.0
    over, under = _independent_error(Polygon(ring), parts[0].polygons)
    assert over <= 61.0 and under <= 61.0


def test_touching_districts_merge_into_one_polygon_and_disjoint_ones_get_their_own_area() -> None:
    a, b, far = _square(0, 0, 10), _square(10, 0, 10), _square(40, 0, 5)
    parts, fit = shape_areas([("A", (a,), ()), ("B", (b,), ()), ("C", (far,), ())])
    assert [p.districts for p in parts] == [("A", "B"), ("C",)]
    assert [len(p.polygons) for p in parts] == [1, 1]
    merged = Polygon(parts[0].polygons[0])
    assert merged.area == pytest.approx(Polygon(a).area * 2, rel=1e-3)  # one outline around both
    assert fit is not None and fit.within_bound


def test_a_hole_stays_out_of_the_area_and_every_polygon_is_hole_free() -> None:
    outer, hole = _square(0, 0, 20), tuple(reversed(_square(8, 8, 4)))
    parts, fit = shape_areas([("A", (outer,), (hole,))])
    assert fit is not None and fit.within_bound and len(parts) == 1 and len(parts[0].polygons) >= 2
    _check_rings(parts[0].polygons)
    centre = Polygon(hole).centroid
    assert not any(Polygon(r).contains(centre) for r in parts[0].polygons)
    assert shapely.union_all([Polygon(r) for r in parts[0].polygons]).area == pytest.approx(
        Polygon(outer).difference(Polygon(hole)).area, rel=1e-3
    )


def test_a_clockwise_outline_comes_out_counter_clockwise() -> None:
    parts, _ = shape_areas([("A", (tuple(reversed(_square(0, 0, 3))),), ())])
    _check_rings(parts[0].polygons)


def test_the_error_is_measured_not_assumed() -> None:
    """Rounding to 2 decimals (about 1 km) must show up as hundreds of metres of error."""
    parts, fit = shape_areas([("A", (_wiggly(n=400, radius_km=8),), ())], decimals=2)
    assert fit is not None and not fit.within_bound
    assert fit.overshoot_m > DEFAULT_BOUND_M or fit.undershoot_m > DEFAULT_BOUND_M


def test_disjoint_parts_are_separate_cap_area_blocks_naming_their_districts() -> None:
    from airwarn.domain.composing import area_for

    t = demo_territory()
    west, east = "RU-ROS-CHERTKOVSKY", "RU-ROS-ZAVETINSKY"
    area = area_for(t, "RU-ROS", [west, east])
    assert [p.districts for p in area.parts] == [(west,), (east,)] or [p.districts for p in area.parts] == [
        (east,),
        (west,),
    ]
    info = Info("en-US", "Drone hazard", Urgency.IMMEDIATE, Severity.SEVERE, Certainty.OBSERVED, "h", "d", "x")
    alert = Alert("id-1", "s@example", datetime(2026, 11, 24, tzinfo=UTC), Status.ACTUAL, MsgType.ALERT,
                  (info,), area, "RU-ROS", (west, east))
    root = etree.fromstring(alert_to_xml(alert))
    blocks = root.findall(f"{{{CAP_NS}}}info/{{{CAP_NS}}}area")
    assert len(blocks) == 2
    descs = sorted(b.findtext(f"{{{CAP_NS}}}areaDesc") for b in blocks)
    assert descs == sorted(f"{t.districts[c].name_en} district, Rostov Region" for c in (west, east))
    params = {p.findtext(f"{{{CAP_NS}}}valueName"): p.findtext(f"{{{CAP_NS}}}value")
              for p in root.iter(f"{{{CAP_NS}}}parameter")}
    assert params["airwarn:warning_s"] == str(t.warning_s_for("RU-ROS", [west, east]))


def test_regions_shaped_ahead_are_not_shaped_again_by_their_first_region_wide_alert() -> None:
    shaped: list[tuple[str, ...]] = []

    def counting(areas: Sequence[AreaInput]) -> tuple[tuple[AreaPart, ...], AreaFit | None]:
        shaped.append(tuple(code for code, _, _ in areas))
        return shape_areas(areas)

    territory = replace(demo_territory(), shaper=counting)
    with_outline = sorted(code for code, r in territory.regions.items() if r.polygon)
    assert territory.shape_ahead() == len(with_outline)
    assert sorted(codes[0] for codes in shaped) == with_outline
    shaped.clear()
    whole, _ = territory.cap_area("RU-ROS", ())
    assert whole and shaped == []  # kept from the start
    territory.cap_area("RU-ROS", ("RU-ROS-MILLEROVSKY",))
    assert shaped == [("RU-ROS-MILLEROVSKY",)]  # a district is shaped by its first alert
    assert territory.shape_ahead() == 0
