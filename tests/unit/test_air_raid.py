"""Air-raid alerts as regimes of their own: alert_declared / alert_lifted through the rules, intake, the texts in
en/ru/uk, CAP parameters, expiry and the sensor policy, with no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airwarn.cap.validate import validate
from airwarn.cap.xml import alert_from_xml, alert_to_xml
from airwarn.domain.air_raid import AIR_RAID_BY_THREAT, AIR_RAID_KINDS, AIR_RAID_TEXTS, air_raid_kind
from airwarn.domain.alerts import Authority, Severity, Urgency
from airwarn.domain.approval_policy import ApprovalPolicy
from airwarn.domain.composing import compose_all_clear, compose_regime_alert
from airwarn.domain.expiry import ExpiryPolicy
from airwarn.domain.regimes import Level, Picture, Regime
from airwarn.domain.reports import Certainty, RegimeKind, Report, ReportKind, Source, SourceType
from airwarn.domain.rules import covered, decide
from airwarn.domain.territory import Territory
from airwarn.errors import InvalidInput
from airwarn.service_layer.intake import ReportDraft, resolve
from airwarn.territory.io import demo_territory

NOW = datetime(2026, 11, 24, 9, 12, tzinfo=UTC)
MILLEROVSKY, CHERTKOVSKY = "RU-ROS-MILLEROVSKY", "RU-ROS-CHERTKOVSKY"
BALLISTIC, DRONES, UNNAMED = (RegimeKind.AIR_RAID_BALLISTIC_MISSILES, RegimeKind.AIR_RAID_DRONES,
                              RegimeKind.AIR_RAID_ALERT)


def report(kind: ReportKind, regime: RegimeKind | None = BALLISTIC, *, districts: tuple[str, ...] = (),
           source: SourceType = SourceType.OFFICIAL, certainty: Certainty = Certainty.OBSERVED) -> Report:
    return Report(id="r1", kind=kind, region="RU-ROS", time=NOW, source=Source(source), certainty=certainty,
                  received_at=NOW, districts=districts, regime=regime)


def standing(kind: RegimeKind, district: str | None = None, rid: str = "reg-1") -> Regime:
    return Regime(rid, kind, "RU-ROS", district, NOW, "x", "y")


# --- rules -----------------------------------------------------------------------------------------------
def test_an_official_alert_declares_its_threats_regime_per_district(territory: Territory) -> None:
    d = decide(report(ReportKind.ALERT_DECLARED, districts=(MILLEROVSKY, CHERTKOVSKY)), Picture(), territory)
    assert [(r.kind, r.district, r.level) for r in d.declare] == [
        (BALLISTIC, MILLEROVSKY, Level.ALERT), (BALLISTIC, CHERTKOVSKY, Level.ALERT)]


def test_an_alert_without_districts_covers_the_region(territory: Territory) -> None:
    d = decide(report(ReportKind.ALERT_DECLARED, UNNAMED), Picture(), territory)
    assert [(r.kind, r.region, r.district) for r in d.declare] == [(UNNAMED, "RU-ROS", None)]


def test_the_same_alert_again_is_not_a_new_alert(territory: Territory) -> None:
    region_wide = Picture(regimes=[standing(BALLISTIC)])
    again = decide(report(ReportKind.ALERT_DECLARED, districts=(MILLEROVSKY,)), region_wide, territory)
    assert again.declare == [] and "already in force" in again.notes[0]
    # a message that names no threat says nothing new where any air-raid alert stands
    assert decide(report(ReportKind.ALERT_DECLARED, UNNAMED), region_wide, territory).declare == []


def test_a_threat_named_under_an_unnamed_or_other_alert_is_news(territory: Territory) -> None:
    for before in (UNNAMED, DRONES):
        d = decide(report(ReportKind.ALERT_DECLARED), Picture(regimes=[standing(before)]), territory)
        assert [r.kind for r in d.declare] == [BALLISTIC], before


def test_a_drone_hazard_regime_and_an_air_raid_alert_coexist(territory: Territory) -> None:
    picture = Picture(regimes=[standing(RegimeKind.DRONE_HAZARD, MILLEROVSKY)])
    d = decide(report(ReportKind.ALERT_DECLARED, DRONES, districts=(MILLEROVSKY,)), picture, territory)
    assert [(r.kind, r.district) for r in d.declare] == [(DRONES, MILLEROVSKY)]
    # and the all-clear of the air-raid alert leaves the drone-hazard regime alone
    picture.regimes.append(standing(DRONES, MILLEROVSKY, "reg-2"))
    lifted = decide(report(ReportKind.ALERT_LIFTED, None), picture, territory)
    assert [r.id for r in lifted.lift] == ["reg-2"]


def test_an_all_clear_naming_a_threat_ends_that_threat_and_the_unnamed_alert(territory: Territory) -> None:
    picture = Picture(regimes=[standing(BALLISTIC, rid="b"), standing(DRONES, rid="d"), standing(UNNAMED, rid="u")])
    assert {r.id for r in decide(report(ReportKind.ALERT_LIFTED, BALLISTIC), picture, territory).lift} == {"b", "u"}
    assert {r.id for r in decide(report(ReportKind.ALERT_LIFTED, None), picture, territory).lift} == {"b", "d", "u"}


def test_an_all_clear_for_some_districts_ends_only_theirs(territory: Territory) -> None:
    picture = Picture(regimes=[standing(BALLISTIC, MILLEROVSKY, "m"), standing(BALLISTIC, CHERTKOVSKY, "c")])
    d = decide(report(ReportKind.ALERT_LIFTED, None, districts=(CHERTKOVSKY,)), picture, territory)
    assert [r.id for r in d.lift] == ["c"]


def test_an_all_clear_with_nothing_in_force_changes_nothing(territory: Territory) -> None:
    d = decide(report(ReportKind.ALERT_LIFTED, None), Picture(regimes=[standing(RegimeKind.DRONE_HAZARD)]), territory)
    assert not d.changes_state and d.notes == ["no matching air-raid alert in force"]


def test_media_alerts_wait_and_an_all_clear_from_media_too(territory: Territory) -> None:
    claim = report(ReportKind.ALERT_DECLARED, source=SourceType.MEDIA, certainty=Certainty.LIKELY)
    assert decide(claim, Picture(), territory).queued
    assert [r.kind for r in decide(claim, Picture(), territory, confirmed=True).declare] == [BALLISTIC]
    assert covered(claim, Picture(regimes=[standing(BALLISTIC)]), territory)
    assert not covered(claim, Picture(regimes=[standing(UNNAMED)]), territory)  # the threat is news
    clear = report(ReportKind.ALERT_LIFTED, None, source=SourceType.MEDIA, certainty=Certainty.LIKELY)
    assert decide(clear, Picture(regimes=[standing(BALLISTIC)]), territory).queued


# --- intake ----------------------------------------------------------------------------------------------
def _resolve(**kw: object) -> Report:
    draft = ReportDraft(**{"kind": "alert_declared", "region": "RU-ROS", "source_type": "official", **kw})  # type: ignore[arg-type]
    return resolve(draft, demo_territory(), now=NOW, reported_by="olga")


def test_intake_turns_the_threat_into_the_regime() -> None:
    for threat, kind in AIR_RAID_BY_THREAT.items():
        assert _resolve(threat=threat).regime is kind
    assert _resolve().regime is UNNAMED
    assert _resolve(kind="alert_lifted").regime is None  # an all-clear for every air-raid alert of the area
    assert _resolve(kind="alert_lifted", threat="drones").regime is DRONES
    assert _resolve(regime="air_raid_guided_bombs").regime is RegimeKind.AIR_RAID_GUIDED_BOMBS


@pytest.mark.parametrize(("fields", "field"), [
    ({"threat": "balloons"}, "threat"),
    ({"regime": "drone_hazard"}, "regime"),
    ({"threat": "drones", "regime": "air_raid_aircraft"}, "threat"),
    ({"kind": "interception", "threat": "drones"}, "threat"),
])
def test_intake_names_the_bad_field(fields: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        _resolve(**fields)
    assert caught.value.field == field


# --- what the public hears ------------------------------------------------------------------------------
def _alert(kind: RegimeKind, region: str = "UA-63", certainty: Certainty = Certainty.OBSERVED):  # noqa: ANN202
    regime = Regime("r1", kind, region, None, NOW, "olga", "report r1")
    return compose_regime_alert(identifier="airwarn-air-raid-1", authority=Authority(), sent=NOW,
                                territory=demo_territory(), regimes=[regime], certainty=certainty,
                                expires=ExpiryPolicy().regime_expires(kind, Level.ALERT, NOW))


@pytest.mark.parametrize("kind", sorted(AIR_RAID_KINDS))
def test_every_air_raid_alert_speaks_en_ru_uk_and_is_valid_cap(kind: RegimeKind) -> None:
    alert = _alert(kind, certainty=Certainty.LIKELY)
    en, ru, uk = alert.infos
    text = AIR_RAID_TEXTS[kind]
    assert [i.language for i in alert.infos] == ["en-US", "ru-RU", "uk-UA"]
    assert (en.event, ru.event, uk.event) == (text.event_en, text.event_ru, text.event_uk)
    assert (en.instruction, ru.instruction, uk.instruction) == (text.instruction_en, text.instruction_ru,
                                                                text.instruction_uk)
    assert uk.headline == f"{text.event_uk}: Харківська область"
    assert {i.urgency for i in alert.infos} == {Urgency.IMMEDIATE}
    assert {i.certainty for i in alert.infos} == {Certainty.LIKELY}  # as the report says
    assert {i.severity for i in alert.infos} == {text.severity} and alert.regime_kind == kind.value
    threat = [v for k, v in en.parameters if k == "airwarn:threat"]
    assert threat == ([] if kind is UNNAMED else [next(t for t, k in AIR_RAID_BY_THREAT.items() if k is kind)])
    xml = alert_to_xml(alert)
    validate(xml)  # raises if not schema-valid CAP 1.2
    assert alert_from_xml(xml).infos == alert.infos  # the threat parameter and the uk-UA block survive


def test_severity_per_threat() -> None:
    extreme = {k for k in AIR_RAID_KINDS if AIR_RAID_TEXTS[k].severity is Severity.EXTREME}
    assert extreme == {BALLISTIC, RegimeKind.AIR_RAID_CRUISE_MISSILES, RegimeKind.AIR_RAID_GUIDED_BOMBS}


def test_the_all_clear_says_vidbii_and_keeps_the_threat() -> None:
    clear = compose_all_clear(identifier="airwarn-air-raid-2", original=_alert(BALLISTIC), sent=NOW,
                              created_by="olga")
    en, ru, uk = clear.infos
    assert (en.headline, ru.headline, uk.headline) == ("All clear: Kharkiv Oblast", "Отбой: Харьковская область",
                                                       "Відбій: Харківська область")
    assert uk.instruction == "Можна залишити укриття." and clear.level == "all_clear"
    assert ("airwarn:threat", "ballistic_missiles") in uk.parameters
    validate(alert_to_xml(clear))


def test_expiry_per_threat_and_renewal_before_it() -> None:
    policy = ExpiryPolicy()
    assert policy.regime_expires(BALLISTIC, Level.ALERT, NOW) == NOW + timedelta(minutes=30)
    assert policy.regime_expires(DRONES, Level.ALERT, NOW) == NOW + timedelta(hours=2)
    assert policy.regime_expires(UNNAMED, Level.ALERT, NOW) == NOW + timedelta(hours=1)
    assert all(policy.lifetime(k.value) > policy.renew_before for k in AIR_RAID_KINDS)
    assert ExpiryPolicy.from_spec("air_raid_ballistic_missiles=1200").lifetime(BALLISTIC.value) == timedelta(
        minutes=20)


def test_the_sensor_policy_names_air_raid_alerts_by_threat() -> None:
    ballistic, drones = _alert(BALLISTIC), _alert(DRONES)
    policy = ApprovalPolicy(sensor_solo=frozenset({BALLISTIC.value}))
    assert policy.needs_approval(ballistic) and policy.needs_approval(drones)  # Extreme and Severe: two people
    assert policy.sensor_may_issue_alone(ballistic) and not policy.sensor_may_issue_alone(drones)
    assert not ApprovalPolicy().sensor_may_issue_alone(ballistic)


def test_an_unknown_threat_has_no_kind() -> None:
    with pytest.raises(ValueError, match="balloons"):
        air_raid_kind("balloons")
