"""Read an OpenStreetMap ``.osm.pbf`` (via pyrosm): walkable segments, buildings and tagged shelters.

Population is an *estimate*: floors x footprint / ``FLOOR_M2_PER_PERSON``. Floors come from
``building:levels``, else ``height`` / 3 m, else ``DEFAULT_FLOORS``; building types nobody lives or
works in (roofs, sheds, garages, ...) get none.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from airwarn.errors import InvalidInput
from airwarn.shelters.graph import LocalProjection, WalkGraph
from airwarn.shelters.model import WHEELCHAIR_VALUES, Building, ShelterSite

#: Floor area per person (m2) used to estimate people in a building (Nordic average, rounded).
FLOOR_M2_PER_PERSON = 40.0
#: Floors assumed when a building has neither ``building:levels`` nor ``height``.
DEFAULT_FLOORS = 3.0
#: Metres per storey when converting ``height`` to floors.
STOREY_M = 3.0
#: Building types counted as holding nobody.
EMPTY_TYPES = frozenset(
    {"roof", "shed", "kiosk", "garage", "garages", "carport", "hut", "utility", "tower", "ruins", "bunker"}
)
#: ``shelter_type`` values that protect against air threats (bus stops and picnic roofs do not).
PROTECTIVE_SHELTER_TYPES = frozenset({"bomb_shelter", "air_raid_shelter", "civil_defence", "basement"})
#: ``emergency=*`` values that denote a protective shelter (hydrants, defibrillators etc. do not).
EMERGENCY_SHELTER_VALUES = frozenset({"shelter", "bomb_shelter", "air_raid_shelter", "civil_defence_shelter"})


@dataclass
class OsmExtract:
    """What an import needs from a PBF, in plain arrays and records."""

    graph: WalkGraph
    buildings: list[Building]
    shelters: list[ShelterSite]


def _pyrosm() -> Any:
    try:
        import pyrosm
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise InvalidInput("reading .osm.pbf needs pyrosm: pip install pyrosm", field="file") from exc
    return pyrosm


def _tags(row: Any) -> dict[str, Any]:
    """Column values plus pyrosm's JSON ``tags`` overflow, NaN-free."""
    out: dict[str, Any] = {}
    raw = row.get("tags")
    if isinstance(raw, str) and raw:
        with contextlib.suppress(ValueError):
            out.update(json.loads(raw))
    elif isinstance(raw, dict):
        out.update(raw)
    for key, value in row.items():
        if key in ("tags", "geometry") or value is None:
            continue
        if isinstance(value, float) and math.isnan(value):
            continue
        out[key] = value
    return out


def _number(text: Any) -> float | None:
    match = re.search(r"\d+(?:[.,]\d+)?", str(text)) if text is not None else None
    return float(match.group(0).replace(",", ".")) if match else None


def estimate_floors(tags: dict[str, Any]) -> float:
    levels = _number(tags.get("building:levels"))
    if levels is not None and levels > 0:
        return levels
    height = _number(tags.get("height"))
    if height is not None and height > 0:
        return max(1.0, round(height / STOREY_M))
    return DEFAULT_FLOORS


def is_shelter(tags: dict[str, Any]) -> bool:
    """True for tags that mark a protective shelter (see the module constants)."""
    if tags.get("amenity") == "shelter" and tags.get("shelter_type") in PROTECTIVE_SHELTER_TYPES:
        return True
    if tags.get("building") == "bunker" or tags.get("military") == "bunker":
        return True
    return tags.get("emergency") in EMERGENCY_SHELTER_VALUES


