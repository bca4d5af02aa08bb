"""Rules: what one report changes in the picture, with no database."""

from __future__ import annotations

from datetime import UTC, datetime

from airwarn.domain.regimes import MeasureKind, Picture, Regime
from airwarn.domain.reports import Certainty, RegimeKind, Report, ReportKind, Source, SourceType
from airwarn.domain.rules import decide
from airwarn.domain.territory import Territory

NOW = datetime(2026, 11, 24, 1, 41, tzinfo=UTC)


def report(kind: ReportKind, region: str = "RU-ROS", source: SourceType = SourceType.OFFICIAL,
           certainty: Certainty = Certainty.OBSERVED, **kw: object) -> Report:
    return Report(id="r1", kind=kind, region=region, time=NOW, source=Source(source), certainty=certainty,
                  received_at=NOW, **kw)  # type: ignore[arg-type]


def test_official_threat_declares_drone_hazard_per_district(territory: Territory) -> None:
    d = decide(report(ReportKind.INTERCEPTION, districts=("RU-ROS-MILLEROVSKY", "RU-ROS-CHERTKOVSKY")),
               Picture(), territory)
    assert [(x.kind, x.district) for x in d.declare] == [
        (RegimeKind.DRONE_HAZARD, "RU-ROS-MILLEROVSKY"), (RegimeKind.DRONE_HAZARD, "RU-ROS-CHERTKOVSKY")]


def test_threat_without_districts_covers_the_region(territory: Territory) -> None:
    d = decide(report(ReportKind.DRONE_ATTACK), Picture(), territory)
    assert [(x.region, x.district) for x in d.declare] == [("RU-ROS", None)]


def test_a_point_is_placed_in_its_district(territory: Territory) -> None:
    d = decide(report(ReportKind.EXPLOSION, point=(48.7, 40.2)), Picture(), territory)
    assert [x.district for x in d.declare] == ["RU-ROS-MILLEROVSKY"]


def test_region_wide_regime_covers_its_districts(territory: Territory) -> None:
    regime = Regime("g1", RegimeKind.DRONE_HAZARD, "RU-ROS", None, NOW, "x", "y")
    d = decide(report(ReportKind.INTERCEPTION, districts=("RU-ROS-MILLEROVSKY",)), Picture(regimes=[regime]),
               territory)
    assert d.declare == [] and "already in force" in d.notes[0]


def test_rumours_and_unhedged_witnesses_alike_wait_for_review(territory: Territory) -> None:
    rumour = report(ReportKind.DRONES_EN_ROUTE, "RU-SAR", SourceType.MEDIA, Certainty.POSSIBLE)
    assert decide(rumour, Picture(), territory).queued
    assert decide(rumour, Picture(), territory, confirmed=True).declare
    # issue 10: a Likely witness used to act alone; no source but official or sensor does now
    heard = report(ReportKind.EXPLOSION, "RU-VGG", SourceType.WITNESS, Certainty.LIKELY)
    assert decide(heard, Picture(), territory).queued


def test_penza_drone_hazard_triggers_its_plan(territory: Territory) -> None:
    d = decide(report(ReportKind.REGIME_DECLARED, "RU-PNZ", regime=RegimeKind.DRONE_HAZARD), Picture(), territory)
    assert {m.kind for m in d.start} == {MeasureKind.MOBILE_INTERNET_RESTRICTED, MeasureKind.STAY_INDOORS}
    assert [p.name for p in d.plans] == ["Drone Hazard"]


def test_carpet_closes_airspace_and_suspends_each_airport_once(territory: Territory) -> None:
    d = decide(report(ReportKind.PLAN_ACTIVATED, "RU-PNZ", plan="Kovyor"), Picture(), territory)
    assert [(x.kind, x.district) for x in d.declare] == [(RegimeKind.AIRSPACE_CLOSED, None)]
    assert [(m.kind, m.target) for m in d.start] == [(MeasureKind.AIRPORT_SUSPENDED, "UWPP")]


def test_lifting_drone_hazard_ends_the_plan_measures(territory: Territory) -> None:
    picture = Picture()
    declared = decide(report(ReportKind.REGIME_DECLARED, "RU-PNZ", regime=RegimeKind.DRONE_HAZARD), picture,
                      territory)
    picture.regimes.append(Regime("g1", RegimeKind.DRONE_HAZARD, "RU-PNZ", None, NOW, "x", "y"))
    from airwarn.domain.regimes import Measure

    for i, m in enumerate(declared.start):
        picture.measures.append(Measure(f"m{i}", m.kind, "RU-PNZ", NOW, "x", "plan"))
    lifted = decide(report(ReportKind.REGIME_LIFTED, "RU-PNZ", regime=RegimeKind.DRONE_HAZARD), picture, territory)
    assert [r.id for r in lifted.lift] == ["g1"]
    assert set(lifted.end) == {MeasureKind.MOBILE_INTERNET_RESTRICTED, MeasureKind.STAY_INDOORS}


def test_records_without_state_change(territory: Territory) -> None:
    d = decide(report(ReportKind.CASUALTIES, casualties=0), Picture(), territory)
    assert not d.changes_state and not d.queued


def test_a_rumour_about_an_area_already_under_the_regime_is_evidence_not_a_queue_item(territory: Territory) -> None:
    regime = Regime("g1", RegimeKind.DRONE_HAZARD, "RU-ROS", "RU-ROS-MILLEROVSKY", NOW, "x", "y")
    echo = report(ReportKind.INTERCEPTION, source=SourceType.MEDIA, certainty=Certainty.POSSIBLE,
                  districts=("RU-ROS-MILLEROVSKY",))
    d = decide(echo, Picture(regimes=[regime]), territory)
    assert not d.queued and not d.changes_state and "corroborates" in d.notes[0]
    elsewhere = report(ReportKind.INTERCEPTION, source=SourceType.MEDIA, certainty=Certainty.POSSIBLE,
                       districts=("RU-ROS-CHERTKOVSKY",))
    assert decide(elsewhere, Picture(regimes=[regime]), territory).queued
