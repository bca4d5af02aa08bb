"""GeoJSON territory reader/writer: round trip, the Carpet plan, validation errors that name the field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from airwarn.domain.regimes import CARPET, PlanStep
from airwarn.domain.reports import RegimeKind
from airwarn.errors import InvalidInput
from airwarn.territory.io import dump_territory, dumps_territory, load_territory

SQUARE = [[40.0, 48.0], [41.0, 48.0], [41.0, 49.0], [40.0, 49.0], [40.0, 48.0]]
EAST = [[41.0, 48.0], [42.0, 48.0], [42.0, 49.0], [41.0, 49.0], [41.0, 48.0]]


def _doc() -> dict[str, Any]:
    return copy.deepcopy(_DOC)


_DOC: dict[str, Any] = {
    "type": "FeatureCollection",
    "metadata": {"sources": "test", "date": "2026-11-24"},
    "features": [
        {
            "type": "Feature",
            "properties": {
                "kind": "region",
                "code": "RU-ROS",
                "name_en": "Rostov Region",
                "name_ru": "Ростовская область",
                "country": "RU",
                "timezone": "Europe/Moscow",
                "warning_s": 90,
                "aliases": ["Rostov"],
                "centre": [47.23, 39.72],
                "plans": [
                    {
                        "name": "Drone Hazard",
                        "aliases": ["беспилотная опасность"],
                        "steps": ["restrict_mobile_internet", "stay_indoors"],
                        "trigger": "drone_hazard",
                        "instruction_en": "Stay indoors.",
                        "instruction_ru": "Оставайтесь дома.",
                    }
                ],
            },
            "geometry": {"type": "MultiPolygon", "coordinates": [[SQUARE], [EAST]]},
        },
        {
            "type": "Feature",
            "properties": {
                "kind": "region",
                "code": "RU-VGG",
                "name_en": "Volgograd Region",
                "name_ru": "Волгоградская область",
                "timezone": "Europe/Volgograd",
                "warning_s": 180,
            },
            "geometry": None,
        },
        {
            "type": "Feature",
            "properties": {
                "kind": "district",
                "code": "RU-ROS-MILLEROVSKY",
                "region": "RU-ROS",
                "name_en": "Millerovsky",
                "name_ru": "Миллеровский",
                "aliases": ["Millerovskiy"],
                "population": 63000,
                "centre": [48.5, 40.5],
                "polygon_approximate": True,
            },
            "geometry": {"type": "Polygon", "coordinates": [SQUARE]},
        },
        {
            "type": "Feature",
            "properties": {
                "kind": "district",
                "code": "RU-ROS-VERKHNEDONSKOY",
                "region": "RU-ROS",
                "name_en": "Verkhnedonskoy",
                "name_ru": "Верхнедонской",
                "aliases": ["Upper Don"],
                "population": None,
                "centre": [48.5, 41.5],
                "polygon_approximate": False,
            },
            "geometry": {"type": "Polygon", "coordinates": [EAST]},
        },
        {
            "type": "Feature",
            "properties": {
                "kind": "airport",
                "icao": "URRP",
                "iata": "ROV",
                "region": "RU-ROS",
                "name_en": "Platov",
                "name_ru": "Платов",
                "aliases": ["Rostov airport"],
            },
            "geometry": {"type": "Point", "coordinates": [40.5, 48.2]},
        },
        {
            "type": "Feature",
            "properties": {
                "kind": "shelter",
                "id": "s1",
                "name": "School 3",
                "capacity": 200,
                "region": "RU-ROS",
            },
            "geometry": {"type": "Point", "coordinates": [40.6, 48.3]},
        },
    ],
}


def _feature(doc: dict[str, Any], code: str) -> dict[str, Any]:
    for f in doc["features"]:
        p = f["properties"]
        if code in (p.get("code"), p.get("icao"), p.get("id")):
            return f
    raise KeyError(code)


# ---------------------------------------------------------------------------------------------
# reading and writing
# ---------------------------------------------------------------------------------------------


def test_loads_every_kind_with_geojson_axis_order() -> None:
    t = load_territory(_doc())
    assert set(t.regions) == {"RU-ROS", "RU-VGG"}
    assert t.metadata == {"sources": "test", "date": "2026-11-24"}
    ros = t.regions["RU-ROS"]
    assert ros.country == "RU" and ros.centre == (47.23, 39.72) and len(ros.polygon) == 2
    assert t.regions["RU-VGG"].country == "RU" and t.regions["RU-VGG"].polygon == ()
    d = t.districts["RU-ROS-MILLEROVSKY"]
    assert d.polygon[0][0] == (40.0, 48.0) and d.centre == (48.5, 40.5) and d.population == 63000
    assert t.districts["RU-ROS-VERKHNEDONSKOY"].polygon_approximate is False
    a = t.airports["URRP"]
    assert (a.lat, a.lon, a.iata) == (48.2, 40.5, "ROV")
    s = t.shelters["s1"]
    assert (s.lat, s.lon, s.capacity) == (48.3, 40.6, 200)
    assert t.locate(48.5, 40.5) is d
    assert t.district("RU-ROS", "upper don") is t.districts["RU-ROS-VERKHNEDONSKOY"]


def test_every_region_gets_the_federal_carpet_plan_after_its_own() -> None:
    t = load_territory(_doc())
    ros = t.regions["RU-ROS"]
    assert [p.name for p in ros.plans] == ["Drone Hazard", "Carpet"]
    assert ros.plans[-1] == CARPET
    assert t.regions["RU-VGG"].plans == (CARPET,)
    drone = ros.plan("Беспилотная опасность")
    assert drone is not None and drone.trigger is RegimeKind.DRONE_HAZARD
    assert drone.steps == (PlanStep.RESTRICT_MOBILE_INTERNET, PlanStep.STAY_INDOORS)
    assert ros.plan("Ковёр") == CARPET


def test_a_region_that_defines_carpet_keeps_its_own() -> None:
    doc = _doc()
    own = {"name": "carpet", "steps": ["close_airspace"], "trigger": None}
    _feature(doc, "RU-VGG")["properties"]["plans"] = [own]
    vgg = load_territory(doc).regions["RU-VGG"]
    assert len(vgg.plans) == 1 and vgg.plans[0].steps == (PlanStep.CLOSE_AIRSPACE,)


def test_district_code_defaults_to_region_and_slug() -> None:
    doc = _doc()
    del _feature(doc, "RU-ROS-MILLEROVSKY")["properties"]["code"]
    assert "RU-ROS-MILLEROVSKY" in load_territory(doc).districts


def test_round_trip_dict_text_and_file(tmp_path: Path) -> None:
    t = load_territory(_doc())
    dumped = dump_territory(t)
    assert dumped["type"] == "FeatureCollection"
    assert load_territory(dumped) == t
    assert dump_territory(load_territory(dumped)) == dumped
    # the automatic Carpet plan is not written out, a region's own plans are
    ros = next(f for f in dumped["features"] if f["properties"].get("code") == "RU-ROS")
    assert [p["name"] for p in ros["properties"]["plans"]] == ["Drone Hazard"]
    text = dumps_territory(t)
    assert json.loads(text) == json.loads(json.dumps(dumped))
    assert load_territory(text) == t
    path = tmp_path / "t.geojson"
    path.write_text(text, encoding="utf-8")
    assert load_territory(path) == t
    assert load_territory(str(path)) == t


def test_loading_does_not_modify_the_input() -> None:
    doc = _doc()
    before = copy.deepcopy(doc)
    load_territory(doc)
    assert doc == before


# ---------------------------------------------------------------------------------------------
# validation: every broken input raises InvalidInput naming where
# ---------------------------------------------------------------------------------------------


def _broken(change: Any) -> InvalidInput:
    doc = _doc()
    change(doc)
    with pytest.raises(InvalidInput) as info:
        load_territory(doc)
    return info.value


def _props(doc: dict[str, Any], code: str) -> dict[str, Any]:
    return _feature(doc, code)["properties"]


def test_district_naming_an_unknown_region() -> None:
    def change(doc: dict[str, Any]) -> None:
        _props(doc, "RU-ROS-MILLEROVSKY").update(region="RU-NOPE", code="RU-NOPE-MILLEROVSKY")

    err = _broken(change)
    assert err.field == "features[2].properties.region"
    assert "RU-NOPE" in err.message and "unknown region" in err.message


def test_airport_and_shelter_naming_an_unknown_region() -> None:
    assert (
        _broken(lambda d: _props(d, "URRP").update(region="RU-ZZZ")).field == "features[4].properties.region"
    )
    assert _broken(lambda d: _props(d, "s1").update(region="RU-ZZZ")).field == "features[5].properties.region"


def test_a_district_may_come_before_its_region() -> None:
    doc = _doc()
    doc["features"].reverse()
    assert set(load_territory(doc).districts) == {"RU-ROS-MILLEROVSKY", "RU-ROS-VERKHNEDONSKOY"}


@pytest.mark.parametrize(
    ("ring", "field", "words"),
    [
        (SQUARE[:-1] + [[40.0, 48.5]], "features[2].geometry.coordinates[0]", "close"),
        ([[40.0, 48.0], [41.0, 48.0], [40.0, 48.0]], "features[2].geometry.coordinates[0]", "at least 4"),
        (
            [[40.0, 48.0], [181.0, 48.0], [41.0, 49.0], [40.0, 48.0]],
            "features[2].geometry.coordinates[0][1]",
            "longitude",
        ),
        (
            [[40.0, 48.0], [41.0, 95.0], [41.0, 49.0], [40.0, 48.0]],
            "features[2].geometry.coordinates[0][1]",
            "latitude",
        ),
        (
            [[40.0, 48.0], [41.0, "x"], [41.0, 49.0], [40.0, 48.0]],
            "features[2].geometry.coordinates[0][1][1]",
            "number",
        ),
        (
            [[40.0, 48.0], [41.0], [41.0, 49.0], [40.0, 48.0]],
            "features[2].geometry.coordinates[0][1]",
            "[lon, lat]",
        ),
    ],
)
def test_broken_polygon_rings(ring: list[Any], field: str, words: str) -> None:
    err = _broken(lambda d: _feature(d, "RU-ROS-MILLEROVSKY")["geometry"].update(coordinates=[ring]))
    assert err.field == field
    assert words in err.message


def test_broken_multipolygon_names_the_polygon() -> None:
    def change(doc: dict[str, Any]) -> None:
        _feature(doc, "RU-ROS")["geometry"]["coordinates"][1][0][2] = [42.0, 91.0]

    assert _broken(change).field == "features[0].geometry.coordinates[1][0][2]"


def test_wrong_geometry_types() -> None:
    err = _broken(
        lambda d: _feature(d, "RU-ROS-MILLEROVSKY").update(geometry={"type": "Point", "coordinates": [1, 2]})
    )
    assert err.field == "features[2].geometry.type"
    err = _broken(lambda d: _feature(d, "URRP").update(geometry=None))
    assert err.field == "features[4].geometry"
    err = _broken(lambda d: _feature(d, "URRP").update(geometry={"type": "Point", "coordinates": [200, 48]}))
    assert err.field == "features[4].geometry.coordinates"


def test_unknown_kind() -> None:
    err = _broken(lambda d: _props(d, "s1").update(kind="bunker"))
    assert err.field == "features[5].properties.kind"
    assert "bunker" in err.message


@pytest.mark.parametrize(
    ("code", "key", "field"),
    [
        ("RU-VGG", "code", "features[1].properties.code"),
        ("RU-ROS-VERKHNEDONSKOY", "code", "features[3].properties.code"),
    ],
)
def test_duplicate_codes(code: str, key: str, field: str) -> None:
    first = {"RU-VGG": "RU-ROS", "RU-ROS-VERKHNEDONSKOY": "RU-ROS-MILLEROVSKY"}[code]

    def change(doc: dict[str, Any]) -> None:
        props = _props(doc, code)
        props[key] = first
        if "region" in props:
            props["name_en"] = "Millerovsky"

    err = _broken(change)
    assert err.field == field and "duplicate" in err.message and first in err.message


def test_duplicate_airport_and_shelter() -> None:
    def airport(doc: dict[str, Any]) -> None:
        doc["features"].append(copy.deepcopy(_feature(doc, "URRP")))

    def shelter(doc: dict[str, Any]) -> None:
        doc["features"].append(copy.deepcopy(_feature(doc, "s1")))

    assert _broken(airport).field == "features[6].properties.icao"
    assert _broken(shelter).field == "features[6].properties.id"


def test_unknown_plan_step_and_trigger() -> None:
    err = _broken(lambda d: _props(d, "RU-ROS")["plans"][0]["steps"].append("launch_interceptors"))
    assert err.field == "features[0].properties.plans[0].steps[2]"
    assert "launch_interceptors" in err.message
    err = _broken(lambda d: _props(d, "RU-ROS")["plans"][0].update(trigger="tsunami"))
    assert err.field == "features[0].properties.plans[0].trigger"
    err = _broken(lambda d: _props(d, "RU-ROS")["plans"][0].update(steps=[]))
    assert err.field == "features[0].properties.plans[0].steps"


@pytest.mark.parametrize(
    ("code", "update", "field"),
    [
        ("RU-ROS", {"timezone": "Europe/Rostov"}, "features[0].properties.timezone"),
        ("RU-ROS", {"warning_s": 0}, "features[0].properties.warning_s"),
        ("RU-ROS", {"warning_s": "90"}, "features[0].properties.warning_s"),
        ("RU-ROS", {"warning_s": True}, "features[0].properties.warning_s"),
        ("RU-ROS", {"code": "Rostov"}, "features[0].properties.code"),
        ("RU-ROS", {"country": "UA"}, "features[0].properties.country"),
        ("RU-ROS", {"name_ru": ""}, "features[0].properties.name_ru"),
        ("RU-ROS", {"aliases": "Rostov"}, "features[0].properties.aliases"),
        ("RU-ROS", {"aliases": ["Rostov", 7]}, "features[0].properties.aliases[1]"),
        ("RU-ROS", {"centre": [47.2]}, "features[0].properties.centre"),
        ("RU-ROS", {"centre": [147.2, 39.7]}, "features[0].properties.centre"),
        ("RU-ROS", {"plans": {"name": "x"}}, "features[0].properties.plans"),
        ("RU-VGG", {"name_en": None}, "features[1].properties.name_en"),
        ("RU-ROS-MILLEROVSKY", {"population": -5}, "features[2].properties.population"),
        ("RU-ROS-MILLEROVSKY", {"population": 1.5}, "features[2].properties.population"),
        ("RU-ROS-MILLEROVSKY", {"code": "RU-VGG-MILLEROVSKY"}, "features[2].properties.code"),
        ("RU-ROS-MILLEROVSKY", {"polygon_approximate": "yes"}, "features[2].properties.polygon_approximate"),
        ("URRP", {"icao": "URR"}, "features[4].properties.icao"),
        ("URRP", {"iata": "ROVV"}, "features[4].properties.iata"),
        ("s1", {"capacity": -1}, "features[5].properties.capacity"),
    ],
)
def test_bad_properties_name_the_field(code: str, update: dict[str, Any], field: str) -> None:
    err = _broken(lambda d: _props(d, code).update(update))
    assert err.field == field
    assert err.message


def test_duplicate_plan_names_in_one_region() -> None:
    def change(doc: dict[str, Any]) -> None:
        plans = _props(doc, "RU-ROS")["plans"]
        plans.append({**plans[0], "aliases": []})

    err = _broken(change)
    assert err.field == "features[0].properties.plans[1]"


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"type": "Feature"}, "type"),
        ({"type": "FeatureCollection"}, "features"),
        ({"type": "FeatureCollection", "features": [7]}, "features[0]"),
        (
            {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": None}]},
            "features[0].properties",
        ),
        (
            {"type": "FeatureCollection", "features": [{"type": "Thing", "properties": {}}]},
            "features[0].type",
        ),
        ({"type": "FeatureCollection", "features": [], "metadata": {"date": 2026}}, "metadata.date"),
        ({"type": "FeatureCollection", "features": [], "metadata": []}, "metadata"),
    ],
)
def test_broken_collection(doc: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        load_territory(doc)
    assert info.value.field == field


def test_unreadable_sources(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as info:
        load_territory(tmp_path / "missing.geojson")
    assert info.value.field == "source"
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_territory(bad)
    assert info.value.field == "source"
    with pytest.raises(InvalidInput):
        load_territory('{"type": "FeatureCollection", "features": [')


def test_nothing_is_partially_loaded() -> None:
    """An error in the last feature leaves no territory at all (the call raises, returns nothing)."""
    doc = _doc()
    doc["features"].append({"type": "Feature", "properties": {"kind": "district"}, "geometry": None})
    with pytest.raises(InvalidInput) as info:
        load_territory(doc)
    assert info.value.field == "features[6].properties.region"
