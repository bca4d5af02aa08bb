"""Read and write a territory as a GeoJSON FeatureCollection, and the bundled demo territory.

Each feature carries ``properties.kind``: ``region``, ``district``, ``airport`` or ``shelter``.
GeoJSON positions are ``[lon, lat]``; ``centre`` properties are ``[lat, lon]`` like the domain.
A top-level ``metadata`` object (string values) becomes :attr:`Territory.metadata`.

Loading validates everything first and raises :class:`~airwarn.errors.InvalidInput` naming the
place (``features[12].properties.region``); nothing is half loaded.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from airwarn.domain.regimes import CARPET, Plan, PlanStep
from airwarn.domain.reports import RegimeKind
from airwarn.domain.territory import (
    Airport,
    District,
    Region,
    Settlement,
    Shelter,
    Territory,
    fold,
    slug,
)
from airwarn.territory.geojson_fields import (
    area_holes,
    as_int,
    as_list,
    centre,
    fail,
    obj,
    opt_text,
    point,
    text,
    texts,
)
from airwarn.territory.writer import dump_territory, dumps_territory  # re-exported: callers import them here

__all__ = ["DEMO_RESOURCE", "demo_territory", "dump_territory", "dumps_territory", "load_territory"]

#: Where the bundled demo territory lives inside the package.
DEMO_RESOURCE = ("airwarn.data", "territory/demo.geojson")
#: The packaged gazetteer of the demo's towns (CSV; see the file's header).
DEMO_PLACES = ("airwarn.data", "territory/places.csv")

KINDS = ("region", "district", "airport", "shelter", "place")
PLACE_KINDS = ("city", "town", "village", "hamlet")
_REGION_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
_ICAO = re.compile(r"^[A-Z0-9]{4}$")
_IATA = re.compile(r"^[A-Z0-9]{3}$")


# ---------------------------------------------------------------------------------------------
# features
# ---------------------------------------------------------------------------------------------


def _plan(value: Any, where: str) -> Plan:
    props = obj(value, where)
    steps_raw = as_list(props.get("steps"), f"{where}.steps")
    if not steps_raw:
        raise fail(f"{where}.steps", "a plan needs at least one step")
    steps: list[PlanStep] = []
    for i, step in enumerate(steps_raw):
        try:
            steps.append(PlanStep(step))
        except ValueError:
            known = ", ".join(s.value for s in PlanStep)
            raise fail(f"{where}.steps[{i}]", f"unknown plan step {step!r} (known: {known})") from None
    trigger_raw = props.get("trigger")
    trigger: RegimeKind | None = None
    if trigger_raw is not None:
        try:
            trigger = RegimeKind(trigger_raw)
        except ValueError:
            known = ", ".join(k.value for k in RegimeKind)
            raise fail(f"{where}.trigger", f"unknown regime {trigger_raw!r} (known: {known})") from None
    return Plan(
        name=text(props, "name", where),
        steps=tuple(steps),
        aliases=texts(props, "aliases", where),
        trigger=trigger,
        instruction_en=text(props, "instruction_en", where, required=False),
        instruction_ru=text(props, "instruction_ru", where, required=False),
    )


def _region(props: Mapping[str, Any], geometry: Any, where: str, gwhere: str) -> Region:
    code = text(props, "code", where)
    if not _REGION_CODE.match(code):
        raise fail(f"{where}.code", f"region code {code!r} is not an ISO 3166-2 code like RU-ROS")
    country = text(props, "country", where, required=False) or code[:2]
    if country != code[:2]:
        raise fail(f"{where}.country", f"country {country!r} does not match region code {code}")
    timezone = text(props, "timezone", where)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(f"{where}.timezone", f"unknown IANA time zone {timezone!r}") from None
    warning_s = as_int(props, "warning_s", where, minimum=1, required=True)
    assert warning_s is not None
    plans_raw = props.get("plans")
    plans: tuple[Plan, ...] = ()
    if plans_raw is not None:
        plans = tuple(
            _plan(p, f"{where}.plans[{i}]") for i, p in enumerate(as_list(plans_raw, f"{where}.plans"))
        )
    seen: dict[str, int] = {}
    for i, plan in enumerate(plans):
        for name in (plan.name, *plan.aliases):
            key = fold(name)
            if key in seen and seen[key] != i:
                raise fail(f"{where}.plans[{i}]", f"plan name {name!r} is used by two plans of {code}")
            seen[key] = i
    if fold(CARPET.name) not in seen:
        plans = (*plans, CARPET)
    polygon, holes = area_holes(geometry, gwhere, required=False)
    return Region(
        code=code,
        name_en=text(props, "name_en", where),
        name_ru=text(props, "name_ru", where),
        timezone=timezone,
        warning_s=warning_s,
        country=country,
        polygon=polygon,
        centre=centre(props, where),
        aliases=texts(props, "aliases", where),
        plans=plans,
        holes=holes,
    )


def _district(props: Mapping[str, Any], geometry: Any, where: str, gwhere: str) -> District:
    region = text(props, "region", where)
    name_en = text(props, "name_en", where)
    code = opt_text(props, "code", where) or f"{region}-{slug(name_en)}"
    if not code.startswith(f"{region}-") or code != code.upper():
        raise fail(f"{where}.code", f"district code {code!r} must be {region}-<UPPER-CASE SLUG>")
    approximate = props.get("polygon_approximate", True)
    if not isinstance(approximate, bool):
        raise fail(f"{where}.polygon_approximate", "polygon_approximate must be true or false")
    polygon, holes = area_holes(geometry, gwhere, required=False)
    return District(
        code=code,
        region=region,
        name_en=name_en,
        name_ru=text(props, "name_ru", where),
        population=as_int(props, "population", where, minimum=0, required=False),
        polygon=polygon,
        centre=centre(props, where),
        aliases=texts(props, "aliases", where),
        polygon_approximate=approximate,
        warning_s=as_int(props, "warning_s", where, minimum=1, required=False),
        holes=holes,
    )


def _airport(props: Mapping[str, Any], geometry: Any, where: str, gwhere: str) -> Airport:
    icao = text(props, "icao", where).upper()
    if not _ICAO.match(icao):
        raise fail(f"{where}.icao", f"ICAO code {icao!r} must be 4 letters or digits")
    iata = opt_text(props, "iata", where)
    if iata is not None:
        iata = iata.upper()
        if not _IATA.match(iata):
            raise fail(f"{where}.iata", f"IATA code {iata!r} must be 3 letters or digits")
    lat, lon = point(geometry, gwhere)
    return Airport(
        icao=icao,
        region=text(props, "region", where),
        name_en=text(props, "name_en", where),
        lat=lat,
        lon=lon,
        iata=iata,
        name_ru=text(props, "name_ru", where, required=False),
        aliases=texts(props, "aliases", where),
    )


def _shelter(props: Mapping[str, Any], geometry: Any, where: str, gwhere: str) -> Shelter:
    raw_id = props.get("id")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    shelter_id = text({"id": raw_id}, "id", where)
    lat, lon = point(geometry, gwhere)
    return Shelter(
        id=shelter_id,
        name=text(props, "name", where),
        lat=lat,
        lon=lon,
        capacity=as_int(props, "capacity", where, minimum=0, required=False),
        region=opt_text(props, "region", where),
    )


def _place(props: Mapping[str, Any], geometry: Any, where: str, gwhere: str) -> Settlement:
    raw_id = props.get("id")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    lat, lon = point(geometry, gwhere)
    kind = opt_text(props, "place", where) or "town"
    if kind not in PLACE_KINDS:
        raise fail(f"{where}.place", f"place must be one of {', '.join(PLACE_KINDS)}, got {kind!r}")
    return Settlement(
        id=text({"id": raw_id}, "id", where),
        name=text(props, "name", where),
        region=text(props, "region", where),
        district=opt_text(props, "district", where),
        lat=lat,
        lon=lon,
        kind=kind,
        name_en=text(props, "name_en", where, required=False),
        population=as_int(props, "population", where, minimum=0, required=False),
        aliases=texts(props, "aliases", where),
    )


def _read_source(source: Mapping[str, Any] | str | Path) -> Any:
    if isinstance(source, Mapping):
        return source
    if isinstance(source, str) and source.lstrip().startswith("{"):
        text = source
    else:
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise fail("source", f"cannot read territory file {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail("source", f"territory is not valid JSON: {exc.msg} at line {exc.lineno}") from None


def load_territory(source: Mapping[str, Any] | str | Path) -> Territory:
    """A Territory from a GeoJSON FeatureCollection: a parsed dict, JSON text or a file path.

    Every region gets the federal :data:`~airwarn.domain.regimes.CARPET` plan after its own plans
    unless it defines a plan named Carpet itself. Raises InvalidInput naming the broken field.
    """
    doc = obj(_read_source(source), "$")
    if doc.get("type") != "FeatureCollection":
        raise fail("type", f"expected a GeoJSON FeatureCollection, got type {doc.get('type')!r}")
    metadata_raw = doc.get("metadata")
    metadata: dict[str, str] = {}
    if metadata_raw is not None:
        for key, value in obj(metadata_raw, "metadata").items():
            if not isinstance(value, str):
                raise fail(f"metadata.{key}", f"metadata.{key} must be a string")
            metadata[str(key)] = value
    features = as_list(doc.get("features"), "features")

    regions: dict[str, Region] = {}
    districts: dict[str, District] = {}
    airports: dict[str, Airport] = {}
    shelters: dict[str, Shelter] = {}
    places: dict[str, Settlement] = {}
    place_districts: list[tuple[str, str, str, str]] = []  # (field, district, region, what)
    # the region each district/airport/shelter names, checked once all regions are known
    references: list[tuple[str, str, str]] = []  # (field, region code, what)

    for index, raw in enumerate(features):
        fwhere = f"features[{index}]"
        feature = obj(raw, fwhere)
        if feature.get("type") != "Feature":
            raise fail(f"{fwhere}.type", f"expected a GeoJSON Feature, got type {feature.get('type')!r}")
        props = obj(feature.get("properties"), f"{fwhere}.properties")
        where, gwhere = f"{fwhere}.properties", f"{fwhere}.geometry"
        geometry = feature.get("geometry")
        kind = props.get("kind")
        if kind == "region":
            region = _region(props, geometry, where, gwhere)
            if region.code in regions:
                raise fail(f"{where}.code", f"duplicate region code {region.code}")
            regions[region.code] = region
        elif kind == "district":
            district = _district(props, geometry, where, gwhere)
            if district.code in districts:
                raise fail(f"{where}.code", f"duplicate district code {district.code}")
            districts[district.code] = district
            references.append((f"{where}.region", district.region, f"district {district.code}"))
        elif kind == "airport":
            airport = _airport(props, geometry, where, gwhere)
            if airport.icao in airports:
                raise fail(f"{where}.icao", f"duplicate airport ICAO code {airport.icao}")
            airports[airport.icao] = airport
            references.append((f"{where}.region", airport.region, f"airport {airport.icao}"))
        elif kind == "shelter":
            shelter = _shelter(props, geometry, where, gwhere)
            if shelter.id in shelters:
                raise fail(f"{where}.id", f"duplicate shelter id {shelter.id}")
            shelters[shelter.id] = shelter
            if shelter.region is not None:
                references.append((f"{where}.region", shelter.region, f"shelter {shelter.id}"))
        elif kind == "place":
            place = _place(props, geometry, where, gwhere)
            if place.id in places:
                raise fail(f"{where}.id", f"duplicate place id {place.id}")
            places[place.id] = place
            references.append((f"{where}.region", place.region, f"place {place.id}"))
            if place.district is not None:
                place_districts.append((f"{where}.district", place.district, place.region, f"place {place.id}"))
        else:
            raise fail(f"{where}.kind", f"unknown feature kind {kind!r} (known: {', '.join(KINDS)})")

    for where, code, what in references:
        if code not in regions:
            raise fail(where, f"{what} names unknown region {code}")
    for where, code, region_code, what in place_districts:
        if code not in districts or districts[code].region != region_code:
            raise fail(where, f"{what} names unknown district {code} of {region_code}")

    from airwarn.geo.cap_areas import CapAreaShaper

    return Territory(
        regions=regions,
        districts=districts,
        airports=airports,
        shelters=shelters,
        metadata=metadata,
        places=places,
        shaper=CapAreaShaper(),
    )


@functools.lru_cache(maxsize=1)
def demo_territory() -> Territory:
    """The bundled demo territory (read once, then cached: treat it as read-only)."""
    package, name = DEMO_RESOURCE
    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    territory = load_territory(json.loads(text))
    if not territory.places:
        package, name = DEMO_PLACES
        table = resources.files(package).joinpath(name).read_text(encoding="utf-8")
        territory.places = {p.id: p for p in places_from_table(territory, table)}
        territory.reindex()
    return territory


def places_from_table(territory: Territory, table: str) -> list[Settlement]:
    """Settlements from the packaged CSV; a district named there must exist, else the point decides."""
    import csv

    lines = [line for line in table.splitlines() if line.strip() and not line.startswith("#")]
    out = []
    for row_no, row in enumerate(csv.DictReader(lines), start=2):
        where = f"places row {row_no}"
        lat, lon = float(row["lat"]), float(row["lon"])
        district = territory.district(row["region"], row["district"]) if row["district"] else territory.locate(lat, lon)
        if district is None or district.region != row["region"]:
            raise fail(f"{where}.district", f"{row['name_en']}: no district {row['district']!r} in {row['region']}")
        out.append(Settlement(
            id=f"{row['region']}/{slug(row['name_en']).lower()}", name=row["name"], region=row["region"],
            district=district.code, lat=lat, lon=lon, kind=row["kind"], name_en=row["name_en"],
            population=int(row["population"]) if row["population"] else None,
        ))
    return out
