"""The core pipeline against a real database (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airwarn.cap.signing import Signer
from airwarn.cap.validate import validate
from airwarn.domain.alerts import Severity
from airwarn.domain.approval_policy import ApprovalPolicy
from airwarn.domain.reports import Status
from airwarn.domain.users import Role, User
from airwarn.errors import Conflict, Forbidden, InvalidInput
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from airwarn.store import tables as t


def now() -> datetime:
    return datetime.now(UTC)


def rostov_interception() -> ReportDraft:
    return ReportDraft(kind="interception", region="RU-ROS", source_type="official",
                       source_name="Governor of Rostov Region",
                       districts=["Upper Don", "Sholokhovsky", "Миллеровский", "Chertkovsky"],
                       casualties=0, damage=False, time=now() - timedelta(minutes=3))


def test_official_interception_declares_regime_and_holds_severe_alert_for_second_person(
    deps: Deps, operator: User, approver: User, signer: Signer
) -> None:
    outcome = services.submit_report(deps, rostov_interception(), operator)

    assert len(outcome.regimes_declared) == 4
    [alert] = outcome.alerts
    assert alert["state"] == "pending_approval" and alert["severity"] == "Severe"
    issued = services.approve_alert(deps, alert["identifier"], approver)
    assert issued["state"] == "issued"
    with deps.uow.read() as repo:
        stored, xml = repo.alert(alert["identifier"])
        assert repo.outbox_rows(alert["identifier"])
    assert stored.approved_by == "artem" and stored.districts == (
        "RU-ROS-VERKHNEDONSKOY", "RU-ROS-SHOLOKHOVSKY", "RU-ROS-MILLEROVSKY", "RU-ROS-CHERTKOVSKY")
    assert xml is not None
    validate(xml.encode())
    signer.verify(xml.encode())


def test_the_author_cannot_approve_their_own_alert(deps: Deps, approver: User) -> None:
    outcome = services.submit_report(deps, rostov_interception(), approver)
    with pytest.raises(Forbidden):
        services.approve_alert(deps, outcome.alerts[0]["identifier"], approver)


def test_repeated_report_does_not_alert_twice(deps: Deps, operator: User) -> None:
    services.submit_report(deps, rostov_interception(), operator)
    again = services.submit_report(deps, rostov_interception(), operator)
    assert again.alerts == [] and again.regimes_declared == []


def test_media_rumour_is_queued_and_alerts_nobody_until_confirmed(deps: Deps, operator: User) -> None:
    rumour = ReportDraft(kind="drones_en_route", region="RU-SAR", source_type="media", source_name="Mash",
                         certainty="Possible", count_value=10, count_qualifier="more_than",
                         text="more than 10 drones may have been en route to Saratov")
    outcome = services.submit_report(deps, rumour, operator)
    assert outcome.queued and outcome.alerts == []
    with deps.uow.read() as repo:
        assert repo.count("alerts") == 0 and repo.count("regimes") == 0
        [queued] = repo.reports(review="pending")
    assert queued["text"].startswith("more than 10")

    confirmed = services.confirm_report(deps, outcome.report_id, operator, "Likely")
    assert confirmed.regimes_declared and confirmed.alerts
    with pytest.raises(Conflict):
        services.confirm_report(deps, outcome.report_id, operator)


def test_penza_drone_hazard_runs_the_regional_plan(deps: Deps, operator: User) -> None:
    draft = ReportDraft(kind="regime_declared", region="RU-PNZ", source_type="official",
                        regime="drone_hazard")
    outcome = services.submit_report(deps, draft, operator)
    with deps.uow.read() as repo:
        kinds = {m["kind"] for m in repo.measures(active=True)}
    assert kinds == {"mobile_internet_restricted", "stay_indoors"}
    assert len(outcome.regimes_declared) == 1
    with deps.uow.read() as repo:
        alert, _ = repo.alert(outcome.alerts[0]["identifier"])
    assert "Stay indoors" in alert.infos[0].instruction


def test_carpet_closes_airspace_and_suspends_airports(deps: Deps, operator: User) -> None:
    draft = ReportDraft(kind="plan_activated", region="RU-PNZ", source_type="official", plan="Ковёр")
    outcome = services.submit_report(deps, draft, operator)
    with deps.uow.read() as repo:
        regimes = repo.regimes(active=True)
        measures = repo.measures(active=True)
    assert [r["kind"] for r in regimes] == ["airspace_closed"]
    assert [(m["kind"], m["target"]) for m in measures] == [("airport_suspended", "UWPP")]
    assert {a["msg_type"] for a in outcome.alerts} == {"Alert"}


def test_lifting_issues_one_all_clear_referencing_the_alert(
    deps: Deps, operator: User, approver: User
) -> None:
    first = services.submit_report(deps, rostov_interception(), operator)
    original = services.approve_alert(deps, first.alerts[0]["identifier"], approver)
    lift = ReportDraft(kind="regime_lifted", region="RU-ROS", source_type="official", regime="drone_hazard")
    outcome = services.submit_report(deps, lift, operator)
    [clear] = outcome.alerts
    assert clear["msg_type"] == "Update" and clear["references"] == [original["identifier"]]
    # issue 10: the all-clear of a Severe alert needs a second person too; until then the regimes stay
    assert clear["state"] == "pending_approval" and outcome.regimes_lifted == []
    with deps.uow.read() as repo:
        assert len(repo.regimes(active=True, public=True)) == 4
    with pytest.raises(Forbidden):
        services.approve_alert(deps, clear["identifier"], User("olga", Role.APPROVER))  # its author
    services.approve_alert(deps, clear["identifier"], approver)
    with deps.uow.read() as repo:
        assert repo.regimes(active=True) == []


def test_false_alarm_cancel_by_an_approver_goes_out_in_one_call_and_lifts_the_regime(
    deps: Deps, operator: User, approver: User
) -> None:
    first = services.submit_report(deps, rostov_interception(), operator)
    identifier = services.approve_alert(deps, first.alerts[0]["identifier"], approver)["identifier"]
    duty = User("dmitri", Role.APPROVER)
    result = services.cancel_alert(deps, identifier, duty, "False alarm: sensor fault")
    assert result["cancel"]["msg_type"] == "Cancel" and result["cancel"]["state"] == "issued"
    with deps.uow.read() as repo:
        assert repo.regimes(active=True) == []
        [solo] = [r for r in repo.audit() if r.action == "alert.issued_by_one_person"]
    assert solo.actor == "dmitri" and solo.data["policy"] == "single_person_false_alarm_cancel"
    with pytest.raises(Conflict):
        services.cancel_alert(deps, identifier, operator)


def test_an_operator_alone_cannot_cancel_an_approved_severe_alert(
    deps: Deps, operator: User, approver: User
) -> None:
    """Issue 10: one person could undo what two approved; now the operator's cancel waits for a second."""
    first = services.submit_report(deps, rostov_interception(), operator)
    identifier = services.approve_alert(deps, first.alerts[0]["identifier"], approver)["identifier"]
    result = services.cancel_alert(deps, identifier, operator, "False alarm")
    cancel = result["cancel"]
    assert cancel["state"] == "pending_approval" and result["regimes_lifted"] == []
    with deps.uow.read() as repo:
        assert len(repo.regimes(active=True, public=True)) == 4
        assert all(r["lift_pending"] == cancel["identifier"] for r in repo.regimes(active=True))
    with pytest.raises(Conflict):
        services.cancel_alert(deps, identifier, operator)  # its cancel already waits
    with pytest.raises(Forbidden):
        services.approve_alert(deps, cancel["identifier"], User("olga", Role.APPROVER))
    assert services.approve_alert(deps, cancel["identifier"], approver)["state"] == "issued"
    with deps.uow.read() as repo:
        assert repo.regimes(active=True) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"districts": ["Millerovsky", "Atlantis"]}, "districts[1]"),
        ({"region": "RU-NOPE"}, "region"),
        ({"kind": "alien_invasion"}, "kind"),
        ({"time": datetime.now(UTC) + timedelta(hours=2)}, "time"),
        ({"kind": "plan_activated", "plan": "Umbrella"}, "plan"),
    ],
)
def test_bad_report_names_the_field_and_changes_nothing(
    deps: Deps, operator: User, change: dict, field: str
) -> None:
    draft = rostov_interception()
    for key, value in change.items():
        setattr(draft, key, value)
    with pytest.raises(InvalidInput) as err:
        services.submit_report(deps, draft, operator)
    assert err.value.field == field
    with deps.uow.read() as repo:
        assert all(repo.count(name) == 0 for name in ("reports", "regimes", "alerts", "audit_log"))


