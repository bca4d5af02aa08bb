"""The bundled demo territory: the seed night's places, every RU/UA region, plausible districts and cells."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pycountry
import pytest

from airwarn.domain.regimes import CARPET, PlanStep
from airwarn.domain.reports import RegimeKind
from airwarn.domain.territory import District, Territory, fold, point_in_rings, slug
from airwarn.territory.io import demo_territory, dump_territory, load_territory

DEMO_REGIONS = {"RU-ROS": (50, 60), "RU-VGG": (36, 42), "RU-SAR": (38, 44), "RU-PNZ": (27, 33)}
CYRILLIC = re.compile(r"^[А-Яа-яЁё0-9 .,()«»—–-]+$")


@pytest.fixture(scope="module")
def t() -> Territory:
    return demo_territory()


def _demo_districts(t: Territory) -> list[District]:
    return [d for d in t.districts.values() if d.region in DEMO_REGIONS]


def test_demo_territory_is_cached(t: Territory) -> None:
    assert demo_territory() is t


def test_metadata_says_polygons_are_approximate(t: Territory) -> None:
    assert "Voronoi" in t.metadata["district_polygons"]
    assert "approximate" in t.metadata["district_polygons"]
    assert t.metadata["sources"] and t.metadata["date"] and t.metadata["warning_s"]
    assert all(d.polygon_approximate for d in t.districts.values())


@pytest.mark.parametrize(
    ("region", "names", "code"),
    [
        (
            "RU-ROS",
            ["Verkhnedonskoy", "Upper Don", "Верхнедонской", "верхнедонской"],
            "RU-ROS-VERKHNEDONSKOY",
        ),
        ("RU-ROS", ["Sholokhovsky", "Шолоховский", "Sholokhovskiy"], "RU-ROS-SHOLOKHOVSKY"),
        ("RU-ROS", ["Millerovsky", "Миллеровский", "RU-ROS-MILLEROVSKY"], "RU-ROS-MILLEROVSKY"),
        ("RU-ROS", ["Chertkovsky", "Чертковский"], "RU-ROS-CHERTKOVSKY"),
        ("RU-VGG", ["Alekseyevsky", "Alexeyevsky", "Alekseevsky", "Алексеевский"], "RU-VGG-ALEKSEYEVSKY"),
        ("RU-VGG", ["Surovikinsky", "Суровикинский"], "RU-VGG-SUROVIKINSKY"),
        ("RU-VGG", ["Kumylzhensky", "Кумылженский"], "RU-VGG-KUMYLZHENSKY"),
        ("RU-VGG", ["Volgograd", "Волгоград"], "RU-VGG-VOLGOGRAD"),
        ("RU-SAR", ["Saratov", "Саратов"], "RU-SAR-SARATOV"),
        ("RU-PNZ", ["Penza", "Пенза"], "RU-PNZ-PENZA"),
        ("RU-ROS", ["Rostov-on-Don", "Ростов-на-Дону"], "RU-ROS-ROSTOV-ON-DON"),
    ],
)
def test_seed_places_resolve_by_english_russian_and_alias(
    t: Territory, region: str, names: list[str], code: str
) -> None:
    for name in names:
        district = t.district(region, name)
        assert district is not None, name
        assert district.code == code


def test_seed_districts_are_not_found_in_the_wrong_region(t: Territory) -> None:
    assert t.district("RU-VGG", "Millerovsky") is None
    assert t.district("RU-ROS", "Surovikinsky") is None


def test_district_codes_names_and_centres(t: Territory) -> None:
    for d in _demo_districts(t):
        assert d.code == f"{d.region}-{slug(d.name_en)}"
        assert not re.search(r"\b(district|rayon|raion)\b", d.name_en, re.I), d.name_en
        assert CYRILLIC.match(d.name_ru), d.name_ru
        assert "район" not in d.name_ru
        assert d.population and 3_000 <= d.population <= 1_500_000
        assert d.centre is not None
        assert d.polygon, d.code


@pytest.mark.parametrize("region", sorted(DEMO_REGIONS))
def test_district_counts_are_plausible(t: Territory, region: str) -> None:
    low, high = DEMO_REGIONS[region]
    assert low <= len(t.districts_of(region)) <= high


def test_every_district_centre_locates_to_that_district(t: Territory) -> None:
    """Checks the Voronoi cells: each district's own centre lies in its own polygon and no other."""
    wrong = []
    for d in _demo_districts(t):
        assert d.centre is not None
        found = t.locate(*d.centre)
        if found is None or found.code != d.code:
            wrong.append((d.code, found.code if found else None))
        others = [o.code for o in _demo_districts(t) if o is not d and point_in_rings(*d.centre, o.polygon)]
        assert not others, (d.code, others)
    assert not wrong


def test_region_polygons_cover_their_districts(t: Territory) -> None:
    for code in DEMO_REGIONS:
        region = t.regions[code]
        assert region.polygon
        for d in t.districts_of(code):
            assert d.centre is not None
            assert point_in_rings(*d.centre, region.polygon), d.code
            located = t.locate_region(*d.centre)
            assert located is not None and located.code == code


def test_points_outside_the_demo_regions_locate_nowhere(t: Territory) -> None:
    for lat, lon in [(55.7558, 37.6173), (51.6615, 39.2003), (46.3497, 48.0408), (46.6354, 32.6169)]:
        assert t.locate(lat, lon) is None


