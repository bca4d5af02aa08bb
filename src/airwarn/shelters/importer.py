"""Import streets, buildings and shelters (OSM PBF or GeoJSON, plus a registry) in one transaction.

Everything is read and checked before the database is touched; the three shelter tables are then
replaced in one transaction, so a bad file leaves the previous import in place. Database failures
become :class:`airwarn.errors.AirwarnError` subclasses, never a bare driver exception.
"""

from __future__ import annotations

import io
import json
import math
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import delete, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from airwarn.errors import AirwarnError, ConfigError, Conflict, InvalidInput, Unavailable
from airwarn.shelters import coverage as coverage_mod
from airwarn.shelters.graph import SegmentIndex, WalkGraph
from airwarn.shelters.model import DEFAULT_ENTRY_S, DEFAULT_WARNING_S, Building, ShelterSite
from airwarn.shelters.nearest import ISLAND_NODES, MAX_SNAP_M
from airwarn.shelters.osm_import import OsmExtract
from airwarn.store.shelter_tables import shelter_buildings, shelter_graph, shelter_sites

#: File formats an import reads; ``auto`` picks by suffix (``.geojson``/``.json`` or else PBF).
FORMATS = ("auto", "pbf", "geojson")
GEOJSON_SUFFIXES = (".geojson", ".json")

Progress = Callable[[str], None]
#: An OSM shelter this close (m) to a registry shelter is the same shelter; the registry wins.
SAME_SHELTER_M = 25.0


def _noop(_step: str) -> None:
    return None


def graph_to_bytes(graph: WalkGraph) -> bytes:
    buf = io.BytesIO()
    extra: dict[str, Any] = {"step_free": graph.step_free} if graph.step_free is not None else {}
    np.savez_compressed(
        buf,
        x_m=graph.x_m,
        y_m=graph.y_m,
        seg_a=graph.seg_a.astype(np.int32),
        seg_b=graph.seg_b.astype(np.int32),
        **extra,
    )
    return buf.getvalue()


