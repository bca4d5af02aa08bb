"""Places, numbers, times and certainty: the pieces the extractor is made of."""

from __future__ import annotations

from datetime import date

import pytest

from airwarn.domain.reports import Certainty, Qualifier, SourceType
from airwarn.extract.certainty import Hedge, certainty, hedge
from airwarn.extract.morph import lemma, skeleton, tokenize
from airwarn.extract.numbers import count_near
from airwarn.extract.pipeline import Extractor
from airwarn.extract.times import find_times, resolve

DAY = date(2026, 11, 24)


def _places(extractor: Extractor, text: str) -> list[tuple[str, str, str]]:
    return [(m.place.kind, m.place.region, m.place.name) for m in extractor.gazetteer.find(tokenize(text))]


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("в Миллеровском районе", "Millerovsky"),
        ("Миллеровский район", "Millerovsky"),
        ("над Миллеровским районом", "Millerovsky"),
        ("Alekseyevsky district", "Alekseyevsky"),
        ("Alekseevskiy district", "Alekseyevsky"),
        ("в Алексеевском районе", "Alekseyevsky"),
        ("the Upper Don district", "Verkhnedonskoy"),
        ("Chertkovskaya district", "Chertkovsky"),
        ("в Верхнедонском районе", "Verkhnedonskoy"),
    ],
)
def test_districts_across_cases_spellings_and_calques(extractor: Extractor, text: str, district: str) -> None:
    assert ("district", district) in {(k, n) for k, _, n in _places(extractor, text)}


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Rostov Region", "RU-ROS"),
        ("в Ростовской области", "RU-ROS"),
        ("Ростовская область", "RU-ROS"),
        ("the Kherson Oblast", "UA-65"),
        ("в Херсонской области", "UA-65"),
        ("в Белгородской области", "RU-BEL"),
        ("Kursk region", "RU-KRS"),
        ("в Новой Каховке", "UA-65"),
        ("New Kakhovka", "UA-65"),
        ("в Татарстане", "RU-TA"),
    ],
)
def test_regions_and_towns(extractor: Extractor, text: str, region: str) -> None:
    assert region in {r for _, r, _ in _places(extractor, text)}


def test_misspellings_resolve_only_inside_the_region_found(extractor: Extractor) -> None:
    [event] = extractor.extract(
        "Drones were shot down over the Sholikhovsky and Millerovsky districts of Rostov Region.", date=DAY
    )
    assert event.districts == ["Sholokhovsky", "Millerovsky"]
    [event] = extractor.extract(
        "Residents in Alekseyevsky, Surovikinsky, and Kumzhensky districts heard explosions.", date=DAY
    )
    assert event.region == "RU-VGG" and event.districts == ["Alekseyevsky", "Surovikinsky", "Kumylzhensky"]
    # the same misspelling with no region to search in stays unresolved rather than guessed
    assert extractor.gazetteer.fuzzy_district("Kumzhensky", set()) is None
    assert extractor.gazetteer.fuzzy_district("Kumzhensky", {"RU-ROS"}) is None


def test_no_place_is_invented_for_ordinary_words(extractor: Extractor) -> None:
    for text in ("The Drone Hazard regime was declared", "Mayor, Upper, New, Red", "Moscow time", "БПЛА ПВО РЭБ"):
        assert _places(extractor, text) == [] or all(k != "district" for k, _, _ in _places(extractor, text))
    assert _places(extractor, "at 1:41 AM Moscow time") == []
    assert _places(extractor, "over the Sea of Azov") == []


def test_abbreviations_are_not_lemmatised() -> None:
    assert lemma("БПЛА") == "бпла"
    assert lemma("ПВО") == "пво"
    assert skeleton(lemma("Миллеровском")) == skeleton("Millerovsky") == skeleton("Millerovskiy")


@pytest.mark.parametrize(
    ("text", "value", "qualifier"),
    [
        ("at least eight explosions", 8, Qualifier.AT_LEAST),
        ("more than 10 drones", 10, Qualifier.MORE_THAN),
        ("около 20 взрывов", 20, Qualifier.ABOUT),
        ("свыше десяти беспилотников", 10, Qualifier.MORE_THAN),
        ("не менее пятнадцати БПЛА", 15, Qualifier.AT_LEAST),
        ("до 30 дронов", 30, Qualifier.UP_TO),
        ("двадцать пять беспилотников", 25, Qualifier.EXACT),
        ("twenty-five drones", 25, Qualifier.EXACT),
        ("about a dozen drones", 12, Qualifier.ABOUT),
        ("3–4 взрыва", 3, Qualifier.AT_LEAST),
        ("сбиты 15 БПЛА", 15, Qualifier.EXACT),
    ],
)
def test_counts(text: str, value: int, qualifier: Qualifier) -> None:
    anchors = frozenset(["drone", "explosion", "взрыв", "беспилот", "бпла", "дрон"])
    number = count_near(tokenize(text), anchors)
    assert number is not None and (number.value, number.qualifier) == (value, qualifier)


