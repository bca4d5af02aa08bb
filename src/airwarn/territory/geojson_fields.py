"""Typed readers of GeoJSON properties and geometries; each failure is InvalidInput naming the field."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from airwarn.domain.territory import Ring, Rings
from airwarn.errors import InvalidInput


def fail(where: str, message: str) -> InvalidInput:
    return InvalidInput(message, field=where)


def obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise fail(where, f"{where} must be an object")
    return value


def as_list(value: Any, where: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise fail(where, f"{where} must be a list")
    return value


def text(props: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = props.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{where}.{key}", f"{key} must be a non-empty string")
    return value.strip()


def opt_text(props: Mapping[str, Any], key: str, where: str) -> str | None:
    value = props.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{where}.{key}", f"{key} must be a non-empty string or null")
    return value.strip()


def texts(props: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = props.get(key)
    if value is None:
        return ()
    items = as_list(value, f"{where}.{key}")
    out: list[str] = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise fail(f"{where}.{key}[{i}]", f"{key}[{i}] must be a non-empty string")
        out.append(item.strip())
    return tuple(out)


def as_int(props: Mapping[str, Any], key: str, where: str, *, minimum: int, required: bool) -> int | None:
    value = props.get(key)
    if value is None:
        if required:
            raise fail(f"{where}.{key}", f"{key} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise fail(f"{where}.{key}", f"{key} must be an integer")
    if value < minimum:
        raise fail(f"{where}.{key}", f"{key} must be at least {minimum}")
    return int(value)


def number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise fail(where, f"{where} must be a finite number")
    return float(value)


def lat_lon(lat: float, lon: float, where: str) -> None:
    if not -90.0 <= lat <= 90.0:
        raise fail(where, f"latitude {lat} is out of range -90..90")
    if not -180.0 <= lon <= 180.0:
        raise fail(where, f"longitude {lon} is out of range -180..180")


def centre(props: Mapping[str, Any], where: str) -> tuple[float, float] | None:
    value = props.get("centre")
    if value is None:
        return None
    where = f"{where}.centre"
    items = as_list(value, where)
    if len(items) != 2:
        raise fail(where, "centre must be [lat, lon]")
    lat, lon = number(items[0], f"{where}[0]"), number(items[1], f"{where}[1]")
    lat_lon(lat, lon, where)
    return (lat, lon)


def position(value: Any, where: str) -> tuple[float, float]:
    items = as_list(value, where)
    if len(items) not in (2, 3):
        raise fail(where, "a position must be [lon, lat] (optionally with altitude)")
    lon, lat = number(items[0], f"{where}[0]"), number(items[1], f"{where}[1]")
    lat_lon(lat, lon, where)
    return (lon, lat)


def ring(value: Any, where: str) -> Ring:
    items = as_list(value, where)
    if len(items) < 4:
        raise fail(where, f"a polygon ring needs at least 4 positions, got {len(items)}")
    closed = tuple(position(p, f"{where}[{i}]") for i, p in enumerate(items))
    if closed[0] != closed[-1]:
        raise fail(where, "a polygon ring must close: its first and last positions differ")
    return closed


def polygon(value: Any, where: str) -> Ring:
    """Outer ring of one GeoJSON polygon (its holes are read by :func:`polygon_holes`)."""
    return polygon_holes(value, where)[0]


def polygon_holes(value: Any, where: str) -> tuple[Ring, Rings]:
    """(outer ring, holes) of one GeoJSON polygon, every ring checked."""
    rings = as_list(value, where)
    if not rings:
        raise fail(where, "a polygon needs an outer ring")
    outer = ring(rings[0], f"{where}[0]")
    holes = tuple(ring(hole, f"{where}[{i}]") for i, hole in enumerate(rings[1:], start=1))
    return outer, holes


def area(geometry: Any, where: str, *, required: bool) -> Rings:
    """Outer rings of a Polygon or MultiPolygon."""
    return area_holes(geometry, where, required=required)[0]


def area_holes(geometry: Any, where: str, *, required: bool) -> tuple[Rings, Rings]:
    """(outer rings, holes) of a Polygon or MultiPolygon; holes of every polygon together."""
    if geometry is None:
        if required:
            raise fail(where, "geometry must be a Polygon or MultiPolygon")
        return (), ()
    geometry = obj(geometry, where)
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Polygon":
        outer, holes = polygon_holes(coords, f"{where}.coordinates")
        return (outer,), holes
    if kind == "MultiPolygon":
        polygons = as_list(coords, f"{where}.coordinates")
        if not polygons:
            raise fail(f"{where}.coordinates", "a MultiPolygon needs at least one polygon")
        read = [polygon_holes(p, f"{where}.coordinates[{i}]") for i, p in enumerate(polygons)]
        return tuple(o for o, _ in read), tuple(h for _, hs in read for h in hs)
    raise fail(f"{where}.type", f"geometry must be a Polygon or MultiPolygon, not {kind!r}")


def point(geometry: Any, where: str) -> tuple[float, float]:
    """(lat, lon) of a GeoJSON Point."""
    if geometry is None:
        raise fail(where, "geometry must be a Point")
    geometry = obj(geometry, where)
    if geometry.get("type") != "Point":
        raise fail(f"{where}.type", f"geometry must be a Point, not {geometry.get('type')!r}")
    lon, lat = position(geometry.get("coordinates"), f"{where}.coordinates")
    return (lat, lon)
