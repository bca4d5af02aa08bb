"""The territory an authority covers: regions, districts, airports and shelters, and lookups over them."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from airwarn.domain.regimes import Plan

#: One polygon ring as (lon, lat) pairs, GeoJSON order; first == last.
Ring = tuple[tuple[float, float], ...]
#: Outer rings of a (multi)polygon; an area's holes (enclaves) are kept apart in ``holes``.
Rings = tuple[Ring, ...]


@dataclass(frozen=True)
class Region:
    code: str  # ISO 3166-2, e.g. RU-ROS
    name_en: str
    name_ru: str
    timezone: str  # IANA, e.g. Europe/Moscow
    warning_s: int  # default warning time for the area, seconds
    country: str = ""
    polygon: Rings = ()
    centre: tuple[float, float] | None = None  # (lat, lon)
    aliases: tuple[str, ...] = ()
    plans: tuple[Plan, ...] = ()
    holes: Rings = ()  # inner rings: land inside `polygon` that is not part of the region

    def plan(self, name: str) -> Plan | None:
        key = fold(name)
        for plan in self.plans:
            if key in {fold(n) for n in (plan.name, *plan.aliases)}:
                return plan
        return None


@dataclass(frozen=True)
class District:
    code: str  # region code + "-" + slug, e.g. RU-ROS-MILLEROVSKY
    region: str
    name_en: str  # without "District"/"Rayon"
    name_ru: str
    population: int | None = None
    polygon: Rings = ()
    centre: tuple[float, float] | None = None  # (lat, lon)
    aliases: tuple[str, ...] = ()
    polygon_approximate: bool = True
    warning_s: int | None = None  # this district's warning time; None: the region's
    holes: Rings = ()  # inner rings (enclaves of another district)

    def names(self) -> tuple[str, ...]:
        return (self.name_en, self.name_ru, self.code, *self.aliases)


@dataclass(frozen=True)
class Airport:
    icao: str
    region: str
    name_en: str
    lat: float
    lon: float
    iata: str | None = None
    name_ru: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shelter:
    id: str
    name: str
    lat: float
    lon: float
    capacity: int | None = None
    region: str | None = None


@dataclass(frozen=True)
class Settlement:
    """A town or village inside a district (OSM ``place=*``, or the packaged table for the demo)."""

    id: str  # e.g. "osm:node/123" or "RU-ROS-MILLEROVSKY/millerovo"
    name: str  # as written locally
    region: str
    district: str | None
    lat: float
    lon: float
    kind: str = "town"  # city | town | village | hamlet
    name_en: str = ""
    population: int | None = None
    aliases: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.name, self.name_en, *self.aliases) if n)


def fold(name: str) -> str:
    """Case-, accent- and ё-insensitive key for a place name ('Ковёр' == 'ковер')."""
    text = unicodedata.normalize("NFKD", name.strip().casefold().replace("ё", "е"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.replace("-", " ").split())


def slug(name: str) -> str:
    """Upper-case ASCII slug for codes: 'Verkhnedonskoy' -> 'VERKHNEDONSKOY'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_name).upper().split())


def point_in_rings(lat: float, lon: float, rings: Rings) -> bool:
    """Even-odd ray casting over every outer ring (enough for admin areas without holes)."""
    for ring in rings:
        inside = False
        n = len(ring)
        j = n - 1
        for i in range(n):
            xi, yi = ring[i]
            xj, yj = ring[j]
            if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
                inside = not inside
            j = i
        if inside:
            return True
    return False


def point_in_area(lat: float, lon: float, rings: Rings, holes: Rings = ()) -> bool:
    """Inside one of the outer rings and in none of the holes."""
    return point_in_rings(lat, lon, rings) and not (holes and point_in_rings(lat, lon, holes))


@dataclass(frozen=True)
class AreaPart:
    """One CAP <area>: the polygons (closed, counter-clockwise) of touching districts merged together."""

    polygons: Rings
    districts: tuple[str, ...] = ()
    names: tuple[tuple[str, str], ...] = ()  # (language prefix, area description)


