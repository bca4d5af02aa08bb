"""Shelter service over a database: answer nearest / coverage / plan / map queries fast.

The loaded graph and its precomputed shortest-path fields are cached in memory; the stored
``import_id`` is re-checked at most every ``recheck_s`` seconds, so a new import is picked up.
Imports live in :mod:`airwarn.shelters.importer`. Given a territory, a point's warning time is its
district's (``District.warning_s``), else its region's, unless the caller gives one; else the import's.
"""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine

from airwarn.domain.territory import Region, Territory
from airwarn.errors import InvalidInput, NotFound
from airwarn.shelters import coverage as coverage_mod
from airwarn.shelters import plan as plan_mod
from airwarn.shelters.importer import db_errors, graph_from_bytes, import_data, load_districts
from airwarn.shelters.model import DEFAULT_SPEED_M_S, PROFILES_M_S, Building, ShelterSite
from airwarn.shelters.nearest import NearestIndex
from airwarn.store.shelter_tables import shelter_buildings, shelter_graph, shelter_sites

__all__ = ["MAX_MAP_SEGMENTS", "ShelterService", "import_data", "load_districts"]

#: Most street segments one map request returns (the page asks only when zoomed in).
MAX_MAP_SEGMENTS = 20_000


class ShelterService:
    """Queries over the imported shelters of one database; the graph is loaded once and cached."""

    def __init__(self, engine: Engine, *, recheck_s: float = 5.0, territory: Territory | None = None) -> None:
        self.engine = engine
        self.recheck_s = recheck_s
        self.territory = territory
        self._index: NearestIndex | None = None
        self._import_id: str | None = None
        self._meta: dict[str, Any] = {}
        self._lonlat: tuple[np.ndarray, np.ndarray] | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self._per_building: tuple[Any, np.ndarray | None, list[str] | None] | None = None

    @classmethod
    def from_engine(cls, engine: Engine, territory: Territory | None = None) -> ShelterService:
        """A service over ``engine``; with a territory, warning times come from the point's region."""
        return cls(engine, territory=territory)

    def warm(self) -> bool:
        """Load the graph now (e.g. at server start) so the first query is fast; False if none imported."""
        try:
            self.index()
        except NotFound:
            return False
        return True

    def _current_id(self) -> str | None:
        with db_errors("reading the shelter data"):
            if not inspect(self.engine).has_table(shelter_graph.name):
                return None
            with self.engine.connect() as conn:
                query = select(shelter_graph.c.import_id).where(shelter_graph.c.key == "current")
                return conn.execute(query).scalar()

    def index(self) -> NearestIndex:
        """The loaded, cached index; NotFound until something has been imported."""
        now = time.monotonic()
        if self._index is not None and now - self._checked_at < self.recheck_s:
            return self._index
        with self._lock:
            current = self._current_id()
            self._checked_at = time.monotonic()
            if current is None:
                raise NotFound(
                    "no shelter data imported yet: run `airwarn shelters import-osm FILE.osm.pbf` "
                    "(or `airwarn shelters import-geojson FILE.geojson`)",
                    field="shelters",
                )
            if self._index is None or current != self._import_id:
                self._index, self._import_id, self._lonlat = self._load(), current, None
            return self._index

    def _load(self) -> NearestIndex:
        with db_errors("reading the shelter data"), self.engine.connect() as conn:
            row = conn.execute(select(shelter_graph).where(shelter_graph.c.key == "current")).one()
            sites = conn.execute(select(shelter_sites).order_by(shelter_sites.c.id)).all()
            blds = conn.execute(select(shelter_buildings).order_by(shelter_buildings.c.id)).all()
        meta = dict(row.meta)
        self._meta = {"source": row.source, "imported_at": row.imported_at.isoformat(), **meta}
        graph = graph_from_bytes(row.arrays, meta)
        access = meta.get("wheelchair") or {}
        shelters = [
            ShelterSite(r.id, r.name, r.lat, r.lon, r.capacity, bool(r.is_open), r.opening, r.source, r.node,
                        str(access.get(r.id, "")))
            for r in sites
        ]
        buildings = [
            Building(r.id, r.name, r.lat, r.lon, r.floors, r.footprint_m2, r.population, r.district, r.node)
            for r in blds
        ]
        return NearestIndex(
            graph, shelters, buildings, warning_s=float(meta["warning_s"]), entry_s=float(meta["entry_s"])
        )

    def import_osm(self, pbf: str | Path, registry: str | Path | None = None, **kwargs: Any) -> dict[str, Any]:
        """Import a file (``.osm.pbf``, or GeoJSON by suffix or ``fmt``); queries see it at once."""
        summary = import_data(self.engine, pbf, registry, **kwargs)
        with self._lock:
            self._index, self._import_id, self._checked_at = None, None, 0.0
        return summary

    import_file = import_osm

    def region_at(self, lat: float, lon: float) -> Region | None:
        """The territory's region containing the point (None without a territory or outside it)."""
        if self.territory is None or not (math.isfinite(lat) and math.isfinite(lon)):
            return None
        return self.territory.locate_region(lat, lon)

    def nearest(
        self,
        lat: float,
        lon: float,
        speed_m_s: float | None = None,
        warning_s: float | None = None,
        profile: str = "default",
    ) -> dict[str, Any]:
        """The nearest-shelter answer; the warning time is the caller's, else the region's, else the import's."""
        index = self.index()
        found = self.warning_at(lat, lon) if warning_s is None else None
        region = self.region_at(lat, lon)
        source = "request" if warning_s is not None else found[1] if found is not None else "import"
        warn = float(found[0]) if found is not None else warning_s
        if profile not in PROFILES_M_S:
            raise InvalidInput(f"profile must be one of {', '.join(PROFILES_M_S)}, got {profile!r}", field="profile")
        speed = PROFILES_M_S[profile] if speed_m_s is None else speed_m_s
        out = index.nearest(lat, lon, speed, warn, profile)
        district = self.territory.locate(lat, lon) if self.territory is not None and _finite(lat, lon) else None
        out.update(
            warning_from=source,
            region=region.code if region is not None else None,
            district=district.code if district is not None else None,
        )
        return out

    def warning_at(self, lat: float, lon: float) -> tuple[int, str, str] | None:
        """(warning_s, 'district' or 'region', code) from the territory; None without one or outside it."""
        if self.territory is None or not _finite(lat, lon):
            return None
        return self.territory.warning_at(lat, lon)

    def streets(self, bbox: tuple[float, float, float, float], limit: int = MAX_MAP_SEGMENTS) -> dict[str, Any]:
        """Walkable segments and shelters inside ``(west, south, east, north)`` as GeoJSON, for the map."""
        west, south, east, north = bbox
        if not all(math.isfinite(v) for v in bbox) or not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise InvalidInput("bbox must be west,south,east,north with west < east and south < north", field="bbox")
        index = self.index()
        graph = index.graph
        if self._lonlat is None:
            self._lonlat = graph.projection.to_lonlat(graph.x_m, graph.y_m)
        lon, lat = self._lonlat
        inside = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
        picked = np.flatnonzero(inside[graph.seg_a] | inside[graph.seg_b])
        truncated = picked.size > limit
        picked = picked[:limit]
        a, b = graph.seg_a[picked], graph.seg_b[picked]
        lines = np.round(np.stack([np.column_stack([lon[a], lat[a]]), np.column_stack([lon[b], lat[b]])], 1), 7)
        features: list[dict[str, Any]] = [
            {
                "type": "Feature",
                "geometry": {"type": "MultiLineString", "coordinates": lines.tolist()},
                "properties": {"kind": "streets", "segments": int(picked.size)},
            }
        ]
        for site in index.shelters:
            if west <= site.lon <= east and south <= site.lat <= north:
                props = {"kind": "shelter", **site.public(), "open": site.open, "opening": site.opening}
                point = {"type": "Point", "coordinates": [site.lon, site.lat]}
                features.append({"type": "Feature", "geometry": point, "properties": props})
        about = {k: self._meta.get(k) for k in ("source", "imported_at", "format", "source_meta") if k in self._meta}
        return {"type": "FeatureCollection", "features": features, "truncated": bool(truncated), "metadata": about}

    def coverage(
        self, warning_s: float | None = None, speed_m_s: float | None = None, capacity_aware: bool = True
    ) -> dict[str, Any]:
        """Coverage; without ``warning_s`` each building has its district's warning time (with a territory)."""
        idx = self.index()
        warn, speed = _check(idx, warning_s, speed_m_s)
        per, labels = self._by_building(idx, warning_s)
        return coverage_mod.report(idx, warn if per is None else per, speed, capacity_aware, labels)

    def plan(
        self,
        add: int,
        warning_s: float | None = None,
        speed_m_s: float | None = None,
        method: str = "auto",
        site_capacity: int | None | str = "median",
    ) -> dict[str, Any]:
        """New sites; each holds ``site_capacity`` people (default: the registry's median; None: unlimited)."""
        if not 1 <= add <= 10_000:
            raise InvalidInput(f"add must be 1..10000, got {add}", field="add")
        if method not in ("auto", "greedy", "exact"):
            raise InvalidInput(f"method must be auto, greedy or exact, got {method!r}", field="method")
        idx = self.index()
        warn, speed = _check(idx, warning_s, speed_m_s)
        per, _ = self._by_building(idx, warning_s)
        capacity = median_capacity(idx.shelters) if site_capacity == "median" else site_capacity
        if capacity is not None and (not isinstance(capacity, int) or capacity < 1):
            raise InvalidInput(f"site capacity must be a whole number of people >= 1, got {capacity!r}",
                               field="site_capacity")
        out = plan_mod.plan(idx, add, warn if per is None else per, speed, method, capacity)
        out["site_capacity_from"] = "registry median" if site_capacity == "median" and capacity else (
            "request" if capacity else "unlimited")
        return out

    def _by_building(self, idx: NearestIndex, warning_s: float | None) -> tuple[np.ndarray | None, list[str] | None]:
        """Per building: the warning time of its district (None: one time for all) and the district code."""
        if warning_s is not None or self.territory is None or not idx.buildings:
            return None, None
        key = (self._import_id, self.territory.version, id(self.territory))
        if self._per_building is None or self._per_building[0] != key:
            warn = np.full(len(idx.buildings), idx.warning_s)
            labels: list[str] = []
            inside = 0
            for i, b in enumerate(idx.buildings):
                found = self.territory.warning_at(b.lat, b.lon)
                district = self.territory.locate(b.lat, b.lon)
                if found is not None:
                    warn[i] = found[0]
                    inside += 1
                labels.append(district.code if district is not None else (b.district or "unknown"))
            self._per_building = (key, warn, labels) if inside else (key, None, None)
        _, per, names = self._per_building
        return per, names


def median_capacity(shelters: list[ShelterSite]) -> int | None:
    """The median capacity of the shelters that state one (None when none does)."""
    known = [s.capacity for s in shelters if s.capacity is not None and s.capacity > 0]
    return int(np.median(known)) if known else None


def _check(idx: NearestIndex, warning_s: float | None, speed_m_s: float | None) -> tuple[float, float]:
    warn = idx.warning_s if warning_s is None else float(warning_s)
    speed = DEFAULT_SPEED_M_S if speed_m_s is None else float(speed_m_s)
    if not (math.isfinite(warn) and 0 <= warn <= 86400):
        raise InvalidInput(f"warning {warn} s is outside 0..86400", field="warning")
    if not (math.isfinite(speed) and 0.1 <= speed <= 10):
        raise InvalidInput(f"speed {speed} m/s is outside 0.1..10", field="speed")
    return warn, speed


def _finite(lat: float, lon: float) -> bool:
    return math.isfinite(lat) and math.isfinite(lon)
