"""Issue 14: messages as officials and media really write them, in English, Russian and Ukrainian."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from airwarn.extract.pipeline import Extractor

DAY = date(2026, 11, 24)


def _events(extractor: Extractor, text: str) -> list[dict[str, Any]]:
    return [e.to_json() for e in extractor.extract(text, date=DAY)]


def _kinds(extractor: Extractor, text: str) -> list[tuple[str, str]]:
    return [(e["kind"], e["region"]) for e in _events(extractor, text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Temporary restrictions at Kaluga airport have been lifted, Rosaviatsia said.", "airport_resumed"),
        ("Ограничения в аэропорту Калуги сняты.", "airport_resumed"),
        ("В аэропорту Тамбова сняты временные ограничения.", "airport_resumed"),
        ("Аеропорт Львова відновив роботу.", "airport_resumed"),
        ("Pulkovo airport resumed normal operations.", "airport_resumed"),
        ("В аэропорту Калуги введены временные ограничения.", "airport_suspended"),
        ("Отбой беспилотной опасности в Липецкой области.", "regime_lifted"),
        ("Відбій повітряної тривоги у Харківській області.", "alert_lifted"),
        ("Отбой воздушной тревоги в Херсонской области.", "alert_lifted"),
        ("The air raid alert in the Kharkiv region has been lifted.", "alert_lifted"),
        ("Повітряна тривога в Харківській області!", "alert_declared"),
    ],
)
def test_polarity(extractor: Extractor, text: str, expected: str) -> None:
    assert [k for k, _ in _kinds(extractor, text)] == [expected]


def test_suspended_then_resumed_keeps_both(extractor: Extractor) -> None:
    kinds = _kinds(extractor, "Volgograd airport suspended flights at 00:49 and resumed them at 03:10.")
    assert sorted(k for k, _ in kinds) == ["airport_resumed", "airport_suspended"]


def test_air_raid_warnings_are_alerts_not_regimes_with_their_threat(extractor: Extractor) -> None:
    events = _events(extractor, "Air-raid warnings were issued in Kyiv and Chernihiv oblasts.")
    assert [(e["kind"], e["region"], e["regime"]) for e in events] == [
        ("alert_declared", "UA-32", None),
        ("alert_declared", "UA-74", None),
    ]
    uk = _events(extractor, "Повітряна тривога в Харківській області. Загроза застосування балістичного озброєння.")
    assert [(e["kind"], e["threat"]) for e in uk] == [("alert_declared", "ballistic_missiles")]
    kab = _events(extractor, "Повітряна тривога на Сумщині: загроза КАБів.")
    assert kab[0]["threat"] == "guided_bombs" and kab[0]["weapon"] == {"type": "guided_bomb", "models": ["KAB"]}


def test_ukrainian_end_to_end(extractor: Extractor) -> None:
    events = _events(
        extractor,
        "Уночі над Одещиною сили ППО збили 14 ударних БпЛА типу Shahed, постраждалих немає, "
        "повідомив очільник ОВА Олег Кіпер.",
    )
    (e,) = events
    assert (e["kind"], e["region"], e["count"]) == ("interception", "UA-51", {"value": 14, "qualifier": "exact"})
    assert e["source"]["type"] == "official" and e["certainty"] == "Observed" and e["casualties"] == 0
    assert e["weapon"] == {"type": "drone", "models": ["Shahed"]}
    raion = _events(extractor, "Унаслідок падіння уламків у Бучанському районі пошкоджено два приватні будинки.")
    assert [(x["kind"], x["region"], x["districts"]) for x in raion] == [("damage", "UA-32", ["Bucha"])]
    assert raion[0]["damage_detail"] == {"cause": "debris", "objects": ["house"]}


def test_killed_and_injured_apart_and_the_old_total(extractor: Extractor) -> None:
    for text in (
        "Two people were killed and seven injured in a Russian drone strike on Kharkiv, the city's mayor said.",
        "У Запоріжжі внаслідок ракетного удару загинули двоє людей, ще сімох поранено.",
    ):
        (hurt,) = [e for e in _events(extractor, text) if e["kind"] == "casualties"]
        assert hurt["casualties_detail"] == {"killed": 2, "injured": 7}
        assert hurt["casualties"] == 9 and hurt["count"] == {"value": 9, "qualifier": "exact"}


def test_numbers_dates_and_qualifiers(extractor: Extractor) -> None:
    night = _events(extractor, "В ночь на 9 октября над Воронежской областью уничтожены порядка десяти беспилотников.")
    assert night[0]["count"] == {"value": 10, "qualifier": "about"}
    night_en = _events(
        extractor, "On the night of 8-9 August, air defences destroyed nine drones over Voronezh region."
    )
    assert night_en[0]["count"] == {"value": 9, "qualifier": "exact"}
    one = _events(extractor, "A drone was shot down over the Kaluga region.")
    assert one[0]["count"] == {"value": 1, "qualifier": "exact"}
    singular = _events(extractor, "Над Брянском уничтожен беспилотник, отметил Богомаз.")
    assert singular[0]["count"] == {"value": 1, "qualifier": "exact"} and singular[0]["source"]["type"] == "official"
    of = _events(extractor, "Ukraine's air force said it shot down 24 of 26 drones over the Odesa region.")
    assert of[0]["count"]["value"] == 24 and of[0]["counts"] == {"launched": 26, "destroyed": 24, "by_method": {}}
    each = _events(extractor, "Three drones each were destroyed over the Belgorod, Kaluga and Smolensk regions.")
    assert [e["count"]["value"] for e in each] == [3, 3, 3]
    total = _events(extractor, "Air defences destroyed 11 drones over the Belgorod and Kursk regions.")
    assert [e["count"] for e in total] == [None, None]


def test_times_in_words_zones_and_published(extractor: Extractor) -> None:
    half = _events(extractor, "В половине второго ночи над Волгоградом прогремели взрывы, рассказали жители.")
    assert half[0]["time"] == "2026-11-24T01:30:00+03:00"
    saratov = _events(extractor, "Residents of Saratov reported explosions at about 11 p.m. Moscow time.")
    assert saratov[0]["time"] == "2026-11-25T00:00:00+04:00"
    kyiv = _events(extractor, "Близько 01:00 за київським часом в Одесі було чути кілька вибухів.")
    assert kyiv[0]["time"] == "2026-11-24T01:00:00+02:00"
    posted = _events(extractor, "At 09:00, the governor of the Bryansk region announced that four drones were downed.")
    assert posted[0]["time"] is None and posted[0]["published"] == "2026-11-24T09:00:00+03:00"


def test_attribution_relay_and_hedges(extractor: Extractor) -> None:
    end = _events(extractor, "Над территорией области сбиты пять БПЛА. — губернатор Тульской области Дмитрий Миляев.")
    assert end and all(e["source"]["type"] == "official" for e in end)
    relay = _events(extractor, "Reuters, citing the Sumy governor, reported that a ballistic missile hit Sumy.")
    assert relay[0]["source"]["type"] == "official" and relay[0]["source"]["relay"] == "Reuters"
    could = _events(extractor, "Mash: над Саратовом ночью могли пролететь до 15 беспилотников.")
    assert could[0]["certainty"] == "Possible" and could[0]["count"] == {"value": 15, "qualifier": "up_to"}
    anon = _events(extractor, "Анонимные каналы утверждают, что в Туапсе загорелся завод после атаки дронов.")
    assert anon and {e["certainty"] for e in anon} == {"Possible"}
    mod = _events(
        extractor, "По данным Минобороны, за ночь сбиты беспилотники. Над Курской областью уничтожены 5 БПЛА."
    )
    assert mod[0]["source"]["type"] == "official" and mod[0]["certainty"] == "Observed"


def test_gazetteer_cases_from_real_messages(extractor: Extractor) -> None:
    assert _kinds(
        extractor,
        "The ministry accused the Kiev regime of an attack; two drones were shot down over the Bryansk region.",
    ) == [("interception", "RU-BRY")]
    assert _kinds(extractor, "Governor Vladimir Vladimirov said drones were shot down over the Stavropol region.") == [
        ("interception", "RU-STA")
    ]
    airports = {
        "Во Внуково введены временные ограничения на полеты.": "UUWW",
        "В аэропорту Курумоч временно не принимают рейсы.": "UWWW",
        "Аэропорт Пашковский возобновил работу.": "URKK",
        "В аэропорту Беслан введены ограничения на полеты.": "URMO",
        "Restrictions were imposed at Saratov's Gagarin airport.": "UWSG",
    }
    for text, icao in airports.items():
        assert [e["airport"] for e in _events(extractor, text)] == [icao], text
    engels = _events(extractor, "Жители Энгельса слышали взрывы.")
    assert engels[0]["districts"] == ["Engelssky"]
    threat = _kinds(extractor, "Угроза атаки беспилотников: в Пензенской области ограничен мобильный интернет.")
    assert ("internet_restricted", "RU-PNZ") in threat and ("drone_attack", "RU-PNZ") not in threat


def test_declared_lifted_and_declared_again(extractor: Extractor) -> None:
    text = "В Курской области режим беспилотной опасности введен в 11:24, отменен в 11:39 и снова введен в 16:03."
    got = [(e["kind"], e["time"][11:16]) for e in _events(extractor, text)]
    assert got == [("regime_declared", "11:24"), ("regime_lifted", "11:39"), ("regime_declared", "16:03")]
    uk = "Тривогу в Сумській області оголошено о 01:10, відбій о 02:00, повторно оголошено о 03:15."
    got = [(e["kind"], e["time"][11:16]) for e in _events(extractor, uk)]
    assert got == [("alert_declared", "01:10"), ("alert_lifted", "02:00"), ("alert_declared", "03:15")]


def test_a_later_sentence_names_the_speaker_of_the_whole_message(extractor: Extractor) -> None:
    text = "Над Курском сбиты три беспилотника. По словам губернатора, никто не пострадал."
    (e,) = _events(extractor, text)
    assert e["source"]["type"] == "official" and e["certainty"] == "Observed" and e["casualties"] == 0


@pytest.mark.parametrize(
    "text",
    ["All clear in Izium district of Kharkiv oblast.", "Відбій в Ізюмському районі.", "Отбой в Изюмском районе."],
)
def test_a_bare_all_clear_naming_a_place_lifts_the_alert_there(extractor: Extractor, text: str) -> None:
    (e,) = _events(extractor, text)
    assert (e["kind"], e["region"], e["districts"]) == ("alert_lifted", "UA-63", ["Izium"])


def test_a_bare_all_clear_of_a_named_hazard_stays_that_hazards_lifting(extractor: Extractor) -> None:
    assert _kinds(extractor, "Отбой ракетной опасности в Ростовской области.") == [("regime_lifted", "RU-ROS")]


def test_a_russian_place_adjective_pymorphy_misreads_still_names_its_district(extractor: Extractor) -> None:
    (e,) = _events(extractor, "Воздушная тревога в Изюмском районе Харьковской области.")
    assert (e["kind"], e["districts"]) == ("alert_declared", ["Izium"])


@pytest.mark.parametrize(
    "text", ["Threat of attack drones in Kharkiv oblast.", "Threat of drone attacks in Kharkiv oblast."]
)
def test_a_threat_of_drone_attacks_is_the_hazard_not_an_attack(extractor: Extractor, text: str) -> None:
    assert _kinds(extractor, text) == [("regime_declared", "UA-63")]