@dataclass(frozen=True)
class AreaFit:
    """How far the simplified CAP polygons stray from the true area, measured in metres."""

    overshoot_m: float  # farthest point inside the polygons but outside the area
    undershoot_m: float  # farthest point of the area left outside the polygons
    bound_m: float
    max_points: int  # most points in one polygon (closing point included)
    polygons: int
    decimals: int

    @property
    def within_bound(self) -> bool:
        return self.overshoot_m <= self.bound_m and self.undershoot_m <= self.bound_m


#: One area to shape: (district or region code, outer rings, holes).
AreaInput = tuple[str, Rings, Rings]


class AreaShaper(Protocol):
    """Turns districts' true outlines into receiver-ready CAP areas (merged, simplified, measured)."""

    def __call__(self, areas: Sequence[AreaInput]) -> tuple[tuple[AreaPart, ...], AreaFit | None]: ...


def raw_shape(areas: Sequence[AreaInput]) -> tuple[tuple[AreaPart, ...], AreaFit | None]:
    """The outlines as they are, in one part, unmeasured (used when no shaper is installed)."""
    rings = tuple(ring for _, outer, _ in areas for ring in outer)
    return ((AreaPart(rings, tuple(code for code, outer, _ in areas if outer)),) if rings else ()), None


def bbox(rings: Rings) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of the rings."""
    lons = [p[0] for ring in rings for p in ring]
    lats = [p[1] for ring in rings for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


@dataclass
class Territory:
    """Everything known about places, indexed for the lookups reports and targeting need."""

    regions: dict[str, Region] = field(default_factory=dict)
    districts: dict[str, District] = field(default_factory=dict)
    airports: dict[str, Airport] = field(default_factory=dict)
    shelters: dict[str, Shelter] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    places: dict[str, Settlement] = field(default_factory=dict)
    shaper: AreaShaper = field(default=raw_shape, repr=False, compare=False)
    _by_name: dict[tuple[str, str], str] = field(default_factory=dict, init=False, repr=False)
    _region_by_name: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _bboxes: dict[str, tuple[float, float, float, float]] = field(
        default_factory=dict, init=False, repr=False
    )
    _places_by_name: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False)
    _areas: dict[tuple[str, tuple[str, ...]], tuple[tuple[AreaPart, ...], AreaFit | None]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self.reindex()

    @classmethod
    def build(
        cls,
        regions: Iterable[Region],
        districts: Iterable[District] = (),
        airports: Iterable[Airport] = (),
        shelters: Iterable[Shelter] = (),
        metadata: dict[str, str] | None = None,
        places: Iterable[Settlement] = (),
    ) -> Territory:
        return cls(
            regions={r.code: r for r in regions},
            districts={d.code: d for d in districts},
            airports={a.icao: a for a in airports},
            shelters={s.id: s for s in shelters},
            metadata=dict(metadata or {}),
            places={p.id: p for p in places},
        )

    def reindex(self) -> None:
        self._areas = {}
        self._by_name = {}
        for d in self.districts.values():
            for name in d.names():
                self._by_name.setdefault((d.region, fold(name)), d.code)
        self._region_by_name = {}
        for r in self.regions.values():
            for name in (r.code, r.name_en, r.name_ru, *r.aliases):
                self._region_by_name.setdefault(fold(name), r.code)
        self._bboxes = {code: bbox(d.polygon) for code, d in self.districts.items() if d.polygon}
        self._places_by_name = {}
        for p in self.places.values():
            for name in p.names():
                self._places_by_name.setdefault(fold(name), []).append(p.id)

    def settlements(self, name: str, region: str | None = None) -> list[Settlement]:
        """Towns and villages called ``name`` (any spelling the territory knows), optionally in one region."""
        found = [self.places[i] for i in self._places_by_name.get(fold(name), [])]
        return [p for p in found if region is None or p.region == region]

    def search_places(self, query: str, limit: int = 20) -> list[Settlement]:
        """Settlements whose name starts with ``query`` (folded), then those containing it; biggest first."""
        key = fold(query)
        if not key:
            return []
        starts: list[str] = []
        contains: list[str] = []
        for folded, ids in self._places_by_name.items():
            bucket = starts if folded.startswith(key) else contains if key in folded else None
            if bucket is not None:
                bucket.extend(ids)
        ranked = sorted(dict.fromkeys(starts), key=lambda i: -(self.places[i].population or 0))
        ranked += sorted(dict.fromkeys(i for i in contains if i not in starts),
                         key=lambda i: -(self.places[i].population or 0))
        return [self.places[i] for i in ranked[:limit]]

    def region(self, code_or_name: str) -> Region | None:
        code = self._region_by_name.get(fold(code_or_name))
        return self.regions.get(code) if code else None

    def district(self, region: str, name: str) -> District | None:
        """A district of `region` by English/Russian name, alias or code; None when there is none."""
        code = self._by_name.get((region, fold(name)))
        return self.districts.get(code) if code else None

    def districts_of(self, region: str) -> list[District]:
        return [d for d in self.districts.values() if d.region == region]

    def airports_of(self, region: str) -> list[Airport]:
        return [a for a in self.airports.values() if a.region == region]

    def locate(self, lat: float, lon: float) -> District | None:
        """The district containing the point, or None outside every district polygon."""
        for code, (x0, y0, x1, y1) in self._bboxes.items():
            if x0 <= lon <= x1 and y0 <= lat <= y1:
                district = self.districts[code]
                if point_in_area(lat, lon, district.polygon, district.holes):
                    return district
        return None

    def locate_region(self, lat: float, lon: float) -> Region | None:
        district = self.locate(lat, lon)
        if district is not None:
            return self.regions.get(district.region)
        for region in self.regions.values():
            if region.polygon and point_in_area(lat, lon, region.polygon, region.holes):
                return region
        return None

    @property
    def version(self) -> str:
        """The territory version this was loaded as ('' for one never imported as a version)."""
        return self.metadata.get("version", "")

    def district_warning_s(self, code: str) -> int:
        """A district's own warning time, else its region's."""
        d = self.districts[code]
        return d.warning_s if d.warning_s is not None else self.regions[d.region].warning_s

    def warning_s_for(self, region: str, districts: Sequence[str] = ()) -> int:
        """The warning time of an area: the shortest of its districts' (a whole region: of all of them)."""
        codes = list(districts) or [d.code for d in self.districts_of(region)]
        times = [self.district_warning_s(c) for c in codes if c in self.districts]
        if not districts and region in self.regions:
            times.append(self.regions[region].warning_s)
        return min(times) if times else self.regions[region].warning_s

    def warning_at(self, lat: float, lon: float) -> tuple[int, str, str] | None:
        """(warning_s, 'district' or 'region', code) for a point; None outside the territory."""
        district = self.locate(lat, lon)
        if district is not None:
            if district.warning_s is not None:
                return district.warning_s, "district", district.code
            return self.regions[district.region].warning_s, "region", district.region
        region = self.locate_region(lat, lon)
        return (region.warning_s, "region", region.code) if region is not None else None

    def cap_area(self, region: str, districts: Sequence[str]) -> tuple[tuple[AreaPart, ...], AreaFit | None]:
        """Receiver-ready CAP areas for the named districts (none named: the whole region).

        Kept per (region, districts) for the life of this territory: updates, all-clears and repeated
        alerts over the same area do not shape it again.
        """
        key = (region, tuple(districts))
        found = self._areas.get(key)
        if found is None:
            found = self._shape(region, districts)
            if len(self._areas) >= 4096:
                self._areas.clear()
            self._areas[key] = found
        return found

    def shape_ahead(self) -> int:
        """Shape every region's whole area now (a node starting, in the background), so the first region-wide
        alert does not spend tens of ms on its geometry; returns how many were shaped. (A district's shape
        costs a few ms and is made by its first alert.)"""
        shaped = 0
        for code, region in self.regions.items():
            if region.polygon and (code, ()) not in self._areas:
                self.cap_area(code, ())
                shaped += 1
        return shaped

    def _shape(self, region: str, districts: Sequence[str]) -> tuple[tuple[AreaPart, ...], AreaFit | None]:
        if districts:
            items = [(c, self.districts[c].polygon, self.districts[c].holes) for c in districts]
        else:
            r = self.regions[region]
            items = [(r.code, r.polygon, r.holes)]
        return self.shaper(items)

    def area_rings(self, region: str, districts: Sequence[str]) -> Rings:
        """Polygons that cover the named districts, or the whole region when none are named."""
        if districts:
            return tuple(ring for code in districts for ring in self.districts[code].polygon)
        return self.regions[region].polygon