def walk_segments(edges: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split every way geometry into straight segments; vertices are merged by exact coordinate."""
    return segments_of(np.asarray(edges.geometry.values))


def segments_of(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(lon, lat, a, b) of the straight segments of (multi)line geometries, vertices merged at 1e-7 deg."""
    lon, lat, a, b, _ = segments_with_owner(geometries)
    return lon, lat, a, b


def segments_with_owner(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`segments_of` plus, per segment, the index of the geometry (way) it came from."""
    geometries = np.asarray(geometries)
    parts, part_owner = shapely.get_parts(geometries, return_index=True)
    coords, owner = shapely.get_coordinates(parts, return_index=True)
    if coords.shape[0] < 2:
        empty = np.zeros(0, np.int64)
        return np.zeros(0), np.zeros(0), empty, empty, empty
    keys = np.round(coords * 1e7).astype(np.int64)
    uniq, inv = np.unique(keys, axis=0, return_inverse=True)
    inv = np.asarray(inv).ravel()
    same = owner[1:] == owner[:-1]
    a, b = inv[:-1][same], inv[1:][same]
    way = np.asarray(part_owner)[owner[:-1][same]]
    return uniq[:, 0] / 1e7, uniq[:, 1] / 1e7, a.astype(np.int64), b.astype(np.int64), way.astype(np.int64)


#: Steeper than this (percent) a wheelchair user cannot go alone (ADA ramps: 1:12, about 8 %).
MAX_INCLINE_PCT = 8.0
#: Kerbs a wheelchair cannot cross (``kerb=lowered``/``flush`` can be crossed).
BLOCKING_KERBS = frozenset({"raised", "rolled", "yes"})
#: Kerbs higher than this (m, ``kerb:height``) block a wheelchair.
MAX_KERB_M = 0.03


def incline_pct(value: Any) -> float | None:
    """``incline`` as a percentage (``12%``, ``-8 %``, ``5°``); None for ``up``/``down`` or junk."""
    text = str(value or "").strip().lower()
    match = re.fullmatch(r"([+-]?\d+(?:[.,]\d+)?)\s*(%|°)?", text)
    if not match:
        return None
    number = float(match.group(1).replace(",", "."))
    return math.tan(math.radians(number)) * 100 if match.group(2) == "°" else number


def step_free(tags: dict[str, Any]) -> bool:
    """Whether a way can be used in a wheelchair: no steps, not ``wheelchair=no``, not too steep."""
    if tags.get("highway") == "steps" or tags.get("wheelchair") == "no":
        return False
    if tags.get("step_count") not in (None, "", "0"):
        return False
    pct = incline_pct(tags.get("incline"))
    return pct is None or abs(pct) <= MAX_INCLINE_PCT


def kerb_blocks(tags: dict[str, Any]) -> bool:
    """A kerb node a wheelchair cannot cross."""
    height = _number(tags.get("kerb:height"))
    if height is not None:
        metres = height / 100 if "cm" in str(tags.get("kerb:height")) else height
        return metres > MAX_KERB_M
    return str(tags.get("kerb", "")) in BLOCKING_KERBS


def read_pbf(path: str | Path) -> tuple[Any, Any, Any]:
    """(walking edges, buildings, shelter POIs) as GeoDataFrames; a clear error for a bad file."""
    pyrosm = _pyrosm()
    name = str(path)
    if not Path(name).is_file():
        raise InvalidInput(f"no such file: {name}", field="file")
    try:
        try:
            osm = pyrosm.OSM(name, progress=False)  # our CLI shows its own progress
        except TypeError:  # older pyrosm without the progress option
            osm = pyrosm.OSM(name)
        edges = osm.get_network(network_type="walking")
        buildings = osm.get_buildings()
        pois = osm.get_pois(
            custom_filter={
                "amenity": ["shelter"],
                "building": ["bunker"],
                "military": ["bunker"],
                "emergency": True,
            }
        )
    except InvalidInput:
        raise
    except Exception as exc:  # pyrosm raises protobuf, ValueError, KeyError ... on broken files
        raise InvalidInput(f"{name} is not a readable OSM PBF file: {exc}", field="file") from exc
    if edges is None or len(edges) == 0:
        raise InvalidInput(f"{name} has no streets or paths a pedestrian can use", field="file")
    return edges, buildings, pois


def extract(path: str | Path, sample_m: float = 10.0) -> OsmExtract:
    """Walk graph (projected metres), buildings with population estimates and OSM-tagged shelters."""
    edges, buildings_df, pois = read_pbf(path)
    lon, lat, a, b, way = segments_with_owner(np.asarray(edges.geometry.values))
    if a.size == 0:
        raise InvalidInput(f"{path} has no walkable segments", field="file")
    way_ok = np.fromiter((step_free(_tags(row)) for _, row in edges.iterrows()), dtype=bool, count=len(edges))
    free = way_ok[way]
    kerbs = _kerb_keys(path)
    if kerbs.size:  # a segment ending at a kerb a wheelchair cannot cross is not step-free
        keys = np.round(np.column_stack([lon, lat]) * 1e7).astype(np.int64)
        blocked = np.zeros(lon.size, dtype=bool)
        kerb_set = {tuple(k) for k in kerbs.tolist()}
        blocked[[i for i, k in enumerate(map(tuple, keys.tolist())) if k in kerb_set]] = True
        free &= ~(blocked[a] | blocked[b])
    proj = LocalProjection(float(np.mean(lat)), float(np.mean(lon)))
    x, y = proj.to_xy(lon, lat)
    graph = WalkGraph(x, y, a, b, proj.lat0, proj.lon0, sample_m, free)
    return OsmExtract(graph, _buildings(buildings_df, proj), _shelters(pois))


def _kerb_keys(path: str | Path) -> np.ndarray:
    """Rounded (lon, lat) keys (1e-7 deg) of kerb nodes a wheelchair cannot cross."""
    pyrosm = _pyrosm()
    try:
        kerbs = pyrosm.OSM(str(path)).get_pois(custom_filter={"kerb": True})
    except Exception:  # no such nodes, or pyrosm cannot filter them: no kerb information
        return np.zeros((0, 2), np.int64)
    if kerbs is None or len(kerbs) == 0:
        return np.zeros((0, 2), np.int64)
    rows = [(row.geometry, _tags(row)) for _, row in kerbs.iterrows() if row.geometry.geom_type == "Point"]
    pts = [(g.x, g.y) for g, t in rows if kerb_blocks(t)]
    return np.round(np.asarray(pts, dtype=float).reshape(-1, 2) * 1e7).astype(np.int64)


def _buildings(df: Any, proj: LocalProjection) -> list[Building]:
    if df is None or len(df) == 0:
        return []
    ids = [f"{row.get('osm_type', 'way')}/{int(row['id'])}" for _, row in df.iterrows()]
    tags = [_tags(row) for _, row in df.iterrows()]
    return buildings_of(ids, tags, np.asarray(df.geometry.values), proj)


def buildings_of(
    ids: list[str], tags: list[dict[str, Any]], geoms: np.ndarray, proj: LocalProjection
) -> list[Building]:
    """Buildings (centroid, footprint, estimated people) from footprints in lon/lat; repeated ids kept once."""
    if len(ids) == 0:
        return []
    projected = shapely.transform(geoms, lambda xy: np.column_stack(proj.to_xy(xy[:, 0], xy[:, 1])))
    area_m2 = shapely.area(projected)
    centre = shapely.centroid(projected)
    cx, cy = shapely.get_x(centre), shapely.get_y(centre)
    clon, clat = proj.to_lonlat(cx, cy)
    out: list[Building] = []
    seen: set[str] = set()
    for i, (building_id, tag) in enumerate(zip(ids, tags, strict=True)):
        if not np.isfinite(cx[i]) or building_id in seen:
            continue
        seen.add(building_id)
        floors = estimate_floors(tag)
        kind = str(tag.get("building", "yes"))
        people = 0.0 if kind in EMPTY_TYPES else floors * float(area_m2[i]) / FLOOR_M2_PER_PERSON
        out.append(
            Building(
                id=building_id,
                name=str(tag.get("name") or ""),
                lat=float(clat[i]),
                lon=float(clon[i]),
                floors=floors,
                footprint_m2=round(float(area_m2[i]), 2),
                population=round(people, 2),
                district=str(tag.get("addr:suburb") or tag.get("addr:city_district") or ""),
            )
        )
    return out


def _shelters(df: Any) -> list[ShelterSite]:
    if df is None or len(df) == 0:
        return []
    out: list[ShelterSite] = []
    for _, row in df.iterrows():
        tags = _tags(row)
        if not is_shelter(tags):
            continue
        point = shapely.centroid(row.geometry)
        out.append(shelter_of(f"{row.get('osm_type', 'node')}/{int(row['id'])}", tags, float(point.y), float(point.x)))
    return out


def shelter_of(osm_id: str, tags: dict[str, Any], lat: float, lon: float) -> ShelterSite:
    """A shelter from OSM-style tags (``name``, ``capacity``, ``access``, ``opening_hours``, ``wheelchair``)."""
    capacity = _number(tags.get("capacity"))
    kind = tags.get("shelter_type") or tags.get("emergency") or "bunker"
    return ShelterSite(
        id=f"osm:{osm_id}",
        name=str(tags.get("name") or f"{str(kind).replace('_', ' ')} (OSM {osm_id})"),
        lat=lat,
        lon=lon,
        capacity=int(capacity) if capacity is not None else None,
        open=str(tags.get("access", "yes")) not in ("no", "private"),
        opening=str(tags.get("opening_hours") or ""),
        source="osm",
        wheelchair=str(tags.get("wheelchair") or "") if tags.get("wheelchair") in WHEELCHAIR_VALUES else "",
    )
