"""Shelter service over a database: import OSM + registry in one transaction, answer queries fast.

The loaded graph and its precomputed shortest-path fields are cached in memory; the stored
``import_id`` is re-checked at most every ``recheck_s`` seconds, so a new import is picked up.
"""

from __future__ import annotations

import io
import json
import math
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import delete, insert, inspect, select
from sqlalchemy.engine import Engine

from airwarn.errors import InvalidInput, NotFound
from airwarn.shelters import coverage as coverage_mod
from airwarn.shelters import plan as plan_mod
from airwarn.shelters.graph import WalkGraph
from airwarn.shelters.model import (
    DEFAULT_ENTRY_S,
    DEFAULT_SPEED_M_S,
    DEFAULT_WARNING_S,
    Building,
    ShelterSite,
)
from airwarn.shelters.nearest import MAX_SNAP_M, NearestIndex
from airwarn.store.shelter_tables import shelter_buildings, shelter_graph, shelter_sites

Progress = Callable[[str], None]
#: An OSM shelter this close (m) to a registry shelter is the same shelter; the registry wins.
SAME_SHELTER_M = 25.0


def _noop(_step: str) -> None:
    return None


def _arrays_to_bytes(graph: WalkGraph) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        x_m=graph.x_m,
        y_m=graph.y_m,
        seg_a=graph.seg_a.astype(np.int32),
        seg_b=graph.seg_b.astype(np.int32),
    )
    return buf.getvalue()


def _graph_from_bytes(blob: bytes, meta: dict[str, Any]) -> WalkGraph:
    with np.load(io.BytesIO(blob)) as z:
        return WalkGraph(
            z["x_m"],
            z["y_m"],
            z["seg_a"].astype(np.int64),
            z["seg_b"].astype(np.int64),
            float(meta["lat0"]),
            float(meta["lon0"]),
            float(meta.get("sample_m", 10.0)),
        )


