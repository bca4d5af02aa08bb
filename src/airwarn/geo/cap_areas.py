"""CAP areas that fit receivers: touching districts merged, at most 100 points per polygon, measured error.

Cell broadcast (WEA) accepts polygons of at most 100 points and asks that the alert area not
overshoot the intended area by more than 0.1 mile. Here the districts of an alert are unioned in a
local equal-area projection (metres), areas that do not touch become separate CAP ``<area>`` blocks,
a polygon with holes (an enclave of another district) is cut into hole-free pieces (a CAP polygon
has no holes), each piece is simplified (Douglas-Peucker, topology preserved) with the largest
tolerance that keeps the error under the bound — a piece that cannot get under 100 points within
the bound is halved — and the result is closed, counter-clockwise and rounded to ``decimals``.
The overshoot and undershoot are then *measured* on the rounded result against the true union.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Polygon
from shapely.geometry.polygon import orient
from shapely.ops import split

from airwarn.domain.territory import AreaFit, AreaInput, AreaPart, Ring, Rings

#: A shapely geometry (shapely's own annotations are too loose for mypy to follow set operations).
Geom = Any

#: 0.1 statute mile in metres: the WEA bound on how far an alert polygon may stray.
DEFAULT_BOUND_M = 160.9
#: Most points in one CAP polygon that cell broadcast accepts (closing point included).
MAX_POINTS = 100
#: Coordinates are written with this many decimals (5: ~1.1 m north-south).
DEFAULT_DECIMALS = 5
#: Districts closer than this (m) count as touching (shared borders drawn twice never match exactly).
TOUCH_M = 1.0
#: Densify boundaries to this spacing (m) when measuring, so long straight edges are measured too.
MEASURE_STEP_M = 25.0


@dataclass(frozen=True)
class CapAreaShaper:
    """The :class:`~airwarn.domain.territory.AreaShaper` installed on loaded territories."""

    bound_m: float = DEFAULT_BOUND_M
    max_points: int = MAX_POINTS
    decimals: int = DEFAULT_DECIMALS

    def __call__(self, areas: Sequence[AreaInput]) -> tuple[tuple[AreaPart, ...], AreaFit | None]:
        return shape_areas(areas, self.bound_m, self.max_points, self.decimals)


class _Local:
    """WGS84 <-> a Lambert azimuthal equal-area grid centred on the areas (metres)."""

    def __init__(self, lon0: float, lat0: float) -> None:
        # centres rounded to whole degrees share transformers (building one costs tens of ms); 80 km
        # off-centre the projection's scale error is below 1e-4 (1.6 cm on a 160 m bound)
        self.fwd, self.inv = _transformers(float(round(lon0)), float(round(lat0)))

    def to_m(self, geom: Geom) -> Geom:
        return shapely.transform(geom, lambda xy: np.column_stack(self.fwd.transform(xy[:, 0], xy[:, 1])))

    def to_deg(self, geom: Geom) -> Geom:
        return shapely.transform(geom, lambda xy: np.column_stack(self.inv.transform(xy[:, 0], xy[:, 1])))


@lru_cache(maxsize=256)
def _transformers(lon0: float, lat0: float) -> tuple[Transformer, Transformer]:
    crs = f"+proj=laea +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m +no_defs"
    return (Transformer.from_crs("EPSG:4326", crs, always_xy=True),
            Transformer.from_crs(crs, "EPSG:4326", always_xy=True))


def _polygon(rings: Rings, holes: Rings) -> Geom:
    outer = shapely.union_all([shapely.make_valid(Polygon(r)) for r in rings])
    if holes:
        outer = outer.difference(shapely.union_all([shapely.make_valid(Polygon(h)) for h in holes]))
    return outer


def _polygons(geom: Geom) -> list[Polygon]:
    return [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]


def _cut_holes(poly: Polygon) -> list[Polygon]:
    """Hole-free pieces whose union is ``poly``: cut along a north-south line through a hole."""
    if not poly.interiors:
        return [poly]
    hole = Polygon(poly.interiors[0])
    x = hole.representative_point().x
    _, y0, _, y1 = poly.bounds
    pieces = _polygons(split(poly, LineString([(x, y0 - 1), (x, y1 + 1)])))
    if len(pieces) < 2:  # cannot happen for a proper hole; never loop forever
        return [Polygon(poly.exterior)]
    return [q for p in pieces for q in _cut_holes(p)]


def _halves(poly: Polygon) -> list[Polygon]:
    """Cut a polygon across its longer side into pieces (each simpler to simplify)."""
    x0, y0, x1, y1 = poly.bounds
    if x1 - x0 >= y1 - y0:
        xm = (x0 + x1) / 2
        line = LineString([(xm, y0 - 1), (xm, y1 + 1)])
    else:
        ym = (y0 + y1) / 2
        line = LineString([(x0 - 1, ym), (x1 + 1, ym)])
    return [q for p in _polygons(split(poly, line)) for q in _cut_holes(p)]


def _points(poly: Polygon) -> int:
    return len(poly.exterior.coords)


def _simplify(poly: Polygon, bound_m: float, max_points: int, depth: int = 0) -> list[Polygon]:
    """Simplified pieces of a hole-free polygon: each under ``max_points``, each within the tolerance."""
    tolerance = bound_m * 0.5  # leaves room for rounding and for the halving cuts
    simple = poly.simplify(tolerance, preserve_topology=True)
    if isinstance(simple, Polygon) and not simple.is_empty and _points(simple) <= max_points:
        # the smallest tolerance that still fits max_points keeps more detail
        lo, hi = 0.0, tolerance
        best = simple
        for _ in range(8):
            mid = (lo + hi) / 2
            trial = poly.simplify(mid, preserve_topology=True)
            if isinstance(trial, Polygon) and not trial.is_empty and _points(trial) <= max_points:
                best, hi = trial, mid
            else:
                lo = mid
        return [best]
    if depth > 12:
        return [simple] if isinstance(simple, Polygon) else [poly]
    return [q for half in _halves(poly) for q in _simplify(half, bound_m, max_points, depth + 1)]


def _ring(poly_deg: Polygon, decimals: int) -> Ring | None:
    """Closed, counter-clockwise, rounded ring with repeated points dropped; None if it collapses."""
    coords = np.round(np.asarray(orient(poly_deg, 1.0).exterior.coords), decimals)
    keep = np.ones(len(coords), dtype=bool)
    keep[1:] = np.any(coords[1:] != coords[:-1], axis=1)
    coords = coords[keep]
    if len(coords) < 4:
        return None
    ring = tuple((float(x), float(y)) for x, y in coords)
    if ring[0] != ring[-1]:
        ring = (*ring, ring[0])
    if not bool(shapely.is_ccw(shapely.linearrings(ring))):
        ring = tuple(reversed(ring))
    return ring


def _far(points_from: Geom, target: Geom) -> float:
    """Largest distance (m) from a point of area ``points_from`` to area ``target``.

    Measured on the boundary of the difference (densified every ``MEASURE_STEP_M``) and at the
    centre of each difference piece's largest inscribed circle (a wide bay's farthest point can be
    inside it, not on its edge).
    """
    gone = points_from.difference(target)
    if gone.is_empty or gone.area < 1e-6:
        return 0.0
    pts: Geom = shapely.points(shapely.get_coordinates(shapely.segmentize(gone.boundary, MEASURE_STEP_M)))
    circles = shapely.maximum_inscribed_circle(np.asarray(_polygons(gone), dtype=object), 1.0)
    wide = circles[shapely.length(circles) > MEASURE_STEP_M / 4]
    pts = np.concatenate([pts, shapely.get_point(wide, 0)]) if len(wide) else pts
    if not len(pts):
        return 0.0
    # every point measured lies outside ``target`` or on its edge: its distance is to the nearest edge
    coords, ring_of = shapely.get_coordinates(shapely.get_rings(shapely.get_parts(target)), return_index=True)
    same = ring_of[1:] == ring_of[:-1]
    edges: Geom = shapely.linestrings(np.stack([coords[:-1][same], coords[1:][same]], axis=1))
    _, dist = shapely.STRtree(edges).query_nearest(pts, return_distance=True, all_matches=False)
    return float(np.max(dist))


def shape_areas(
    areas: Sequence[AreaInput],
    bound_m: float = DEFAULT_BOUND_M,
    max_points: int = MAX_POINTS,
    decimals: int = DEFAULT_DECIMALS,
) -> tuple[tuple[AreaPart, ...], AreaFit | None]:
    """Merged, simplified, measured CAP areas for (code, outer rings, holes) in lon/lat."""
    areas = [a for a in areas if a[1]]
    if not areas:
        return (), None
    lons = [p[0] for _, rings, _ in areas for ring in rings for p in ring]
    lats = [p[1] for _, rings, _ in areas for ring in rings for p in ring]
    local = _Local((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)
    shapes = [(code, local.to_m(_polygon(rings, holes))) for code, rings, holes in areas]
    truth: Geom = shapely.union_all([g for _, g in shapes])
    # close hairline gaps between neighbours whose shared border was drawn twice
    merged: Geom = truth.buffer(TOUCH_M / 2, join_style="mitre").buffer(-TOUCH_M / 2, join_style="mitre")
    merged = shapely.union_all([merged, truth])
    parts: list[AreaPart] = []
    rings_m: list[Geom] = []
    for component in sorted(_polygons(merged), key=lambda p: -p.area):
        codes = tuple(code for code, g in shapes if g.intersection(component).area > 1e-6 * max(g.area, 1.0))
        rings: list[Ring] = []
        for piece in _cut_holes(component):
            for simple in _simplify(piece, bound_m, max_points):
                ring = _ring(local.to_deg(simple), decimals)
                if ring is not None:
                    rings.append(ring)
                    rings_m.append(local.to_m(Polygon(ring)))
        if rings:
            parts.append(AreaPart(tuple(rings), codes))
    drawn = shapely.union_all([shapely.make_valid(g) for g in rings_m])
    fit = AreaFit(
        overshoot_m=round(_far(drawn, truth), 1),
        undershoot_m=round(_far(truth, drawn), 1),
        bound_m=bound_m,
        max_points=max((len(r) for p in parts for r in p.polygons), default=0),
        polygons=sum(len(p.polygons) for p in parts),
        decimals=decimals,
    )
    return tuple(parts), fit
