"""One happening told by many sources is one incident; certainty rises when an official confirms it."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from airwarn.domain.reports import Certainty, SourceType
from airwarn.extract.incidents import group, summary
from airwarn.extract.pipeline import Extractor
from airwarn.extract.sources import SourceHint

DAY = date(2026, 11, 24)
T0 = datetime(2026, 11, 24, 0, 30, tzinfo=timezone(timedelta(hours=3)))

MEDIA = "Mash: над Миллеровским районом Ростовской области сбиты беспилотники, слышны взрывы."
RESIDENTS = [
    "Жители Миллеровского района Ростовской области слышали, как работала ПВО.",
    "Residents of Millerovsky district in Rostov Region say air defences were shooting down drones.",
    "Очевидцы: в Миллеровском районе ПВО сбила беспилотник над трассой.",
]
GOVERNOR = "Губернатор Ростовской области: ночью в Миллеровском районе отражена атака БПЛА, пострадавших нет."


def _stream(extractor: Extractor, texts: list[tuple[str, SourceHint | None]]):  # noqa: ANN202
    out = []
    for n, (text, hint) in enumerate(texts):
        for event in extractor.extract(text, date=DAY, source=hint):
            if event.kind.value == "interception":
                out.append((event, T0 + timedelta(minutes=5 * n)))
    return out


def test_five_reports_of_one_interception_are_one_incident(extractor: Extractor) -> None:
    texts = [(MEDIA, None)] + [(t, SourceHint(SourceType.WITNESS)) for t in RESIDENTS]
    unconfirmed = _stream(extractor, texts)
    assert len(unconfirmed) == 4
    incidents = group(unconfirmed)
    assert len(incidents) == 1
    before = incidents[0]
    assert not before.confirmed
    assert before.certainty is Certainty.LIKELY

    everything = _stream(extractor, [*texts, (GOVERNOR, None)])
    incidents = group(everything)
    assert len(incidents) == 1
    incident = incidents[0]
    assert incident.confirmed
    assert incident.certainty is Certainty.OBSERVED
    assert incident.districts == ["Millerovsky"]
    assert len(incident.reports) == 5
    assert {s.type for s in incident.sources} == {SourceType.MEDIA, SourceType.WITNESS, SourceType.OFFICIAL}
    view = summary(incident)
    assert len(view["reports"]) == 5 and all(r["evidence"] for r in view["reports"])
    assert view["casualties"] == 0


def test_other_places_and_times_are_other_incidents_but_explosions_there_are_the_same(
    extractor: Extractor,
) -> None:
    a = extractor.extract("Над Миллеровским районом Ростовской области сбиты 3 беспилотника.", date=DAY)
    b = extractor.extract("Над Тарасовским районом Ростовской области сбиты 2 беспилотника.", date=DAY)
    c = extractor.extract("Над Курской областью сбиты 4 беспилотника.", date=DAY)
    d = extractor.extract("В Миллеровском районе Ростовской области слышны взрывы.", date=DAY)
    e = extractor.extract("Над Миллеровским районом Ростовской области сбиты 5 беспилотников.", date=DAY)
    reports = [(a[0], T0), (b[0], T0), (c[0], T0), (d[0], T0), (e[0], T0 + timedelta(hours=8))]
    incidents = group(reports)
    assert len(incidents) == 4  # every threat kind is one family: the explosions heard are the interception
    assert [len(i.reports) for i in incidents] == [2, 1, 1, 1]
    assert incidents[0].kind.value == "interception"


def test_unconfirmed_claims_corroborate_to_likely_but_never_observed(extractor: Extractor) -> None:
    texts = [
        f"Возможно, над Миллеровским районом Ростовской области сбит беспилотник, пишет канал {n}."
        for n in ("А", "Б", "В")
    ]
    reports = _stream(extractor, [(t, SourceHint(SourceType.MEDIA, f"c{n}")) for n, t in enumerate(texts)])
    assert [e.certainty for e, _ in reports] == [Certainty.POSSIBLE] * 3
    incident = group(reports)[0]
    assert incident.certainty is Certainty.LIKELY
    assert not incident.confirmed


def test_a_balashov_report_does_not_merge_into_an_engels_incident(extractor: Extractor) -> None:
    """Issue 14: incidents respect distance — two towns 150 km apart in one region stay two incidents, each
    narrowed to its own district, never widened to the whole region."""
    engels = "Губернатор Саратовской области: над Энгельсом сбиты беспилотники."
    balashov = "Mash: жители Балашова слышали, как работала ПВО, сбиты беспилотники."
    stream = _stream(extractor, [(engels, None), (balashov, None)])
    assert [e.districts for e, _ in stream] == [["Engelssky"], ["Balashovsky"]]
    incidents = group(stream)
    assert len(incidents) == 2
    assert [i.districts for i in incidents] == [["Engelssky"], ["Balashovsky"]]
    assert not any(i.region_wide for i in incidents)
