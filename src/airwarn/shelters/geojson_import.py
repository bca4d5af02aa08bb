"""Read streets, buildings and shelters from a GeoJSON FeatureCollection with OSM-style properties.

The same shapes an OSM extract gives, as GeoJSON: LineStrings tagged ``highway=*`` (walkable
values only, as pyrosm's walking network), Polygons tagged ``building=*`` and shelters tagged as in
OSM (see :func:`airwarn.shelters.osm_import.is_shelter`) at Points or Polygons. Shelters may also
carry the registry's ``id``, ``capacity`` and ``open`` properties. Other features are ignored.
A broken feature raises :class:`InvalidInput` naming it, e.g. ``field="features[12].geometry"``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from airwarn.errors import InvalidInput
from airwarn.shelters.graph import LocalProjection, WalkGraph
from airwarn.shelters.model import Building, ShelterSite
from airwarn.shelters.osm_import import OsmExtract, buildings_of, is_shelter, segments_of

#: ``highway`` values nobody walks on (pyrosm's walking filter: planned, motor-only, cycle-only ways).
NOT_WALKABLE = frozenset(
    {
        "abandoned", "bus_guideway", "construction", "cycleway", "motor", "motorway", "motorway_link",
        "no", "planned", "platform", "proposed", "raceway", "razed",
    }
)  # fmt: skip
CLOSED = frozenset({"no", "private"})
OPEN_WORDS = {"yes": True, "true": True, "1": True, "open": True, "no": False, "false": False, "0": False}
OPEN_WORDS |= {"closed": False}
LINES = ("LineString", "MultiLineString")
AREAS = ("Polygon", "MultiPolygon")


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", field=field)


def _position(pos: Any, field: str) -> None:
    ok = isinstance(pos, list | tuple) and len(pos) >= 2
    ok = ok and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in pos[:2])
    if not ok:
        raise _bad(field, f"{json.dumps(pos)[:60]} is not a [lon, lat] position")
    if not (-180 <= pos[0] <= 180 and -90 <= pos[1] <= 90):
        raise _bad(field, f"[{pos[0]}, {pos[1]}] is outside lon -180..180, lat -90..90")


def _line(coords: Any, field: str) -> None:
    if not isinstance(coords, list) or len(coords) < 2:
        raise _bad(field, "a line needs at least two positions")
    for pos in coords:
        _position(pos, field)


def _ring(coords: Any, field: str) -> None:
    if not isinstance(coords, list) or len(coords) < 4:
        raise _bad(field, "a polygon ring needs at least four positions")
    for pos in coords:
        _position(pos, field)
    if list(coords[0][:2]) != list(coords[-1][:2]):
        raise _bad(field, "a polygon ring must end where it starts")


def _checked(geometry: Any, field: str) -> Any:
    """A shapely geometry from a GeoJSON geometry whose every position has been checked."""
    if not isinstance(geometry, dict):
        raise _bad(field, "is missing or not a GeoJSON geometry object")
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    nested = isinstance(coords, list) and all(isinstance(c, list) for c in coords)
    if kind == "Point":
        _position(coords, field)
    elif kind == "LineString":
        _line(coords, field)
    elif kind == "MultiLineString" and nested and coords:
        for part in coords:
            _line(part, field)
    elif kind == "Polygon" and nested and coords:
        for ring in coords:
            _ring(ring, field)
    elif kind == "MultiPolygon" and nested and coords and all(isinstance(p, list) and p for p in coords):
        for polygon in coords:
            for ring in polygon:
                _ring(ring, field)
    else:
        raise _bad(field, f"needs a Point, (Multi)LineString or (Multi)Polygon with coordinates, got {kind!r}")
    return shape(geometry)


def _walkable(tags: dict[str, Any]) -> bool:
    if str(tags["highway"]) in NOT_WALKABLE or str(tags.get("area", "")) == "yes":
        return False
    foot = str(tags.get("foot", ""))
    if foot in CLOSED:
        return False
    return not (str(tags.get("access", "")) in CLOSED and foot not in ("yes", "designated", "permissive"))


def _capacity(value: Any, field: str) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        raise _bad(field, f"{value!r} is not a whole number of people") from None
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise _bad(field, f"{value!r} is not a whole number of people >= 0")
    return int(number)


def _shelter(feature: dict[str, Any], tags: dict[str, Any], geom: Any, where: str) -> ShelterSite:
    given = tags.get("id", feature.get("id"))
    shelter_id = str(given).strip() if given not in (None, "") else f"geojson:{where}"
    kind = str(tags.get("shelter_type") or tags.get("emergency") or tags.get("building") or "shelter")
    is_open = str(tags.get("access", "yes")) not in CLOSED
    if "open" in tags:
        word = str(tags["open"]).strip().lower()
        if word not in OPEN_WORDS:
            raise _bad(f"{where}.properties.open", f"{tags['open']!r} is not one of yes/no/true/false/1/0")
        is_open = OPEN_WORDS[word]
    centre = shapely.centroid(geom)
    return ShelterSite(
        id=shelter_id,
        name=str(tags.get("name") or f"{kind.replace('_', ' ')} ({shelter_id})"),
        lat=float(centre.y),
        lon=float(centre.x),
        capacity=_capacity(tags.get("capacity"), f"{where}.properties.capacity"),
        open=is_open,
        opening=str(tags.get("opening") or tags.get("opening_hours") or ""),
        source="geojson",
    )


def _array(geoms: list[Any]) -> np.ndarray:
    out = np.empty(len(geoms), dtype=object)
    out[:] = geoms
    return out


def parse_features(doc: Any) -> tuple[list[Any], list[tuple[str, dict[str, Any], Any]], list[ShelterSite]]:
    """(walkable lines, (id, tags, footprint) of buildings, shelters) from a FeatureCollection."""
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise _bad("type", "the file must be a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise _bad("features", "must be a list of Features")
    lines: list[Any] = []
    buildings: list[tuple[str, dict[str, Any], Any]] = []
    shelters: list[ShelterSite] = []
    first_use: dict[str, str] = {}
    for i, feature in enumerate(features):
        where = f"features[{i}]"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise _bad(where, "is not a GeoJSON Feature")
        tags = feature.get("properties") or {}
        if not isinstance(tags, dict):
            raise _bad(f"{where}.properties", "must be an object")
        shelter_like = is_shelter(tags)
        if not ("highway" in tags or "building" in tags or shelter_like):
            continue  # rivers, railways, labels ...: not part of the walk
        geom = _checked(feature.get("geometry"), f"{where}.geometry")
        kind = geom.geom_type
        if "highway" in tags and kind in LINES and _walkable(tags):
            lines.append(geom)
        if "building" in tags and kind in AREAS:
            given = feature.get("id", tags.get("id"))
            buildings.append((str(given) if given not in (None, "") else f"geojson/{i}", tags, geom))
        if shelter_like:
            site = _shelter(feature, tags, geom, where)
            if site.id in first_use:
                raise _bad(f"{where}.properties.id", f"shelter id {site.id!r} already used by {first_use[site.id]}")
            first_use[site.id] = where
            shelters.append(site)
    return lines, buildings, shelters


def read_geojson(path: str | Path) -> Any:
    """The parsed JSON of a file; InvalidInput (``field="file"``) when it cannot be read."""
    file = Path(path)
    try:
        return json.loads(file.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InvalidInput(f"no such file: {file}", field="file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {file}: {exc}", field="file") from exc
    except ValueError as exc:
        raise InvalidInput(f"{file} is not valid JSON: {exc}", field="file") from exc


def extract(doc: Any, sample_m: float = 10.0) -> OsmExtract:
    """Walk graph (projected metres), buildings and shelters from a parsed FeatureCollection."""
    lines, footprints, shelters = parse_features(doc)
    lon, lat, a, b = segments_of(_array(lines))
    if a.size == 0:
        raise _bad("features", "no LineString tagged with a walkable highway=*: nothing a pedestrian can use")
    proj = LocalProjection(float(np.mean(lat)), float(np.mean(lon)))
    x, y = proj.to_xy(lon, lat)
    graph = WalkGraph(x, y, a, b, proj.lat0, proj.lon0, sample_m)
    buildings: list[Building] = buildings_of(
        [f[0] for f in footprints], [f[1] for f in footprints], _array([f[2] for f in footprints]), proj
    )
    return OsmExtract(graph, buildings, shelters)


def metadata(doc: Any) -> dict[str, Any]:
    """The collection's ``metadata`` object (e.g. ``synthetic``, ``note``), or an empty dict."""
    meta = doc.get("metadata") if isinstance(doc, dict) else None
    return dict(meta) if isinstance(meta, dict) else {}
