"""Lifecycle in the domain, with no database: measures released with their regimes, the pre-alert level,
expiry policy, renewal and Update composition, and where a drill's all-clear may go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airwarn.delivery.channels.base import Message
from airwarn.delivery.channels.mqtt import siren_payload
from airwarn.domain.alerts import Authority, MsgType, Urgency
from airwarn.domain.composing import (
    RENEWAL_NOTE,
    as_update,
    compose_all_clear,
    compose_cancel,
    compose_regime_alert,
    compose_renewal,
)
from airwarn.domain.expiry import ExpiryPolicy
from airwarn.domain.regimes import (
    Level,
    Measure,
    MeasureKind,
    Picture,
    Regime,
    drill_clear_districts,
    released_measures,
)
from airwarn.domain.reports import Certainty, RegimeKind, Report, ReportKind, Source, SourceType, Status
from airwarn.domain.rules import covered, decide
from airwarn.domain.territory import Territory

NOW = datetime(2026, 11, 24, 1, 41, tzinfo=UTC)
MILLEROVSKY, CHERTKOVSKY = "RU-ROS-MILLEROVSKY", "RU-ROS-CHERTKOVSKY"


def report(kind: ReportKind, region: str = "RU-SAR", source: SourceType = SourceType.OFFICIAL,
           certainty: Certainty = Certainty.OBSERVED, **kw: object) -> Report:
    return Report(id="r1", kind=kind, region=region, time=NOW, source=Source(source), certainty=certainty,
                  received_at=NOW, **kw)  # type: ignore[arg-type]


def regime(rid: str, region: str = "RU-PNZ", district: str | None = None,
           kind: RegimeKind = RegimeKind.DRONE_HAZARD, level: Level = Level.ALERT) -> Regime:
    return Regime(rid, kind, region, district, NOW, "x", "y", level=level)


def measure(mid: str, kind: MeasureKind, regimes: tuple[str, ...] = (), *, plan: str | None = "Drone Hazard",
            keep: bool = False, region: str = "RU-PNZ") -> Measure:
    return Measure(mid, kind, region, NOW, "x", "plan", plan=plan, regime_ids=regimes, keep=keep)


# --- measures end with their regimes ---------------------------------------------------------------------
def test_a_measure_ends_when_the_last_of_its_regimes_is_lifted() -> None:
    a, b = regime("a", district="RU-PNZ-PENZA"), regime("b", district="RU-PNZ-KUZNETSKY")
    internet = measure("m1", MeasureKind.MOBILE_INTERNET_RESTRICTED, ("a", "b"))
    picture = Picture(regimes=[a, b], measures=[internet])
    assert released_measures(picture, [a]).ending == ()  # b still stands
    picture.regimes[0] = a.lifted(NOW, "x", "over")
    assert released_measures(picture, [b]).ending == (internet,)
    assert released_measures(picture, [a, b]).ending == (internet,)


def test_a_kept_measure_is_reported_as_kept_not_ended() -> None:
    a = regime("a")
    kept = measure("m1", MeasureKind.STAY_INDOORS, ("a",), keep=True)
    release = released_measures(Picture(regimes=[a], measures=[kept]), [a])
    assert release.ending == () and release.kept == (kept,)


def test_unlinked_measures_stay_and_old_plan_measures_end_with_the_regions_last_regime() -> None:
    a, other = regime("a"), regime("o", region="RU-ROS")
    reported = measure("m1", MeasureKind.MOBILE_INTERNET_RESTRICTED, plan=None)
    legacy = measure("m2", MeasureKind.STAY_INDOORS)  # a plan measure stored before regime links
    elsewhere = measure("m3", MeasureKind.STAY_INDOORS, region="RU-ROS")
    picture = Picture(regimes=[a, other], measures=[reported, legacy, elsewhere])
    assert released_measures(picture, [a]).ending == (legacy,)


def test_plan_measures_are_linked_to_the_regime_that_triggered_them(territory: Territory) -> None:
    d = decide(report(ReportKind.REGIME_DECLARED, "RU-PNZ", regime=RegimeKind.DRONE_HAZARD), Picture(), territory)
    assert [(r.kind, r.level) for r in d.declare] == [(RegimeKind.DRONE_HAZARD, Level.ALERT)]
    assert {(m.kind, m.regimes, m.plan) for m in d.start} == {
        (MeasureKind.MOBILE_INTERNET_RESTRICTED, (0,), "Drone Hazard"), (MeasureKind.STAY_INDOORS, (0,), "Drone Hazard")}


def test_carpet_airports_come_with_the_airspace_closure(territory: Territory) -> None:
    d = decide(report(ReportKind.PLAN_ACTIVATED, "RU-PNZ", plan="Carpet"), Picture(), territory)
    assert d.declare[0].kind is RegimeKind.AIRSPACE_CLOSED
    [airport] = d.start
    assert airport.target == "UWPP" and airport.regimes == (0,)
    closed = regime("c", kind=RegimeKind.AIRSPACE_CLOSED)  # already closed: link to the one in force
    again = decide(report(ReportKind.PLAN_ACTIVATED, "RU-PNZ", plan="Carpet"), Picture(regimes=[closed]), territory)
    assert again.declare == [] and again.start[0].regimes == ("c",)


def test_a_reported_restriction_comes_with_the_regimes_in_force_in_its_region(territory: Territory) -> None:
    a = regime("a")
    d = decide(report(ReportKind.INTERNET_RESTRICTED, "RU-PNZ"), Picture(regimes=[a]), territory)
    assert d.start[0].regimes == ("a",)
    alone = decide(report(ReportKind.INTERNET_RESTRICTED, "RU-PNZ"), Picture(), territory)
    assert alone.start[0].regimes == ()


@pytest.mark.parametrize(("kind", "ends"), [
    (ReportKind.INTERNET_RESTORED, MeasureKind.MOBILE_INTERNET_RESTRICTED),
    (ReportKind.STAY_INDOORS_LIFTED, MeasureKind.STAY_INDOORS),
])
def test_reports_that_a_measure_is_over_end_it(territory: Territory, kind: ReportKind, ends: MeasureKind) -> None:
    picture = Picture(measures=[measure("m1", ends, ("a",))])
    assert decide(report(kind, "RU-PNZ"), picture, territory).end == [ends]
    nothing = decide(report(kind, "RU-PNZ"), Picture(), territory)
    assert nothing.end == [] and nothing.notes and "no " in nothing.notes[0]


# --- the pre-alert level -----------------------------------------------------------------------------------
def test_drones_en_route_declare_a_pre_alert_that_runs_no_plan(territory: Territory) -> None:
    d = decide(report(ReportKind.DRONES_EN_ROUTE, "RU-PNZ"), Picture(), territory)
    assert [(r.kind, r.level) for r in d.declare] == [(RegimeKind.DRONE_HAZARD, Level.PRE_ALERT)]
    assert d.start == [] and d.plans == []  # no internet cut while the drones are only approaching


def test_the_threat_arriving_escalates_the_pre_alert_and_runs_the_plan(territory: Territory) -> None:
    pre = regime("p", level=Level.PRE_ALERT)
    d = decide(report(ReportKind.DRONE_ATTACK, "RU-PNZ"), Picture(regimes=[pre]), territory)
    assert d.declare == [] and d.escalate == [pre] and d.changes_state
    assert {m.regimes for m in d.start} == {("p",)} and [p.name for p in d.plans] == ["Drone Hazard"]
    repeat = decide(report(ReportKind.DRONES_EN_ROUTE, "RU-PNZ"), Picture(regimes=[pre]), territory)
    assert not repeat.changes_state and "already in force" in repeat.notes[0]


def test_a_pre_alert_does_not_cover_a_claim_that_the_threat_is_here(territory: Territory) -> None:
    pre = regime("p", region="RU-SAR", level=Level.PRE_ALERT)
    heard = report(ReportKind.EXPLOSION, "RU-SAR", SourceType.WITNESS, Certainty.POSSIBLE)
    assert not covered(heard, Picture(regimes=[pre]), territory)
    rumour = report(ReportKind.DRONES_EN_ROUTE, "RU-SAR", SourceType.MEDIA, Certainty.POSSIBLE)
    assert covered(rumour, Picture(regimes=[pre]), territory)


def _alert(territory: Territory, *regimes: Regime, expires: datetime | None = None):  # type: ignore[no-untyped-def]
    return compose_regime_alert(identifier="a-1", authority=Authority(), sent=NOW, territory=territory,
                                regimes=regimes, certainty=Certainty.LIKELY, expires=expires)


def test_a_pre_alert_says_be_ready_with_urgency_expected(territory: Territory) -> None:
    alert = _alert(territory, regime("p", region="RU-SAR", level=Level.PRE_ALERT),
                   expires=NOW + timedelta(hours=1))
    en, ru = alert.infos
    assert alert.level == "pre_alert" and en.urgency is Urgency.EXPECTED and en.response_types == ("Prepare",)
    assert "Be ready to take shelter" in en.instruction and "Будьте готовы укрыться" in ru.instruction
    assert en.event == "Drone threat approaching" and alert.expires == NOW + timedelta(hours=1)
    full = _alert(territory, regime("f", region="RU-SAR"))
    assert full.level == "alert" and full.infos[0].urgency is Urgency.IMMEDIATE and full.expires is None
    with pytest.raises(ValueError):
        _alert(territory, regime("p", region="RU-SAR", level=Level.PRE_ALERT), regime("f", region="RU-SAR"))


def test_updates_renewals_all_clears_and_cancels(territory: Territory) -> None:
    first = _alert(territory, regime("m", "RU-ROS", MILLEROVSKY), expires=NOW + timedelta(hours=2))
    grown = as_update(_alert(territory, regime("m", "RU-ROS", MILLEROVSKY), regime("c", "RU-ROS", CHERTKOVSKY)),
                      first)
    assert grown.msg_type is MsgType.UPDATE and grown.references == (first.as_reference(),)
    assert grown.districts == (MILLEROVSKY, CHERTKOVSKY) and grown.level == "alert"
    later = NOW + timedelta(hours=2)
    renewal = compose_renewal(identifier="a-2", original=first, sent=NOW + timedelta(minutes=105), expires=later,
                              created_by="system:renewal")
    assert renewal.msg_type is MsgType.UPDATE and renewal.note == RENEWAL_NOTE and renewal.expires == later
    assert renewal.headline == first.headline and renewal.references == (first.as_reference(),)
    clear = compose_all_clear(identifier="a-3", original=first, sent=NOW, created_by="x", expires=later)
    assert clear.level == "all_clear" and clear.expires == later
    assert ("airwarn:level", "all_clear") in clear.infos[0].parameters
    assert ("airwarn:level", "alert") not in clear.infos[0].parameters
    cancel = compose_cancel(identifier="a-4", original=first, sent=NOW, created_by="x", note="false alarm")
    assert cancel.level == "all_clear" and cancel.expires == first.expires


def test_sirens_stop_only_on_an_all_clear_and_hear_the_level() -> None:
    def payload(**alert: object) -> dict[str, object]:
        import json

        message = Message(outbox_id=1, identifier="a", channel="mqtt", target="t", attempt=1, xml="",
                          alert=dict(alert))
        return dict(json.loads(siren_payload(message)))

    assert payload(msg_type="Update", level="alert")["command"] == "sound"  # an area grown or escalated
    assert payload(msg_type="Alert", level="pre_alert")["level"] == "pre_alert"
    assert payload(msg_type="Update", level="all_clear")["command"] == "stop"
    assert payload(msg_type="Cancel")["command"] == "stop"  # older rows without a level


# --- expiry --------------------------------------------------------------------------------------------------
def test_expiry_policy_defaults_and_renewal_lead() -> None:
    policy = ExpiryPolicy()
    assert policy.regime_expires(RegimeKind.DRONE_HAZARD, Level.ALERT, NOW) == NOW + timedelta(hours=2)
    assert policy.regime_expires(RegimeKind.MISSILE_HAZARD, Level.ALERT, NOW) == NOW + timedelta(hours=1)
    assert policy.regime_expires(RegimeKind.MISSILE_HAZARD, Level.PRE_ALERT, NOW) == NOW + timedelta(hours=1)
    assert policy.regime_expires(RegimeKind.AIRSPACE_CLOSED, Level.ALERT, NOW) == NOW + timedelta(hours=6)
    expires = NOW + timedelta(hours=1)
    assert not policy.due(expires, expires - timedelta(minutes=16))
    assert policy.due(expires, expires - timedelta(minutes=15)) and policy.due(expires, expires)
    assert not policy.due(None, NOW)
    with pytest.raises(ValueError, match="must exceed"):
        ExpiryPolicy(lifetimes={"drone_hazard": timedelta(minutes=10)})


def test_expiry_policy_from_settings_changes_only_what_it_names() -> None:
    policy = ExpiryPolicy.from_spec(" drone_hazard=7200 , pre_alert=1800", renew_before_s=300)
    assert policy.lifetime("drone_hazard") == timedelta(hours=2) and policy.lifetime("pre_alert") == timedelta(minutes=30)
    assert policy.lifetime("missile_hazard") == timedelta(hours=1) and policy.renew_before == timedelta(minutes=5)
    assert ExpiryPolicy.from_spec("") == ExpiryPolicy()
    for bad, says in (("drone=60", "unknown lifetime 'drone'"), ("drone_hazard=soon", "number of seconds"),
                      ("drone_hazard=600", "must exceed")):
        with pytest.raises(ValueError, match=says):
            ExpiryPolicy.from_spec(bad)


# --- drills -----------------------------------------------------------------------------------------------------
def test_a_drill_all_clear_leaves_out_every_district_under_an_actual_regime() -> None:
    rostov = [MILLEROVSKY, CHERTKOVSKY, "RU-ROS-SHOLOKHOVSKY"]
    actual = Picture(status=Status.ACTUAL, regimes=[regime("r", "RU-ROS", MILLEROVSKY)])
    assert drill_clear_districts(actual, "RU-ROS", (), rostov) == (CHERTKOVSKY, "RU-ROS-SHOLOKHOVSKY")
    assert drill_clear_districts(actual, "RU-ROS", (MILLEROVSKY, CHERTKOVSKY), rostov) == (CHERTKOVSKY,)
    assert drill_clear_districts(actual, "RU-ROS", (MILLEROVSKY,), rostov) is None
    assert drill_clear_districts(actual, "RU-VGG", (), []) == ()  # nothing real there: unchanged
    region_wide = Picture(regimes=[regime("r", "RU-ROS")])
    assert drill_clear_districts(region_wide, "RU-ROS", (CHERTKOVSKY,), rostov) is None
    lifted = Picture(regimes=[regime("r", "RU-ROS").lifted(NOW, "x", "over")])
    assert drill_clear_districts(lifted, "RU-ROS", (MILLEROVSKY,), rostov) == (MILLEROVSKY,)
