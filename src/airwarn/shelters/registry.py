"""Shelter registry files (CSV or GeoJSON): id, name, lat, lon, capacity, open flag, opening rules.

CSV: a header ``id,name,lat,lon,capacity,open,opening`` (optional ``wheelchair``: yes/limited/no);
lines starting with ``#`` are comments.
Rows are numbered by their line in the file, so ``row 7`` is what an editor shows as line 7.
GeoJSON: a FeatureCollection of Points with those names as properties.
A broken row raises :class:`airwarn.errors.InvalidInput` naming the row and the field.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from airwarn.errors import InvalidInput
from airwarn.shelters.model import WHEELCHAIR_VALUES, ShelterSite

REQUIRED = ("id", "lat", "lon")
TRUE = {"", "1", "true", "yes", "y", "open"}
FALSE = {"0", "false", "no", "n", "closed"}


def _bad(where: str, column: str, message: str) -> InvalidInput:
    return InvalidInput(f"shelter registry {where}, field '{column}': {message}", field=f"{where}, {column}")


def _float(value: Any, where: str, column: str, low: float, high: float) -> float:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        raise _bad(where, column, f"{value!r} is not a number") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise _bad(where, column, f"{number} is outside {low}..{high}")
    return number


def _capacity(value: Any, where: str) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        raise _bad(where, "capacity", f"{text!r} is not a whole number of people") from None
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise _bad(where, "capacity", f"{text!r} is not a whole number of people >= 0")
    return int(number)


def _open(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise _bad(where, "open", f"{value!r} is not one of yes/no/true/false/1/0")


def _wheelchair(value: Any, where: str) -> str:
    text = "" if value is None else str(value).strip().lower()
    if text and text not in WHEELCHAIR_VALUES:
        raise _bad(where, "wheelchair", f"{value!r} is not one of {'/'.join(WHEELCHAIR_VALUES)} (or empty)")
    return text


def parse_record(record: dict[str, Any], where: str) -> ShelterSite:
    """One registry entry -> ShelterSite, or InvalidInput naming ``where`` and the field."""
    for column in REQUIRED:
        if record.get(column) is None or str(record.get(column)).strip() == "":
            raise _bad(where, column, "is missing")
    shelter_id = str(record["id"]).strip()
    return ShelterSite(
        id=shelter_id,
        name=str(record.get("name") or shelter_id).strip(),
        lat=_float(record["lat"], where, "lat", -90.0, 90.0),
        lon=_float(record["lon"], where, "lon", -180.0, 180.0),
        capacity=_capacity(record.get("capacity"), where),
        open=_open(record.get("open"), where),
        opening=str(record.get("opening") or "").strip(),
        source="registry",
        wheelchair=_wheelchair(record.get("wheelchair"), where),
    )


def _check_unique(sites: list[tuple[str, ShelterSite]]) -> None:
    seen: dict[str, str] = {}
    for where, site in sites:
        if site.id in seen:
            raise _bad(where, "id", f"{site.id!r} already used in {seen[site.id]}")
        seen[site.id] = where


def parse_csv(text: str) -> list[ShelterSite]:
    lines = text.splitlines()
    numbered = [(i + 1, line) for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        raise InvalidInput("shelter registry is empty", field="file")
    reader = csv.reader(io.StringIO("\n".join(line for _, line in numbered)))
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise _bad(f"row {numbered[0][0]}", missing[0], "column is missing from the header")
    out: list[tuple[str, ShelterSite]] = []
    for (line_no, _), values in zip(numbered[1:], reader, strict=True):
        where = f"row {line_no}"
        if len(values) != len(header):
            raise _bad(
                where,
                header[min(len(values), len(header) - 1)],
                f"{len(values)} values for {len(header)} columns",
            )
        out.append((where, parse_record(dict(zip(header, values, strict=True)), where)))
    _check_unique(out)
    return [site for _, site in out]


def parse_geojson(text: str) -> list[ShelterSite]:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"shelter registry is not valid JSON: {exc}", field="file") from exc
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise InvalidInput("shelter registry GeoJSON needs a FeatureCollection", field="features")
    out: list[tuple[str, ShelterSite]] = []
    for i, feature in enumerate(features):
        where = f"features[{i}]"
        geometry = (feature or {}).get("geometry") or {}
        coords = geometry.get("coordinates")
        if geometry.get("type") != "Point" or not isinstance(coords, list) or len(coords) < 2:
            raise _bad(where, "geometry", "needs a Point with [lon, lat]")
        props = dict(feature.get("properties") or {})
        props.setdefault("id", feature.get("id"))
        props["lon"], props["lat"] = coords[0], coords[1]
        out.append((where, parse_record(props, where)))
    _check_unique(out)
    return [site for _, site in out]


def load_registry(path: str | Path) -> list[ShelterSite]:
    """Read a registry file; the format follows the suffix (``.csv``, ``.geojson``/``.json``)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read shelter registry {file}: {exc}", field="registry") from exc
    if file.suffix.lower() in (".geojson", ".json"):
        return parse_geojson(text)
    return parse_csv(text)
