"""The incident rules over reports of any origin: grouping, families, and certainty from corroboration."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from airwarn.domain.incidents import CORROBORATION, belongs, family, gather, group, place, start, summary
from airwarn.domain.reports import Certainty, Report, ReportKind, Source, SourceType, Status

T0 = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)
MILLEROVSKY = "RU-ROS-MILLEROVSKY"


def report(n: int, kind: str = "interception", source: SourceType = SourceType.WITNESS, *,
           name: str | None = None, districts: tuple[str, ...] = (MILLEROVSKY,), region: str = "RU-ROS",
           minutes: int = 0, certainty: Certainty = Certainty.POSSIBLE, airport: str | None = None,
           status: Status = Status.ACTUAL) -> Report:
    at = T0 + timedelta(minutes=minutes)
    return Report(id=f"r{n}", kind=ReportKind(kind), region=region, time=at, source=Source(source, name),
                  certainty=certainty, received_at=at, districts=districts, airport=airport,
                  text=f"account {n}", status=status)


def test_three_independent_untrusted_sources_make_a_claim_likely_but_not_confirmed() -> None:
    claims = [report(1, source=SourceType.MEDIA, name="Mash"), report(2, minutes=5)]
    incident = start(claims[0], "inc-1", claims[1:])
    assert incident.certainty is Certainty.POSSIBLE and not incident.corroborated
    incident = start(claims[0], "inc-1", [*claims[1:], report(3, "explosion", minutes=9)])
    assert incident.independent_claims == CORROBORATION
    assert incident.corroborated and incident.certainty is Certainty.LIKELY and not incident.confirmed
    assert incident.kind is ReportKind.INTERCEPTION


def test_the_same_source_repeating_itself_is_not_corroboration() -> None:
    same = [report(n, source=SourceType.MEDIA, name="Mash", minutes=n) for n in range(4)]
    incident = start(same[0], "inc-1", same[1:])
    assert incident.independent_claims == 1 and not incident.corroborated
    assert incident.certainty is Certainty.POSSIBLE
    assert incident.without(["r0"]).report_ids == ["r1", "r2", "r3"]
    echo = [report(1), replace(report(2), text="account 1"), report(3, name="residents")]
    assert start(echo[0], "inc-2", echo[1:]).independent_claims == 2  # a word-for-word repeat is one


def test_trusted_sources_decide_the_certainty() -> None:
    witnesses = [report(n, minutes=n) for n in range(3)]
    official = report(9, source=SourceType.OFFICIAL, name="Governor", certainty=Certainty.OBSERVED,
                      districts=(MILLEROVSKY, "RU-ROS-CHERTKOVSKY"))
    incident = start(witnesses[0], "inc-1", [*witnesses[1:], official])
    assert incident.confirmed and incident.certainty is Certainty.OBSERVED and not incident.corroborated
    assert incident.districts == [MILLEROVSKY, "RU-ROS-CHERTKOVSKY"]
    view = summary(incident)
    assert len(view["sources"]) == 4 and view["evidence"] == [f"account {n}" for n in (0, 1, 2, 9)]  # type: ignore[arg-type]
    hedged = start(witnesses[0], "inc-1", [*witnesses[1:], report(9, source=SourceType.OFFICIAL,
                                                                     certainty=Certainty.POSSIBLE)])
    assert hedged.certainty is Certainty.POSSIBLE and not hedged.confirmed


def test_families_regions_districts_status_and_time_separate_incidents() -> None:
    reports = [
        report(1),
        report(2, "drone_attack", districts=("RU-ROS-TARASOVSKY",)),  # other district
        report(3, region="RU-VGG", districts=()),  # other region
        report(4, "airport_suspended", airport="URRP", districts=()),  # other family
        report(5, "airport_resumed", airport="URRP", districts=(), minutes=60),  # same airport
        report(6, "airport_suspended", airport="UUOO", districts=()),  # other airport
        report(7, minutes=4 * 60),  # too late
        report(8, "casualties", minutes=1),
        report(9, "damage", minutes=2),  # consequences are one family
        report(10, status=Status.EXERCISE),  # an exercise never joins real reports
        report(11, "explosion", districts=(), minutes=30),  # region-wide: joins the interception
    ]
    incidents = group(reports)
    assert [i.report_ids for i in incidents] == [
        ["r1", "r11"], ["r2"], ["r3"], ["r4", "r5"], ["r6"], ["r7"], ["r8", "r9"], ["r10"]]
    assert family(reports[3]) == "airport:URRP" and incidents[0].region_wide


def test_a_report_is_placed_in_the_latest_open_incident_it_fits_and_stored_ones_are_rebuilt() -> None:
    old = start(report(1), "inc-old")
    new = start(report(2, minutes=200, districts=()), "inc-new")
    later = report(3, minutes=210)
    assert belongs(old, later) is False and place(later, [old, new]) is new
    rebuilt = gather([("inc-b", report(5, minutes=3)), ("inc-a", report(4)), ("inc-b", report(6))])
    assert [(i.id, i.report_ids) for i in rebuilt] == [("inc-b", ["r6", "r5"]), ("inc-a", ["r4"])]