def graph_from_bytes(blob: bytes, meta: dict[str, Any]) -> WalkGraph:
    with np.load(io.BytesIO(blob)) as z:
        return WalkGraph(
            z["x_m"],
            z["y_m"],
            z["seg_a"].astype(np.int64),
            z["seg_b"].astype(np.int64),
            float(meta["lat0"]),
            float(meta["lon0"]),
            float(meta.get("sample_m", 10.0)),
            z["step_free"].astype(bool) if "step_free" in z.files else None,
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
    source: str | Path,
    registry: str | Path | None = None,
    *,
    fmt: str = "auto",
    warning_s: float = DEFAULT_WARNING_S,
    entry_s: float = DEFAULT_ENTRY_S,
    districts: str | Path | None = None,
    progress: Progress = _noop,
) -> dict[str, Any]:
    """Read, check and store everything; the database changes in one transaction or not at all."""
    from airwarn.shelters.registry import load_registry

    if not (math.isfinite(warning_s) and warning_s >= 0):
        raise InvalidInput("warning time must be >= 0 s", field="warning_s")
    if not (math.isfinite(entry_s) and entry_s >= 0):
        raise InvalidInput("entry time must be >= 0 s", field="entry_s")
    progress("reading registry")
    reg = load_registry(registry) if registry is not None else []
    areas = load_districts(districts) if districts is not None else []
    ext, file_meta = read_source(source, fmt, progress)
    progress("building walk graph")
    base = ext.graph
    shelters = _merge_shelters(reg, ext.shelters, base)
    proj = base.projection
    sx, sy = proj.to_xy(np.array([s.lon for s in shelters]), np.array([s.lat for s in shelters]))
    if shelters:
        _, _, snap_m, _, _ = SegmentIndex(base, base.network_segments(ISLAND_NODES)).snap_many(sx, sy)
        far = np.flatnonzero(snap_m > MAX_SNAP_M)
        if far.size:
            s = shelters[int(far[0])]
            raise InvalidInput(
                f"shelter {s.id!r} ({s.name}) is {snap_m[far[0]]:.0f} m from the nearest "
                f"walkable path of the street network (pieces under {ISLAND_NODES} nodes do not count): "
                f"outside the street graph",
                field=f"shelter {s.id}",
            )
    bx, by = proj.to_xy(np.array([b.lon for b in ext.buildings]), np.array([b.lat for b in ext.buildings]))
    graph, nodes = base.with_points(np.concatenate([sx, bx]), np.concatenate([sy, by]), ISLAND_NODES)
    shelters = [_with(s, node=int(n)) for s, n in zip(shelters, nodes[: len(shelters)], strict=True)]
    labels = _districts(ext.buildings, bx, by, areas)
    buildings = [
        _with(b, node=int(n), district=d) for b, n, d in zip(ext.buildings, nodes[len(shelters) :], labels, strict=True)
    ]
    progress("writing to the database")
    migrate(engine)
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
        "step_free_data": bool(graph.step_free is not None and not graph.step_free.all()),
        "wheelchair": {s.id: s.wheelchair for s in shelters if s.wheelchair},
        "format": file_meta.pop("format"),
        **({"source_meta": file_meta} if file_meta else {}),
    }
    with db_errors("writing the shelter data"), engine.begin() as conn:
        for table in (shelter_graph, shelter_sites, shelter_buildings):
            conn.execute(delete(table))
        conn.execute(
            insert(shelter_graph),
            [
                {
                    "key": "current",
                    "import_id": import_id,
                    "imported_at": datetime.now(UTC),
                    "source": str(source)[-400:],
                    "meta": meta,
                    "arrays": graph_to_bytes(graph),
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
        "file_shelters": sum(1 for s in shelters if s.source != "registry"),
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


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).strip().splitlines()[0][:300] if str(orig or exc).strip() else type(exc).__name__


@contextmanager
def db_errors(action: str) -> Iterator[None]:
    """Database failures -> Conflict (a constraint refused the data) or Unavailable (cannot write now)."""
    try:
        yield
    except AirwarnError:
        raise
    except IntegrityError as exc:
        raise Conflict(f"{action}: the database refused the data: {_reason(exc)}", field="database") from exc
    except SQLAlchemyError as exc:
        raise Unavailable(f"{action}: the database failed: {_reason(exc)}", field="database") from exc


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema; any failure is a ConfigError naming the database."""
    from airwarn.store.migrate import upgrade

    try:
        upgrade(engine)
    except AirwarnError:
        raise
    except Exception as exc:  # driver, Alembic or file-system errors: say which database and why
        url = engine.url.render_as_string(hide_password=True)
        raise ConfigError(f"cannot open or migrate the database {url}: {_reason(exc)}", field="database") from exc


def _scalars(meta: dict[str, Any], limit: int = 20) -> dict[str, Any]:
    """The file's own short facts (``synthetic``, ``note``, ...) worth keeping with the import."""
    out: dict[str, Any] = {}
    for key, value in list(meta.items())[:limit]:
        if isinstance(value, bool | int | float) or (isinstance(value, str) and key != "format"):
            out[str(key)[:40]] = value[:500] if isinstance(value, str) else value
    return out


def source_format(source: str | Path, fmt: str = "auto") -> str:
    """``pbf`` or ``geojson`` for a file; ``auto`` decides by the suffix."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}", field="format")
    if fmt != "auto":
        return fmt
    return "geojson" if Path(source).suffix.lower() in GEOJSON_SUFFIXES else "pbf"


def read_source(source: str | Path, fmt: str = "auto", progress: Progress = _noop) -> tuple[OsmExtract, dict[str, Any]]:
    """The extract of a PBF or GeoJSON file, and what the file says about itself (``format``, metadata)."""
    kind = source_format(source, fmt)
    if kind == "geojson":
        from airwarn.shelters import geojson_import

        progress("reading GeoJSON")
        doc = geojson_import.read_geojson(source)
        return geojson_import.extract(doc), {"format": "geojson", **_scalars(geojson_import.metadata(doc))}
    from airwarn.shelters import osm_import

    progress("reading OpenStreetMap extract")
    return osm_import.extract(source), {"format": "pbf"}
