"""The sensor registry: which sensors exist, where, what kind, how far they hear; imported from CSV or GeoJSON."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from airwarn.errors import InvalidInput

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


class SensorKind(StrEnum):
    ACOUSTIC = "acoustic"  # a microphone that gives a bearing to what it hears
    RADAR = "radar"  # position (and velocity) plots
    OBSERVER = "observer"  # a person who sees it: approximate position, heading


#: Default detection range and bearing spread by kind, when the registry does not give them.
DEFAULT_RANGE_M = {SensorKind.ACOUSTIC: 4_000.0, SensorKind.RADAR: 80_000.0, SensorKind.OBSERVER: 3_000.0}
DEFAULT_BEARING_SD_DEG = 5.0


@dataclass(frozen=True)
class Sensor:
    id: str
    kind: SensorKind
    lat: float
    lon: float
    range_m: float
    bearing_sd_deg: float = DEFAULT_BEARING_SD_DEG
    region: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind.value, "lat": self.lat, "lon": self.lon, "range_m": self.range_m,
                "bearing_sd_deg": self.bearing_sd_deg, "region": self.region}


def sensor_from(props: Mapping[str, Any], where: str) -> Sensor:
    """One sensor from a mapping of its fields; InvalidInput names the row and field at fault."""
    sid = str(props.get("id", "")).strip()
    if not _ID.match(sid):
        raise InvalidInput("id must be 1–64 letters, digits or . _ : -", field=f"{where}.id")
    try:
        kind = SensorKind(str(props.get("kind", "")).strip())
    except ValueError:
        raise InvalidInput(f"kind must be one of: {', '.join(k.value for k in SensorKind)}",
                           field=f"{where}.kind") from None
    lat = _number(props.get("lat"), f"{where}.lat", -90, 90)
    lon = _number(props.get("lon"), f"{where}.lon", -180, 180)
    raw_range = props.get("range_m")
    range_m = DEFAULT_RANGE_M[kind] if raw_range in (None, "") else _number(raw_range, f"{where}.range_m", 1, 1e6)
    raw_sd = props.get("bearing_sd_deg")
    sd = DEFAULT_BEARING_SD_DEG if raw_sd in (None, "") else _number(raw_sd, f"{where}.bearing_sd_deg", 0.1, 45)
    region = props.get("region") or None
    return Sensor(sid, kind, lat, lon, range_m, sd, str(region) if region else None)


def _number(value: Any, where: str, lo: float, hi: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput("must be a number", field=where) from None
    if not math.isfinite(number) or not lo <= number <= hi:
        raise InvalidInput(f"must be between {lo:g} and {hi:g}", field=where)
    return number


def parse_registry(text: str, *, fmt: str | None = None) -> list[Sensor]:
    """Sensors from CSV (header: id,kind,lat,lon[,range_m,bearing_sd_deg,region]) or a GeoJSON of points."""
    stripped = text.lstrip()
    if fmt == "geojson" or (fmt is None and stripped.startswith("{")):
        return _from_geojson(text)
    return _from_csv(text)


def _from_csv(text: str) -> list[Sensor]:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"id", "kind", "lat", "lon"} - set(reader.fieldnames or [])
    if missing:
        raise InvalidInput(f"the CSV header lacks {', '.join(sorted(missing))}", field="row 1")
    return _unique(sensor_from(row, f"row {n}") for n, row in enumerate(reader, start=2))


def _from_geojson(text: str) -> list[Sensor]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInput(f"not JSON: {e.msg} at line {e.lineno}", field="file") from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise InvalidInput("expected a GeoJSON FeatureCollection", field="features")
    sensors = []
    for n, feature in enumerate(features):
        where = f"features[{n}]"
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") != "Point" or not isinstance(coords, list) \
                or len(coords) < 2:
            raise InvalidInput("each sensor is a Point feature", field=f"{where}.geometry")
        props = dict(feature.get("properties") or {})
        props["lon"], props["lat"] = coords[0], coords[1]
        sensors.append(sensor_from(props, where))
    return _unique(sensors)


def _unique(sensors: Iterable[Sensor]) -> list[Sensor]:
    seen: set[str] = set()
    out = []
    for s in sensors:
        if s.id in seen:
            raise InvalidInput(f"sensor {s.id!r} appears twice", field="id")
        seen.add(s.id)
        out.append(s)
    return out
