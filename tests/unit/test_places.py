"""Towns inside districts: the packaged gazetteer, search, and a message naming a town targets its district."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from airwarn.extract.drafts import draft
from airwarn.extract.pipeline import Extractor
from airwarn.service_layer.intake import ReportDraft, resolve
from airwarn.territory.io import demo_territory, dump_territory, load_territory

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def test_every_packaged_town_lies_in_a_district_of_its_region() -> None:
    t = demo_territory()
    assert len(t.places) >= 30
    for p in t.places.values():
        assert p.district in t.districts and t.districts[p.district].region == p.region, p
    assert [p.district for p in t.settlements("Миллерово")] == ["RU-ROS-MILLEROVSKY"]
    assert [p.district for p in t.settlements("millerovo", "RU-ROS")] == ["RU-ROS-MILLEROVSKY"]
    assert t.settlements("Millerovo", "RU-VGG") == []


def test_search_finds_towns_by_the_start_of_any_name_biggest_first() -> None:
    t = demo_territory()
    assert [p.name_en for p in t.search_places("Kam")][:2] == ["Kamyshin", "Kamensk-Shakhtinsky"]
    assert [p.name_en for p in t.search_places("вёшен")] == ["Vyoshenskaya"]
    assert t.search_places("   ") == []


def test_places_survive_a_geojson_round_trip_and_bad_ones_name_the_field() -> None:
    t = demo_territory()
    doc = dump_territory(t)
    again = load_territory(doc)
    assert again.places == t.places
    place = next(f for f in doc["features"] if f["properties"]["kind"] == "place")
    place["properties"]["district"] = "RU-ROS-NOWHERE"
    from airwarn.errors import InvalidInput

    with pytest.raises(InvalidInput) as err:
        load_territory(doc)
    assert err.value.field.endswith(".district")


def test_a_report_naming_only_a_town_targets_the_town_district() -> None:
    t = demo_territory()
    report = resolve(ReportDraft(kind="drone_attack", region="RU-ROS", source_type="official", place="Миллерово"),
                     t, now=NOW, reported_by="olga")
    assert report.districts == ("RU-ROS-MILLEROVSKY",)
    named = resolve(ReportDraft(kind="drone_attack", region="RU-ROS", source_type="official", place="Millerovo",
                                districts=["Chertkovsky"]), t, now=NOW, reported_by="olga")
    assert named.districts == ("RU-ROS-CHERTKOVSKY",)  # districts the message names win


def test_a_message_naming_a_town_reaches_its_district() -> None:
    t = demo_territory()
    [event] = Extractor(t).extract("Над Чертково сбит беспилотник, сообщил губернатор Ростовской области",
                                   date=date(2026, 11, 24))
    assert event.place == "Chertkovo"
    report = resolve(draft(event, NOW), t, now=NOW, reported_by="extract")
    assert report.districts == ("RU-ROS-CHERTKOVSKY",)
    bare = resolve(replace(draft(event, NOW), districts=[]), t, now=NOW, reported_by="extract")
    assert bare.districts == ("RU-ROS-CHERTKOVSKY",)  # the town alone is enough