def load_districts(path: str | Path) -> list[tuple[str, Any]]:
    """(name, polygon in lon/lat) from a GeoJSON FeatureCollection with a ``name`` property."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        out = []
        for i, f in enumerate(doc["features"]):
            name = (f.get("properties") or {}).get("name")
            if not name:
                raise InvalidInput(f"districts feature {i} has no 'name'", field=f"features[{i}].properties.name")
            out.append((str(name), shape(f["geometry"])))
        return out
    except InvalidInput:
        raise
    except Exception as exc:
        raise InvalidInput(f"cannot read districts file {path}: {exc}", field="districts") from exc


def _merge_shelters(registry: list[ShelterSite], osm: list[ShelterSite], graph: WalkGraph) -> list[ShelterSite]:
    if not registry:
        return osm
    proj = graph.projection
    rx, ry = proj.to_xy(np.array([s.lon for s in registry]), np.array([s.lat for s in registry]))
    ids = {s.id for s in registry}
    kept = list(registry)
    for s in osm:
        x, y = proj.to_xy(s.lon, s.lat)
        if s.id not in ids and float(np.min(np.hypot(rx - x, ry - y))) > SAME_SHELTER_M:
            kept.append(s)
    return kept


def import_data(
    engine: Engine,
    pbf: str | Path,
    registry: str | Path | None = None,
    *,
    warning_s: float = DEFAULT_WARNING_S,
    entry_s: float = DEFAULT_ENTRY_S,
    districts: str | Path | None = None,
    progress: Progress = _noop,
) -> dict[str, Any]:
    """Read, check and store everything; the database changes in one transaction or not at all."""
    from airwarn.shelters import osm_import
    from airwarn.shelters.registry import load_registry
    from airwarn.store.migrate import upgrade

    if not (math.isfinite(warning_s) and warning_s >= 0):
        raise InvalidInput("warning time must be >= 0 s", field="warning_s")
    if not (math.isfinite(entry_s) and entry_s >= 0):
        raise InvalidInput("entry time must be >= 0 s", field="entry_s")
    progress("reading registry")
    reg = load_registry(registry) if registry is not None else []
    areas = load_districts(districts) if districts is not None else []
    progress("reading OpenStreetMap extract")
    ext = osm_import.extract(pbf)
    progress("building walk graph")
    base = ext.graph
    shelters = _merge_shelters(reg, ext.shelters, base)
    proj = base.projection
    sx, sy = proj.to_xy(np.array([s.lon for s in shelters]), np.array([s.lat for s in shelters]))
    if shelters:
        _, _, snap_m, _, _ = base.snap_many(sx, sy)
        far = np.flatnonzero(snap_m > MAX_SNAP_M)
        if far.size:
            s = shelters[int(far[0])]
            raise InvalidInput(
                f"shelter {s.id!r} ({s.name}) is {snap_m[far[0]]:.0f} m from the nearest "
                f"walkable path: outside the street graph",
                field=f"shelter {s.id}",
            )
    bx, by = proj.to_xy(np.array([b.lon for b in ext.buildings]), np.array([b.lat for b in ext.buildings]))
    graph, nodes = base.with_points(np.concatenate([sx, bx]), np.concatenate([sy, by]))
    shelters = [_with(s, node=int(n)) for s, n in zip(shelters, nodes[: len(shelters)], strict=True)]
    labels = _districts(ext.buildings, bx, by, areas)
    buildings = [
        _with(b, node=int(n), district=d) for b, n, d in zip(ext.buildings, nodes[len(shelters) :], labels, strict=True)
    ]
    progress("writing to the database")
    upgrade(engine)
    import_id = uuid.uuid4().hex
    meta = {
        "lat0": graph.lat0,
        "lon0": graph.lon0,
        "sample_m": graph.sample_m,
        "warning_s": warning_s,
        "entry_s": entry_s,
        "nodes": graph.node_count,
        "segments": int(graph.seg_a.size),
        "shelters": len(shelters),
        "buildings": len(buildings),
        "population_estimate": "floors x footprint / 40 m2 per person",
    }
    with engine.begin() as conn:
        for table in (shelter_graph, shelter_sites, shelter_buildings):
            conn.execute(delete(table))
        conn.execute(
            insert(shelter_graph),
            [
                {
                    "key": "current",
                    "import_id": import_id,
                    "imported_at": datetime.now(UTC),
                    "source": str(pbf)[-400:],
                    "meta": meta,
                    "arrays": _arrays_to_bytes(graph),
                }
            ],
        )
        if shelters:
            conn.execute(
                insert(shelter_sites),
                [
                    {
                        "id": s.id,
                        "name": s.name[:200],
                        "lat": s.lat,
                        "lon": s.lon,
                        "capacity": s.capacity,
                        "is_open": s.open,
                        "opening": s.opening,
                        "source": s.source,
                        "node": s.node,
                    }
                    for s in shelters
                ],
            )
        if buildings:
            conn.execute(
                insert(shelter_buildings),
                [
                    {
                        "id": b.id,
                        "name": b.name[:200],
                        "lat": b.lat,
                        "lon": b.lon,
                        "floors": b.floors,
                        "footprint_m2": b.footprint_m2,
                        "population": b.population,
                        "district": b.district[:96],
                        "node": b.node,
                    }
                    for b in buildings
                ],
            )
    return {
        "import_id": import_id,
        **meta,
        "open_shelters": sum(1 for s in shelters if s.open),
        "osm_shelters": sum(1 for s in shelters if s.source == "osm"),
        "people": round(sum(b.population for b in buildings)),
    }


def _with(obj: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(obj, **changes)


def _districts(buildings: list[Building], bx: np.ndarray, by: np.ndarray, areas: list[tuple[str, Any]]) -> list[str]:
    grid = coverage_mod.grid_district(bx, by)
    out = []
    for b, g in zip(buildings, grid, strict=True):
        name = next((n for n, poly in areas if poly.covers(shapely.Point(b.lon, b.lat))), "") if areas else ""
        out.append(name or b.district or g)
    return out


class ShelterService:
    """Queries over the imported shelters of one database; the graph is loaded once and cached."""

    def __init__(self, engine: Engine, *, recheck_s: float = 5.0) -> None:
        self.engine = engine
        self.recheck_s = recheck_s
        self._index: NearestIndex | None = None
        self._import_id: str | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_engine(cls, engine: Engine) -> ShelterService:
        return cls(engine)

    def warm(self) -> bool:
        """Load the graph now (e.g. at server start) so the first query is fast; False if none imported."""
        try:
            self.index()
        except NotFound:
            return False
        return True

    def _current_id(self) -> str | None:
        if not inspect(self.engine).has_table(shelter_graph.name):
            return None
        with self.engine.connect() as conn:
            return conn.execute(select(shelter_graph.c.import_id).where(shelter_graph.c.key == "current")).scalar()

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
                    "no shelter data imported yet: run `airwarn shelters import-osm FILE.osm.pbf`",
                    field="shelters",
                )
            if self._index is None or current != self._import_id:
                self._index, self._import_id = self._load(), current
            return self._index

    def _load(self) -> NearestIndex:
        with self.engine.connect() as conn:
            row = conn.execute(select(shelter_graph).where(shelter_graph.c.key == "current")).one()
            sites = conn.execute(select(shelter_sites).order_by(shelter_sites.c.id)).all()
            blds = conn.execute(select(shelter_buildings).order_by(shelter_buildings.c.id)).all()
        meta = dict(row.meta)
        graph = _graph_from_bytes(row.arrays, meta)
        shelters = [
            ShelterSite(r.id, r.name, r.lat, r.lon, r.capacity, bool(r.is_open), r.opening, r.source, r.node)
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
        summary = import_data(self.engine, pbf, registry, **kwargs)
        with self._lock:
            self._index, self._import_id, self._checked_at = None, None, 0.0
        return summary

    def nearest(
        self, lat: float, lon: float, speed_m_s: float | None = None, warning_s: float | None = None
    ) -> dict[str, Any]:
        return self.index().nearest(lat, lon, DEFAULT_SPEED_M_S if speed_m_s is None else speed_m_s, warning_s)

    def coverage(
        self, warning_s: float | None = None, speed_m_s: float | None = None, capacity_aware: bool = True
    ) -> dict[str, Any]:
        idx = self.index()
        warn, speed = _check(idx, warning_s, speed_m_s)
        return coverage_mod.report(idx, warn, speed, capacity_aware)

    def plan(
        self, add: int, warning_s: float | None = None, speed_m_s: float | None = None, method: str = "auto"
    ) -> dict[str, Any]:
        if not 1 <= add <= 10_000:
            raise InvalidInput(f"add must be 1..10000, got {add}", field="add")
        if method not in ("auto", "greedy", "exact"):
            raise InvalidInput(f"method must be auto, greedy or exact, got {method!r}", field="method")
        idx = self.index()
        warn, speed = _check(idx, warning_s, speed_m_s)
        return plan_mod.plan(idx, add, warn, speed, method)


def _check(idx: NearestIndex, warning_s: float | None, speed_m_s: float | None) -> tuple[float, float]:
    warn = idx.warning_s if warning_s is None else float(warning_s)
    speed = DEFAULT_SPEED_M_S if speed_m_s is None else float(speed_m_s)
    if not (math.isfinite(warn) and 0 <= warn <= 86400):
        raise InvalidInput(f"warning {warn} s is outside 0..86400", field="warning")
    if not (math.isfinite(speed) and 0.1 <= speed <= 10):
        raise InvalidInput(f"speed {speed} m/s is outside 0.1..10", field="speed")
    return warn, speed