def test_every_ru_and_ua_subdivision_is_present(t: Territory) -> None:
    expected = {s.code for c in ("RU", "UA") for s in pycountry.subdivisions.get(country_code=c)}
    assert expected <= set(t.regions)
    for code in expected:
        region = t.regions[code]
        assert region.country == code[:2]
        assert CYRILLIC.match(region.name_ru), region.name_ru
        assert region.name_en.isascii(), region.name_en
        ZoneInfo(region.timezone)
        assert region.warning_s in (90, 180)
        assert CARPET in region.plans
        assert region.polygon or code not in DEMO_REGIONS


def test_region_names_are_unique_across_regions(t: Territory) -> None:
    owner: dict[str, str] = {}
    for r in t.regions.values():
        for name in (r.code, r.name_en, r.name_ru, *r.aliases):
            assert owner.setdefault(fold(name), r.code) == r.code, (name, owner[fold(name)], r.code)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Rostov Region", "RU-ROS"),
        ("Rostov", "RU-ROS"),
        ("Ростовская область", "RU-ROS"),
        ("Volgograd Region", "RU-VGG"),
        ("Волгоградская область", "RU-VGG"),
        ("Saratov", "RU-SAR"),
        ("Penza Region", "RU-PNZ"),
        ("Пензенская область", "RU-PNZ"),
        ("Belgorod Region", "RU-BEL"),
        ("Kherson Oblast", "UA-65"),
        ("Kherson Region", "UA-65"),
        ("Херсонская область", "UA-65"),
        ("Crimea", "UA-43"),
        ("Moscow", "RU-MOW"),
        ("Moscow Region", "RU-MOS"),
    ],
)
def test_regions_resolve_by_name(t: Territory, name: str, code: str) -> None:
    region = t.region(name)
    assert region is not None and region.code == code


@pytest.mark.parametrize(
    ("code", "tz"),
    [
        ("RU-ROS", "Europe/Moscow"),
        ("RU-VGG", "Europe/Volgograd"),
        ("RU-SAR", "Europe/Saratov"),
        ("RU-PNZ", "Europe/Moscow"),
        ("RU-SAM", "Europe/Samara"),
        ("RU-UD", "Europe/Samara"),
        ("RU-ULY", "Europe/Ulyanovsk"),
        ("RU-AST", "Europe/Astrakhan"),
        ("RU-KGD", "Europe/Kaliningrad"),
        ("UA-65", "Europe/Kyiv"),
        ("UA-43", "Europe/Simferopol"),
        ("UA-40", "Europe/Simferopol"),
    ],
)
def test_time_zones(t: Territory, code: str, tz: str) -> None:
    assert t.regions[code].timezone == tz


def test_penza_drone_hazard_plan(t: Territory) -> None:
    penza = t.regions["RU-PNZ"]
    for name in ("Drone Hazard", "беспилотная опасность", "Беспилотная опасность"):
        plan = penza.plan(name)
        assert plan is not None and plan.name == "Drone Hazard"
        assert plan.trigger is RegimeKind.DRONE_HAZARD
        assert plan.steps == (PlanStep.RESTRICT_MOBILE_INTERNET, PlanStep.STAY_INDOORS)
        assert plan.instruction_en == "Stay indoors and away from windows."
        assert CYRILLIC.match(plan.instruction_ru.rstrip("."))
    assert penza.plan("Carpet") == CARPET
    assert penza.plan("Ковёр") == CARPET


@pytest.mark.parametrize(
    ("icao", "iata", "region", "name_ru", "alias"),
    [
        ("URRP", "ROV", "RU-ROS", "Платов", "Rostov airport"),
        ("URWW", "VOG", "RU-VGG", "Гумрак", "аэропорт Волгограда"),
        ("UWSG", "GSV", "RU-SAR", "Гагарин", "Saratov airport"),
        ("UWPP", "PEZ", "RU-PNZ", "Пенза", "Penza airport"),
    ],
)
def test_airports_are_inside_their_regions(
    t: Territory, icao: str, iata: str, region: str, name_ru: str, alias: str
) -> None:
    airport = t.airports[icao]
    assert (airport.iata, airport.region, airport.name_ru) == (iata, region, name_ru)
    assert alias in airport.aliases
    assert point_in_rings(airport.lat, airport.lon, t.regions[region].polygon)
    located = t.locate_region(airport.lat, airport.lon)
    assert located is not None and located.code == region
    assert t.airports_of(region) == [airport]


def test_volgograd_airport_is_found_by_its_aliases(t: Territory) -> None:
    airport = t.airports["URWW"]
    keys = {fold(n) for n in (airport.name_en, airport.name_ru, *airport.aliases)}
    assert {fold("Volgograd airport"), fold("аэропорт Волгограда"), fold("Gumrak")} <= keys


def test_bundled_file_round_trips(t: Territory) -> None:
    assert load_territory(dump_territory(t)) == t


def test_bundled_file_is_built_from_the_committed_sources() -> None:
    """build_territory.py --check: the GeoJSON matches scripts/territory_src/ and passes its checks."""
    root = Path(__file__).resolve().parents[2]
    script = root / "scripts" / "build_territory.py"
    if not script.exists():
        pytest.skip("source tables are not shipped with the package")
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
