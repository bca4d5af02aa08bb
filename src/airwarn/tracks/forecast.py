"""Where a confirmed track can be within the horizon: a corridor that widens with time, and an ETA window
for every district inside it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from airwarn.domain.territory import Territory
from airwarn.tracks.classes import MOTION
from airwarn.tracks.frame import LocalFrame
from airwarn.tracks.track import Track


@dataclass(frozen=True)
class ForecastConfig:
    horizon_s: float = 3_600.0  # how far ahead a track is projected (default 60 min)
    heading_sigmas: float = 2.0  # corridor half-angle in heading standard deviations …
    min_half_angle_deg: float = 6.0  # … but never narrower than this
    max_half_angle_deg: float = 60.0
    min_half_width_m: float = 2_000.0  # the corridor's width at the track's position


@dataclass(frozen=True)
class Eta:
    """When the track can first reach the district: between `earliest_s` (at its top speed) and `latest_s`."""

    district: str
    region: str
    earliest_s: float
    latest_s: float
    inside: bool


@dataclass(frozen=True)
class DistrictArea:
    code: str
    region: str
    name_en: str
    shape: BaseGeometry  # in the local frame, metres
    warning_s: int


class DistrictIndex:
    """Every district of the territory in the local frame, behind an R-tree."""

    def __init__(self, territory: Territory, frame: LocalFrame) -> None:
        self.frame = frame
        self.areas: list[DistrictArea] = []
        for district in territory.districts.values():
            polygons = []
            for ring in district.polygon:
                lon, lat = zip(*ring, strict=True)
                x, y = frame.to_xy(lat, lon)
                polygons.append(Polygon(np.column_stack([x, y])))
            if not polygons:
                continue
            shape = shapely.make_valid(shapely.union_all(polygons))
            region = territory.regions[district.region]
            warning = getattr(district, "warning_s", None) or region.warning_s
            self.areas.append(DistrictArea(district.code, district.region, district.name_en, shape, int(warning)))
        for area in self.areas:
            shapely.prepare(area.shape)
        self.shapes = np.array([a.shape for a in self.areas], dtype=object)
        self.tree = STRtree(self.shapes)
        self.by_code = {a.code: a for a in self.areas}

    def near(self, shape: BaseGeometry) -> list[DistrictArea]:
        return [self.areas[i] for i in self.tree.query(shape)]

    def within(self, x: float, y: float, radius_m: float) -> list[DistrictArea]:
        """Districts whose area comes within `radius_m` of the point."""
        point = shapely.Point(x, y)
        return [self.areas[i] for i in self.tree.query(point, predicate="dwithin", distance=radius_m)]


def speed_band(track: Track) -> tuple[float, float]:
    """The slowest and fastest the track may go: its estimate ± 2 sd, inside its class's plausible band."""
    band = MOTION[track.threat_class]
    speed, sd = track.speed_mps, track.speed_sd_mps
    lo = min(max(band.min_mps, speed - 2 * sd), band.max_mps)
    hi = max(min(band.max_mps, speed + 2 * sd), lo)
    return lo, hi


def corridor(track: Track, config: ForecastConfig) -> Polygon:
    """A fan from the track's position along its heading, as far as it can fly within the horizon."""
    x, y = track.xy
    _, fastest = speed_band(track)
    reach = fastest * config.horizon_s
    half = math.radians(min(config.max_half_angle_deg,
                            max(config.min_half_angle_deg, config.heading_sigmas * track.heading_sd_deg)))
    heading = math.radians(track.heading_deg)
    fan = [(x, y)] + [(x + reach * math.sin(a), y + reach * math.cos(a))
                      for a in np.linspace(heading - half, heading + half, 9)]
    width = max(config.min_half_width_m, 2.0 * track.position_sd_m)
    return Polygon(fan).buffer(width, quad_segs=2)


def etas(track: Track, index: DistrictIndex, config: ForecastConfig) -> tuple[Polygon, list[Eta]]:
    """The track's corridor and, for every district it touches, the ETA window."""
    cone = corridor(track, config)
    slowest, fastest = speed_band(track)
    here = shapely.Point(track.xy)
    hits = index.tree.query(cone, predicate="intersects")
    if len(hits) == 0:
        return cone, []
    shapes = index.shapes[hits]
    inside = shapely.contains(shapes, here)
    # The distance to the part of a district inside the corridor. Where the district's nearest point already
    # lies in the corridor it is that point's distance, exactly; only the others need the (costly) overlay.
    nearest = shapely.shortest_line(here, shapes)
    distance = shapely.length(nearest)
    shapely.prepare(cone)
    partial = ~inside & ~shapely.intersects(cone, shapely.get_point(nearest, 1))
    if partial.any():
        distance[partial] = shapely.distance(here, shapely.intersection(shapes[partial], cone))
    found = []
    for i, within, d in zip(hits, inside, distance, strict=True):
        area = index.areas[int(i)]
        metres = 0.0 if within else float(d)
        found.append(Eta(area.code, area.region, metres / fastest, metres / max(slowest, 1.0), bool(within)))
    return cone, found