def test_a_failure_mid_decision_rolls_back_everything(deps: Deps, operator: User) -> None:
    def broken_render(_alert: object) -> str:
        raise RuntimeError("signing device unplugged")

    deps.render = broken_render
    deps.approval = ApprovalPolicy(min_severity=Severity.EXTREME)  # so the alert is signed at once
    with pytest.raises(RuntimeError):
        services.submit_report(deps, rostov_interception(), operator)
    with deps.uow.read() as repo:
        assert all(repo.count(name) == 0 for name in ("reports", "regimes", "alerts", "outbox", "audit_log"))


def test_audit_chain_verifies_and_shows_tampering(deps: Deps, operator: User) -> None:
    services.submit_report(deps, rostov_interception(), operator)
    assert services.verify_audit(deps).ok
    with deps.uow.write() as repo:
        repo.conn.execute(t.audit_log.update().where(t.audit_log.c.seq == 2).values(actor="mallory"))
    check = services.verify_audit(deps)
    assert not check.ok and check.first_bad_seq == 2


def test_exercise_and_actual_never_touch(deps: Deps, operator: User) -> None:
    drill = rostov_interception()
    drill.status = "Exercise"
    outcome = services.submit_report(deps, drill, operator)
    [alert] = outcome.alerts
    # issue 10: an exercise needs a second person like an Actual alert of its severity
    assert alert["status"] == "Exercise" and alert["state"] == "pending_approval"
    with deps.uow.read() as repo:
        assert repo.picture(Status.ACTUAL).regimes == []
        assert len(repo.picture(Status.EXERCISE).regimes) == 4
        assert repo.alerts(status=Status.ACTUAL) == []
    real_lift = ReportDraft(kind="regime_lifted", region="RU-ROS", source_type="official")
    assert services.submit_report(deps, real_lift, operator).regimes_lifted == []
    with deps.uow.read() as repo:
        assert len(repo.picture(Status.EXERCISE).regimes) == 4


def test_an_official_report_confirms_the_queued_rumour_about_the_same_threat(deps: Deps, operator: User) -> None:
    rumour = ReportDraft(kind="drone_attack", region="RU-ROS", source_type="media", source_name="Mash",
                         certainty="Possible", districts=["Millerovsky"], time=now() - timedelta(minutes=10))
    other = ReportDraft(kind="drone_attack", region="RU-ROS", source_type="witness", certainty="Possible",
                        districts=["Sholokhovsky"], time=now() - timedelta(minutes=10))
    queued = services.submit_report(deps, rumour, operator)
    kept = services.submit_report(deps, other, operator)
    official = ReportDraft(kind="interception", region="RU-ROS", source_type="official",
                           districts=["Millerovsky", "Chertkovsky"])
    outcome = services.submit_report(deps, official, operator)
    assert any(queued.report_id in note for note in outcome.notes)
    with deps.uow.read() as repo:
        assert repo.report_row(queued.report_id)["review"] == "corroborated"
        assert [r["id"] for r in repo.reports(review="pending")] == [kept.report_id]
        assert repo.count("alerts") == 1
