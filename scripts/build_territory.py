#!/usr/bin/env python3
"""Build the bundled demo territory, src/airwarn/data/territory/demo.geojson, from curated tables.

    PYTHONPATH=src python scripts/build_territory.py [--check]

Sources (scripts/territory_src/, curated by hand from general knowledge; all approximate):

* ``regions.csv``   every Russian and Ukrainian ISO 3166-2 subdivision that pycountry lists:
                    English/Russian names, IANA time zone, warning time, administrative centre, aliases
* ``districts.csv`` municipal districts and city okrugs of the four demo regions (Rostov, Volgograd,
                    Saratov, Penza): names, an approximate centre of the district's area, population
* ``outline.csv``   a coarse hand-drawn outline of the four demo regions together (their outer border)
* ``airports.csv``  the four regional airports
* ``plans.json``    regional plans (the federal Carpet plan is added by the loader to every region)

District polygons are Voronoi cells of the district centres (computed in a plane where a degree of
longitude is scaled by cos 50°), clipped to the outline; a region's polygon is the union of its
districts' cells, so regions and districts tile the outline without gaps or overlaps. They are
approximations for geotargeting a demo, not administrative boundaries.

``--check`` rebuilds in memory and fails when the committed file differs.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from pathlib import Path

import pycountry
import shapely
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from airwarn.domain.regimes import CARPET, Plan, PlanStep  # noqa: E402
from airwarn.domain.reports import RegimeKind  # noqa: E402
from airwarn.domain.territory import Airport, District, Region, Rings, Territory, fold, slug  # noqa: E402
from airwarn.territory.io import dumps_territory, load_territory  # noqa: E402

SRC = Path(__file__).resolve().parent / "territory_src"
OUT = ROOT / "src" / "airwarn" / "data" / "territory" / "demo.geojson"
DEMO_REGIONS = ("RU-ROS", "RU-VGG", "RU-SAR", "RU-PNZ")
X_SCALE = math.cos(math.radians(50.0))  # km per degree of longitude / km per degree of latitude
SIMPLIFY_DEG = 0.01
DIGITS = 4
BUILT_ON = "2026-11-26"  # bump when the source tables change

METADATA = {
    "title": "airwarn demo territory: Russian and Ukrainian regions; districts of Rostov, Volgograd, "
    "Saratov and Penza regions",
    "date": BUILT_ON,
    "sources": "Region list: ISO 3166-2 via pycountry (RU, UA). Names, time zones, administrative "
    "centres, district centres and populations: curated by hand from general knowledge "
    "(scripts/territory_src/*.csv), approximate. Airports: published ICAO/IATA codes and "
    "aerodrome coordinates.",
    "district_polygons": "district polygons are approximate: Voronoi cells of district centres "
    "clipped to an approximate region outline (a coarse hand-drawn outer border of the four demo "
    "regions); a region's polygon is the union of its districts. Not administrative boundaries.",
    "district_centres": "a district's centre is an approximate middle of its area (for a district "
    "around a city okrug, shifted away from the city), not necessarily its administrative seat",
    "populations": "approximate, rounded, early 2020s",
    "region_centres": "centre of a region is its administrative centre (Kyiv for Kyiv Oblast, "
    "Gatchina for Leningrad Region, Krasnogorsk for Moscow Region)",
    "warning_s": "90 s for regions on the Russia-Ukraine land border (Bryansk, Kursk, Belgorod, "
    "Voronezh, Rostov; Chernihiv, Sumy, Kharkiv, Luhansk, Donetsk), for Crimea and Sevastopol and "
    "for the Ukrainian oblasts on or next to the front line (Zaporizhzhia, Kherson, Mykolaiv, "
    "Dnipropetrovsk); 180 s elsewhere",
    "timezones": "IANA zones as of tzdata 2024; Ukrainian oblasts use Europe/Kyiv, Crimea and "
    "Sevastopol Europe/Simferopol",
    "coverage": "all ISO 3166-2 subdivisions of RU and UA at region level (no geometry outside the "
    "four demo regions); municipal districts and city okrugs of RU-ROS, RU-VGG, RU-SAR, RU-PNZ "
    "(closed towns Svetly, Shikhany and Mikhaylovsky of Saratov Region are part of the districts "
    "around them)",
    "license": "CC0; hand-curated approximations",
}


# ------------------------------------------------------------------------------------------
# names
# ------------------------------------------------------------------------------------------


def _split(aliases: str) -> list[str]:
    return [a.strip() for a in aliases.split("|") if a.strip()]


def _unique(names: list[str], exclude: tuple[str, ...]) -> tuple[str, ...]:
    seen = {fold(n) for n in exclude}
    out: list[str] = []
    for name in names:
        key = fold(name)
        if key not in seen:
            seen.add(key)
            out.append(name)
    return tuple(out)


def transliteration_variants(name: str) -> list[str]:
    """Other common Latin spellings of a district name: Alekseyevsky -> Alekseevsky, ...skiy, ...oi."""
    rules = [
        lambda s: re.sub(r"([aeiou])ye", r"\1e", s),  # Alekseyevsky -> Alekseevsky
        lambda s: re.sub(r"^Ye", "E", s),  # Yegorlyksky -> Egorlyksky
        lambda s: s.replace("yo", "e").replace("Yo", "E"),  # Kalachyovsky -> Kalachevsky
        lambda s: re.sub(r"([aeou])y(?=[^aeiouy]|$)", r"\1i", s),  # Aksaysky -> Aksaisky, -skoy -> -skoi
    ]
    variants: list[str] = []
    every = name
    for rule in rules:
        once = rule(name)
        every = rule(every)
        variants.append(once)
    variants.append(every)
    with_iy = [re.sub(r"sky$", "skiy", v) for v in (name, *variants)]
    return [v for v in (*variants, *with_iy) if v != name]


def region_aliases(row: dict[str, str], iso_name: str) -> tuple[str, ...]:
    name_en = row["name_en"]
    names = _split(row["aliases"])
    for suffix, other in ((" Region", " Oblast"), (" Oblast", " Region")):
        if name_en.endswith(suffix):
            names.append(name_en[: -len(suffix)] + other)
    names += [iso_name, iso_name.replace("'", "")]
    return _unique(names, (name_en, row["name_ru"], row["code"]))


# ------------------------------------------------------------------------------------------
# geometry
# ------------------------------------------------------------------------------------------


def _to_plane(lon: float, lat: float) -> tuple[float, float]:
    return (lon * X_SCALE, lat)


def _from_plane(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: xy * [1.0 / X_SCALE, 1.0])


def _rings(geom: BaseGeometry) -> Rings:
    """Outer rings of a (multi)polygon, rounded, closed, without repeated positions."""
    polygons = [geom] if geom.geom_type == "Polygon" else list(getattr(geom, "geoms", []))
    rings = []
    for polygon in polygons:
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        ring: list[tuple[float, float]] = []
        for lon, lat in polygon.exterior.coords:
            point = (round(lon, DIGITS), round(lat, DIGITS))
            if not ring or ring[-1] != point:
                ring.append(point)
        if ring[0] != ring[-1]:
            ring.append(ring[0])
        if len(ring) >= 4:
            rings.append(tuple(ring))
    rings.sort(key=lambda r: -Polygon(r).area)
    return tuple(rings)


def read_outline() -> Polygon:
    with (SRC / "outline.csv").open(encoding="utf-8") as f:
        points = [(float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f)]
    outline = Polygon(points)
    if not outline.is_valid:
        raise SystemExit(f"outline.csv does not describe a valid polygon: {shapely.is_valid_reason(outline)}")
    return outline


def voronoi_cells(centres: dict[str, tuple[float, float]], outline: Polygon) -> dict[str, BaseGeometry]:
    """Cell (in lon/lat) of each district code, clipped to the outline."""
    plane_outline = shapely.transform(outline, lambda xy: xy * [X_SCALE, 1.0])
    seeds = {code: Point(_to_plane(lon, lat)) for code, (lat, lon) in centres.items()}
    diagram = shapely.voronoi_polygons(MultiPoint(list(seeds.values())), extend_to=plane_outline.buffer(5))
    cells: dict[str, BaseGeometry] = {}
    polygons = list(diagram.geoms)
    tree = shapely.STRtree(polygons)
    for code, seed in seeds.items():
        hits = [polygons[i] for i in tree.query(seed, predicate="intersects")]
        if len(hits) != 1:
            raise SystemExit(f"district {code}: centre lies in {len(hits)} Voronoi cells (duplicate centre?)")
        cell = hits[0].intersection(plane_outline)
        if not cell.contains(seed):
            raise SystemExit(f"district {code}: centre {centres[code]} lies outside the outline")
        cells[code] = _from_plane(cell)
    return cells


# ------------------------------------------------------------------------------------------
# build
# ------------------------------------------------------------------------------------------


def read_csv(name: str) -> list[dict[str, str]]:
    with (SRC / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def build() -> Territory:
    iso = {s.code: s.name for c in ("RU", "UA") for s in pycountry.subdivisions.get(country_code=c)}
    region_rows = read_csv("regions.csv")
    missing = set(iso) - {r["code"] for r in region_rows}
    if missing:
        raise SystemExit(f"regions.csv lacks pycountry subdivisions: {sorted(missing)}")
    plans_src = json.loads((SRC / "plans.json").read_text(encoding="utf-8"))

    district_rows = read_csv("districts.csv")
    centres: dict[str, tuple[float, float]] = {}
    districts: list[District] = []
    for row in district_rows:
        code = f"{row['region']}-{slug(row['name_en'])}"
        if code in centres:
            raise SystemExit(f"duplicate district {code}")
        centre = (float(row["lat"]), float(row["lon"]))
        centres[code] = centre
        names = [*_split(row["aliases"]), *transliteration_variants(row["name_en"])]
        districts.append(
            District(
                code=code,
                region=row["region"],
                name_en=row["name_en"],
                name_ru=row["name_ru"],
                population=int(row["population"]),
                centre=centre,
                aliases=_unique(names, (row["name_en"], row["name_ru"], code)),
                polygon_approximate=True,
            )
        )

    outline = read_outline().simplify(SIMPLIFY_DEG, preserve_topology=True)
    cells = voronoi_cells(centres, outline)
    districts = [
        District(**{**d.__dict__, "polygon": _rings(cells[d.code])})  # frozen dataclass: rebuild
        for d in districts
    ]
    region_polygons: dict[str, Rings] = {}
    for code in DEMO_REGIONS:
        union = unary_union([cells[d.code] for d in districts if d.region == code])
        union = union.buffer(0).simplify(SIMPLIFY_DEG / 4, preserve_topology=True)
        region_polygons[code] = _rings(union)

    regions: list[Region] = []
    for row in region_rows:
        code = row["code"]
        plans = tuple(
            Plan(
                name=p["name"],
                aliases=tuple(p["aliases"]),
                steps=tuple(PlanStep(s) for s in p["steps"]),
                trigger=RegimeKind(p["trigger"]) if p.get("trigger") else None,
                instruction_en=p["instruction_en"],
                instruction_ru=p["instruction_ru"],
            )
            for p in plans_src.get(code, [])
        )
        regions.append(
            Region(
                code=code,
                name_en=row["name_en"],
                name_ru=row["name_ru"],
                timezone=row["timezone"],
                warning_s=int(row["warning_s"]),
                country=code[:2],
                polygon=region_polygons.get(code, ()),
                centre=(float(row["lat"]), float(row["lon"])) if row["lat"] else None,
                aliases=region_aliases(row, iso[code]),
                plans=(*plans, CARPET),
            )
        )

    airports = [
        Airport(
            icao=r["icao"],
            iata=r["iata"] or None,
            region=r["region"],
            name_en=r["name_en"],
            name_ru=r["name_ru"],
            lat=float(r["lat"]),
            lon=float(r["lon"]),
            aliases=_unique(_split(r["aliases"]), (r["name_en"], r["name_ru"])),
        )
        for r in airports_rows()
    ]
    return Territory.build(regions, districts, airports, metadata=METADATA)


def airports_rows() -> list[dict[str, str]]:
    return read_csv("airports.csv")


def check(t: Territory) -> list[str]:
    """Problems with a built territory (empty when it is sound)."""
    problems: list[str] = []
    owners: dict[str, str] = {}
    for r in t.regions.values():
        for name in (r.code, r.name_en, r.name_ru, *r.aliases):
            key = fold(name)
            if owners.setdefault(key, r.code) != r.code:
                problems.append(f"region name {name!r} is used by {owners[key]} and {r.code}")
    for d in t.districts.values():
        assert d.centre is not None
        found = t.locate(*d.centre)
        if found is None or found.code != d.code:
            problems.append(f"{d.code}: its centre {d.centre} locates to {found.code if found else None}")
        for name in d.names():
            other = t.district(d.region, name)
            if other is None or other.code != d.code:
                problems.append(f"{d.code}: name {name!r} resolves to {other.code if other else None}")
    for a in t.airports.values():
        region = t.locate_region(a.lat, a.lon)
        if region is None or region.code != a.region:
            problems.append(f"airport {a.icao} lies in {region.code if region else None}, not {a.region}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail when the committed file is out of date")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    territory = build()
    text = dumps_territory(territory)
    reloaded = load_territory(json.loads(text))
    problems = check(reloaded)
    for problem in problems:
        print("problem:", problem, file=sys.stderr)
    if problems:
        return 1
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date; run scripts/build_territory.py", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    counts = {code: len(reloaded.districts_of(code)) for code in DEMO_REGIONS}
    print(f"wrote {args.out} ({len(text) // 1024} KiB): {len(reloaded.regions)} regions, districts {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