def test_no_count_without_a_counted_noun() -> None:
    assert count_near(tokenize("at 1.5 meters from the shelter in 2026"), frozenset(["drone"])) is None


@pytest.mark.parametrize(
    ("text", "tz", "iso"),
    [
        ("suspended all operations at 00:49 AM", "Europe/Volgograd", "2026-11-24T00:49:00+03:00"),
        ("declared at 1:41 AM", "Europe/Moscow", "2026-11-24T01:41:00+03:00"),
        ("в 01:41 по мск", "Europe/Saratov", "2026-11-24T02:41:00+04:00"),
        ("at 1:41 AM Moscow time", "Europe/Samara", "2026-11-24T02:41:00+04:00"),
        ("around 10:30 p.m.", "Europe/Moscow", "2026-11-24T22:30:00+03:00"),
        ("at 12:15 AM", "Europe/Kyiv", "2026-11-24T00:15:00+02:00"),
        ("в 21.40", "Europe/Moscow", "2026-11-24T21:40:00+03:00"),
    ],
)
def test_times_in_the_regions_zone(text: str, tz: str, iso: str) -> None:
    [clock] = find_times(text)
    assert resolve(clock, DAY, tz).isoformat() == iso


def test_not_times() -> None:
    assert find_times("falling short by just 1.5 meters") == []
    assert find_times("15 drones, 3.14 and 2026") == []


def test_yesterday_and_late_last_night(extractor: Extractor) -> None:
    [e] = extractor.extract("Late last night at 23:40 drones were shot down over Rostov Region.", date=DAY)
    assert e.time is not None and e.time.isoformat() == "2026-11-23T23:40:00+03:00"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("more than 10 drones may have been en route", Hedge.STRONG),
        ("по предварительным данным сбиты", Hedge.WEAK),
        ("информация не подтверждена", Hedge.STRONG),
        ("the mayor reportedly failed", Hedge.STRONG),
        ("это фейк", Hedge.DENIED),
        ("drones were shot down", Hedge.NONE),
    ],
)
def test_hedges(text: str, level: Hedge) -> None:
    norm = " ".join(t.norm for t in tokenize(text))
    assert hedge(norm) is level


def test_certainty_mapping() -> None:
    assert certainty(SourceType.OFFICIAL, Hedge.NONE) is Certainty.OBSERVED
    assert certainty(SourceType.OFFICIAL, Hedge.WEAK) is Certainty.LIKELY
    assert certainty(SourceType.MEDIA, Hedge.NONE) is Certainty.LIKELY
    assert certainty(SourceType.MEDIA, Hedge.WEAK) is Certainty.POSSIBLE
    assert certainty(SourceType.WITNESS, Hedge.STRONG) is Certainty.POSSIBLE
    assert certainty(SourceType.OFFICIAL, Hedge.DENIED) is Certainty.UNLIKELY


@pytest.mark.parametrize(
    "text",
    [
        "No drones were shot down over the Rostov region last night.",
        "Ни один беспилотник над Ростовской областью сбит не был.",
        "There were no explosions in Penza tonight.",
        "Взрывов в Пензе не было.",
        "Earlier, the ministry said 10 drones were shot down over Kursk Region.",
        "Ранее Минобороны сообщало о 30 сбитых беспилотниках над Белгородской областью.",
        "The 'Carpet' plan is a regime of closed skies under which airports stop flights.",
        "Mobile internet in Penza Region will be limited during drone attacks.",
    ],
)
def test_negations_background_and_future_yield_nothing(extractor: Extractor, text: str) -> None:
    assert extractor.extract(text, date=DAY) == []


def test_several_events_in_one_message(extractor: Extractor) -> None:
    text = (
        "Минобороны: перехвачены и уничтожены 15 беспилотников: 8 над территорией Белгородской области, "
        "4 — Курской области и 3 — Брянской области. В Пензенской области введён режим «Ковёр»."
    )
    got = {(e.kind.value, e.region, e.count.value if e.count else None) for e in extractor.extract(text, date=DAY)}
    assert got == {
        ("interception", "RU-BEL", 8),
        ("interception", "RU-KRS", 4),
        ("interception", "RU-BRY", 3),
        ("plan_activated", "RU-PNZ", None),
    }


def test_shipped_lemmas_agree_with_pymorphy() -> None:
    from importlib import resources

    from airwarn.extract.morph import morph

    lines = resources.files("airwarn.extract").joinpath("data/lemmas.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[::25]:
        word, lem = line.split("\t")
        low = word.lower().replace("ё", "е")
        if "-" in low:
            continue
        assert morph().parse(low)[0].normal_form.replace("ё", "е") == lem, word
