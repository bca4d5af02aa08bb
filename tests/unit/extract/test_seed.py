"""The seed night, read fully: every expected event, and nothing from the background sentences."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from airwarn.cli.extract import run
from airwarn.extract.pipeline import Context, Extractor

# The repository sits beside shared/ (here and in CI).
SEED = Path(__file__).resolve().parents[4] / "shared" / "seed" / "000_8fe8088da6453c7b.txt"
DAY = date(2026, 11, 24)
BACKGROUND = (4, 5, 10, 13, 14, 15, 18, 19)

pytestmark = pytest.mark.skipif(not SEED.exists(), reason=f"seed file not found at {SEED}")


def _whole() -> list[dict]:
    out = io.StringIO()
    run(io.StringIO(SEED.read_text(encoding="utf-8")), out, on=DAY, whole=True)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _lines() -> list[dict]:
    out = io.StringIO()
    run(io.StringIO(SEED.read_text(encoding="utf-8")), out, on=DAY, whole=False)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _one(events: list[dict], kind: str, region: str) -> dict:
    found = [e for e in events if e["kind"] == kind and e["region"] == region]
    assert len(found) == 1, (kind, region, events)
    return found[0]


@pytest.fixture(scope="module")
def whole() -> list[dict]:
    return _whole()


def test_rostov_interceptions_official_no_casualties_no_damage(whole: list[dict]) -> None:
    e = _one(whole, "interception", "RU-ROS")
    assert e["districts"] == ["Verkhnedonskoy", "Sholokhovsky", "Millerovsky", "Chertkovsky"]
    assert e["source"]["type"] == "official"
    assert e["source"]["name"] == "Governor of Rostov Region"
    assert e["certainty"] == "Observed"
    assert e["casualties"] == 0
    assert e["damage"] is False
    assert not [x for x in whole if x["kind"] == "drone_attack"]


def test_volgograd_explosions_from_witnesses(whole: list[dict]) -> None:
    e = _one(whole, "explosion", "RU-VGG")
    assert e["count"] == {"value": 8, "qualifier": "at_least"}
    assert e["districts"] == ["Alekseyevsky", "Surovikinsky", "Kumylzhensky"]
    assert e["source"]["type"] == "witness"
    assert e["certainty"] != "Observed"


def test_saratov_drones_en_route_is_a_possible_media_claim(whole: list[dict]) -> None:
    e = _one(whole, "drones_en_route", "RU-SAR")
    assert e["count"] == {"value": 10, "qualifier": "more_than"}
    assert e["source"] == {"type": "media", "name": "Mash"}
    assert e["certainty"] == "Possible"


def test_volgograd_airport_suspended_at_00_49_volgograd_time(whole: list[dict]) -> None:
    e = _one(whole, "airport_suspended", "RU-VGG")
    assert e["time"] == "2026-11-24T00:49:00+03:00"


def test_penza_carpet_regime_and_internet(whole: list[dict]) -> None:
    plan = _one(whole, "plan_activated", "RU-PNZ")
    assert plan["regime"] == "airspace_closed"
    assert plan["source"]["type"] == "official"
    regime = _one(whole, "regime_declared", "RU-PNZ")
    assert regime["regime"] == "drone_hazard"
    assert regime["time"] == "2026-11-24T01:41:00+03:00"
    _one(whole, "internet_restricted", "RU-PNZ")


def test_new_kakhovka_shelter_incident(whole: list[dict]) -> None:
    e = _one(whole, "shelter_incident", "UA-65")
    assert e["place"] == "New Kakhovka"


def test_nothing_else(whole: list[dict]) -> None:
    kinds = sorted((e["kind"], e["region"]) for e in whole)
    assert kinds == sorted(
        [
            ("interception", "RU-ROS"),
            ("explosion", "RU-VGG"),
            ("drones_en_route", "RU-SAR"),
            ("airport_suspended", "RU-VGG"),
            ("plan_activated", "RU-PNZ"),
            ("regime_declared", "RU-PNZ"),
            ("internet_restricted", "RU-PNZ"),
            ("shelter_incident", "UA-65"),
        ]
    )
    for e in whole:
        assert e["line"] == 1
        assert e["evidence"]


def test_background_sentences_yield_nothing(extractor: Extractor) -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    for n in BACKGROUND:
        assert extractor.extract(lines[n - 1], date=DAY) == [], lines[n - 1]
        # …not even with the context of the lines before them
        ctx = Context()
        for earlier in lines[: n - 1]:
            extractor.extract(earlier, date=DAY, context=ctx)
        assert extractor.extract(lines[n - 1], date=DAY, context=ctx) == [], lines[n - 1]


def test_line_by_line_reads_each_line_alone_and_keeps_line_numbers() -> None:
    """Line mode: a line that names no place is not given the previous line's (issue 14)."""
    events = _lines()
    by = {(e["line"], e["kind"]) for e in events}
    assert (9, "airport_suspended") in by
    assert (11, "plan_activated") in by
    assert (16, "shelter_incident") in by
    assert not {n for n, _ in by} & set(BACKGROUND)
    rostov = [e for e in events if e["region"] == "RU-ROS" and e["kind"] == "drone_attack" and e["line"] == 2]
    assert rostov and rostov[0]["districts"] == ["Verkhnedonskoy", "Sholokhovsky", "Millerovsky", "Chertkovsky"]
    # lines 3, 12 and 17 name no place of their own: alone they report nothing
    assert not {n for n, _ in by} & {3, 12, 17}
