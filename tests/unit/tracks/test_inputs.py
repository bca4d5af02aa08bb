"""Detections, sensor registries and scenarios from outside: every bad one named, the good ones taken."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airwarn.errors import InvalidInput
from airwarn.tracks.detections import MAX_BATCH, check_batch, parse_body
from airwarn.tracks.scenario import bundled, load_scenario, scenario_from
from airwarn.tracks.sensors import Sensor, SensorKind, parse_registry

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
SENSORS = {"ac-1": Sensor("ac-1", SensorKind.ACOUSTIC, 49.7, 40.6, 4_000),
           "r-1": Sensor("r-1", SensorKind.RADAR, 49.7, 40.6, 80_000)}


@pytest.mark.parametrize(("item", "field"), [
    ({"sensor": "nope", "time": NOW.isoformat(), "bearing_deg": 1}, "sensor"),
    ({"sensor": "ac-1", "time": (NOW + timedelta(minutes=1)).isoformat(), "bearing_deg": 1}, "time"),
    ({"sensor": "ac-1", "time": (NOW - timedelta(hours=2)).isoformat(), "bearing_deg": 1}, "time"),
    ({"sensor": "ac-1", "time": "2026-11-24T01:00:00", "bearing_deg": 1}, "time"),
    ({"sensor": "ac-1", "time": "0001-01-01T00:00:00-14:00", "bearing_deg": 1}, "time"),
    ({"sensor": "ac-1", "time": NOW.isoformat(), "bearing_deg": "NaN"}, "bearing_deg"),
    ({"sensor": "ac-1", "time": NOW.isoformat(), "bearing_deg": 1, "bearing_sd_deg": 0}, "bearing_sd_deg"),
    ({"sensor": "ac-1", "time": NOW.isoformat(), "bearing_deg": 1, "class": "ufo"}, "class"),
    ({"sensor": "ac-1", "time": NOW.isoformat(), "bearing_deg": 1, "confidence": 2}, "confidence"),
    ({"sensor": "r-1", "time": NOW.isoformat(), "lat": 49.7, "lon": 40.6, "east_mps": 9_000, "north_mps": 0},
     "east_mps"),
    ({"sensor": "r-1", "time": NOW.isoformat(), "lat": 55.0, "lon": 40.6}, "lat"),
    ({"sensor": "r-1", "time": NOW.isoformat(), "lat": 49.7, "lon": 40.6, "east_mps": 10}, "east_mps"),
])
def test_a_bad_detection_is_rejected_with_its_field(item: dict[str, object], field: str) -> None:
    good, bad = check_batch([item, {"sensor": "ac-1", "time": NOW.isoformat(), "bearing_deg": 10}], SENSORS, NOW)
    assert len(good) == 1
    assert [(b.index, b.field) for b in bad] == [(0, field)]


def test_batches_are_json_arrays_or_ndjson_and_no_bigger_than_the_limit() -> None:
    assert parse_body(b'[{"a": 1}, {"b": 2}]') == [{"a": 1}, {"b": 2}]
    assert parse_body(b'{"a": 1}\n\n{"b": 2}\n', "application/x-ndjson") == [{"a": 1}, {"b": 2}]
    for body in (b"[1,", b'{"a": 1}\n{oops', b'"just a string"', b"\xff"):
        with pytest.raises(InvalidInput):
            parse_body(body)
    with pytest.raises(InvalidInput, match="at most"):
        parse_body(("[" + ",".join(["{}"] * (MAX_BATCH + 1)) + "]").encode())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["sensor", "time", "kind", "bearing_deg", "lat", "lon", "class",
                                                  "confidence", "east_mps", "north_mps", "destroyed"]),
                                st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
                                          st.just("ac-1"), st.just("r-1"), st.just(NOW.isoformat()))),
                max_size=20))
def test_any_batch_is_split_into_taken_and_rejected_and_nothing_raises(items: list[dict[str, object]]) -> None:
    good, bad = check_batch(items, SENSORS, NOW)  # type: ignore[arg-type]
    assert len(good) + len(bad) == len(items)


def test_registry_rows_are_checked_and_named() -> None:
    sensors = parse_registry("id,kind,lat,lon,range_m\nac-1,acoustic,49.7,40.6,\nr-1,radar,49.0,40.0,90000\n")
    assert [(s.id, s.range_m) for s in sensors] == [("ac-1", 4_000.0), ("r-1", 90_000.0)]
    for text, where in [("id,kind,lat\n", "row 1"), ("id,kind,lat,lon\nac 1,acoustic,1,1\n", "row 2.id"),
                        ("id,kind,lat,lon\nok,sonar,1,1\n", "row 2.kind"),
                        ("id,kind,lat,lon\nok,radar,91,1\n", "row 2.lat"),
                        ("id,kind,lat,lon\nok,radar,1,1\nok,radar,1,1\n", "id"),
                        ('{"type": "FeatureCollection", "features": [{"geometry": null}]}', "features[0].geometry")]:
        with pytest.raises(InvalidInput) as e:
            parse_registry(text)
        assert e.value.field == where


def test_the_bundled_seed_night_scenario_loads_and_a_bad_one_is_named() -> None:
    scenario = load_scenario(bundled())
    assert sum(g.count for g in scenario.groups) == 50 and scenario.sensors.count == 2_000
    assert scenario.status == "Exercise"
    base = {"start": "2026-11-24T00:00:00+03:00", "groups": [{"launch": [49, 38], "waypoints": [[49, 39]]}]}
    assert scenario_from(base).groups[0].count == 1
    for patch, field in [({"start": "yesterday"}, "start"), ({"groups": []}, "groups"),
                         ({"groups": [{"launch": [99, 38], "waypoints": [[49, 39]]}]}, "groups[0].launch"),
                         ({"sensors": {"bogus": 1}}, "sensors"), ({"status": "Real"}, "status"),
                         ({"interceptions": [{"group": "x", "index": 0, "at_fraction": 0.5}]},
                          "interceptions[0].group")]:
        with pytest.raises(InvalidInput) as e:
            scenario_from({**base, **patch})
        assert e.value.field == field
