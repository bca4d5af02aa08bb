"""The authority rules against a real database: the opt-in auto-confirm policy and its authors, the sensor
exception, proposed plan steps released or dropped together, and two-person lifts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airwarn.domain.approval_policy import ApprovalPolicy
from airwarn.domain.policy import AutoConfirmPolicy
from airwarn.domain.reports import ReportKind, Status
from airwarn.domain.users import Role, User
from airwarn.errors import Forbidden
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft

WITNESSES = ["olga", "pavel", "rita"]


def bang(minutes_ago: int, n: int) -> ReportDraft:
    return ReportDraft(kind="explosion", region="RU-VGG", source_type="witness", districts=["Kumylzhensky"],
                       certainty="Likely", text=f"resident {n}: explosions heard near the village",
                       time=datetime.now(UTC) - timedelta(minutes=minutes_ago))


def test_auto_confirm_is_off_by_default(deps: Deps) -> None:
    outcomes = [services.submit_report(deps, bang(9 - n, n), User(name, Role.OPERATOR))
                for n, name in enumerate(WITNESSES)]
    assert all(o.queued and not o.alerts for o in outcomes)


def test_opted_in_auto_confirm_declares_but_none_of_the_reporters_may_approve(deps: Deps) -> None:
    deps.auto_confirm = AutoConfirmPolicy(kinds=frozenset({ReportKind.EXPLOSION}), min_reports=3,
                                          window=timedelta(minutes=10))
    outcomes = [services.submit_report(deps, bang(9 - n, n), User(name, Role.OPERATOR))
                for n, name in enumerate(WITNESSES)]
    assert [o.queued for o in outcomes] == [True, True, False]
    [alert] = outcomes[2].alerts
    assert alert["state"] == "pending_approval"
    with deps.uow.read() as repo:
        stored, _ = repo.alert(alert["identifier"])  # type: ignore[misc]
        actions = [(r.actor, r.action) for r in repo.audit()]
        reviews = [repo.report_row(o.report_id or "")["review"] for o in outcomes]  # type: ignore[index]
    assert stored.created_by == "system:auto-confirm" and set(WITNESSES) <= set(stored.authors)
    assert ("system:auto-confirm", "incident.auto_confirmed") in actions
    assert reviews == ["corroborated", "corroborated", "auto_confirmed"]
    for name in WITNESSES:  # each caused it, so none is the second person, whatever their role
        with pytest.raises(Forbidden):
            services.approve_alert(deps, alert["identifier"], User(name, Role.APPROVER))
    assert services.approve_alert(deps, alert["identifier"], User("artem", Role.APPROVER))["state"] == "issued"


def missile(source: str = "sensor", district: str = "Millerovsky") -> ReportDraft:
    return ReportDraft(kind="drone_attack", region="RU-ROS", source_type=source, districts=[district],
                       regime="missile_hazard", certainty="Observed", source_name="radar 4")


def test_the_sensor_exception_is_off_by_default(deps: Deps) -> None:
    outcome = services.submit_report(deps, missile(), User("radar-4", Role.SENSOR))
    assert [a["state"] for a in outcome.alerts] == ["pending_approval"]


def test_the_sensor_exception_lets_a_sensor_account_alone_issue_the_named_threat_audited(deps: Deps) -> None:
    deps.approval = ApprovalPolicy(sensor_solo=frozenset({"missile_hazard"}))
    outcome = services.submit_report(deps, missile(), User("radar-4", Role.SENSOR))
    assert [a["state"] for a in outcome.alerts] == ["issued"]
    with deps.uow.read() as repo:
        [solo] = [r for r in repo.audit() if r.action == "alert.issued_by_one_person"]
        assert [r["state"] for r in repo.regimes(active=True)] == ["in_force"]
    assert solo.actor == "radar-4" and solo.data["policy"] == "sensor_policy"
    # an operator who types "sensor" is a person, not a sensor: the exception does not apply
    again = services.submit_report(deps, missile(district="Chertkovsky"), User("olga", Role.OPERATOR))
    # (the area grows: an Update of the sensor's alert, which waits all the same)
    assert [(a["msg_type"], a["state"]) for a in again.alerts] == [("Update", "pending_approval")]
    # and a sensor account reports nothing but its own detections
    with pytest.raises(Forbidden):
        services.submit_report(deps, missile("official"), User("radar-4", Role.SENSOR))


def test_a_plan_waits_with_its_alert_and_comes_into_force_in_one_approval(deps: Deps, operator: User,
                                                                         approver: User) -> None:
    penza = ReportDraft(kind="regime_declared", region="RU-PNZ", source_type="official", regime="drone_hazard")
    outcome = services.submit_report(deps, penza, operator)
    assert outcome.measures_started and all(a["state"] == "pending_approval" for a in outcome.alerts)
    with deps.uow.read() as repo:
        assert repo.regimes(active=True, public=True) == [] and repo.measures(active=True, public=True) == []
        assert not repo.picture(Status.ACTUAL).internet_restricted("RU-PNZ")  # delivery unchanged until then
        assert repo.count("outbox") == 0
    lead = next(a for a in outcome.alerts if a["severity"] == "Severe")
    services.approve_alert(deps, lead["identifier"], approver)
    with deps.uow.read() as repo:
        assert {m["state"] for m in repo.measures(active=True)} == {"in_force"}
        assert repo.picture(Status.ACTUAL).internet_restricted("RU-PNZ")
        assert {a.state.value for a, _ in repo.alerts()} == {"issued"}


def test_an_operator_lifting_a_severe_regime_waits_for_a_second_person(deps: Deps, operator: User,
                                                                      approver: User) -> None:
    declared = services.submit_report(deps, ReportDraft(
        kind="interception", region="RU-ROS", source_type="official", districts=["Millerovsky"]), operator)
    services.approve_alert(deps, declared.alerts[0]["identifier"], approver)
    lifted = services.lift_regime(deps, declared.regimes_declared[0], operator, "threat over")
    [clear] = lifted.alerts
    assert clear["state"] == "pending_approval" and lifted.regimes_lifted == []
    with deps.uow.read() as repo:
        [regime] = repo.regimes(active=True)
        [public] = repo.regimes(active=True, public=True)  # still in force for the public, who lifts unsaid
    assert regime["lift_pending"] == clear["identifier"] and public["state"] == "in_force"
    assert not {"lift_pending", "declared_by", "report_id"} & set(public)
    services.reject_alert(deps, clear["identifier"], approver, "drones still reported")
    with deps.uow.read() as repo:
        [regime] = repo.regimes(active=True)
    assert regime["lift_pending"] is None and regime["state"] == "in_force"


def test_a_held_cancel_and_a_held_all_clear_of_one_alert_are_approved_separately(
    deps: Deps, operator: User, approver: User
) -> None:
    declared = services.submit_report(deps, ReportDraft(
        kind="interception", region="RU-ROS", source_type="official", districts=["Millerovsky", "Chertkovsky"]),
        operator)
    original = services.approve_alert(deps, declared.alerts[0]["identifier"], approver)["identifier"]
    clear = services.lift_regime(deps, declared.regimes_declared[0], operator, "over here").alerts[0]
    cancel = services.cancel_alert(deps, original, operator, "False alarm")["cancel"]
    assert clear["state"] == cancel["state"] == "pending_approval"
    released = services.approve_alert(deps, clear["identifier"], approver)
    assert "released_with_it" not in released
    with deps.uow.read() as repo:
        stored, _ = repo.alert(cancel["identifier"])  # type: ignore[misc]
        [left] = repo.regimes(active=True)
    assert stored.state.value == "pending_approval" and left["id"] == declared.regimes_declared[1]


def test_an_approvers_false_alarm_cancel_withdraws_an_all_clear_still_held(
    deps: Deps, operator: User, approver: User
) -> None:
    declared = services.submit_report(deps, ReportDraft(
        kind="interception", region="RU-ROS", source_type="official", districts=["Millerovsky"]), operator)
    original = services.approve_alert(deps, declared.alerts[0]["identifier"], approver)["identifier"]
    clear = services.lift_regime(deps, declared.regimes_declared[0], operator, "over").alerts[0]
    services.cancel_alert(deps, original, User("dmitri", Role.APPROVER), "False alarm")
    with deps.uow.read() as repo:
        stored, _ = repo.alert(clear["identifier"])  # type: ignore[misc]
        assert repo.regimes(active=True) == []
    assert stored.state.value == "withdrawn"


def test_corroborated_claims_rise_in_the_review_queue_and_say_why(deps: Deps, operator: User) -> None:
    lone = ReportDraft(kind="drones_en_route", region="RU-SAR", source_type="media", source_name="Mash",
                       certainty="Possible", time=datetime.now(UTC) - timedelta(minutes=1))
    services.submit_report(deps, lone, operator)  # newest, but alone
    for n in range(3):
        services.submit_report(deps, bang(9 - n, n), operator)
    queue = services.review_queue(deps)
    assert [q["region"] for q in queue] == ["RU-VGG"] * 3 + ["RU-SAR"]
    top = queue[0]
    assert top["independent_sources"] == 3 and top["incident_certainty"] == "Likely"
    assert "3 independent sources" in top["corroboration"] and "an operator decides" in top["corroboration"]
    assert queue[-1]["corroboration"] is None
