"""One event, one incident: reports of the same interception from every kind of source (SQLite; PostgreSQL
when configured)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft

GOVERNOR = ReportDraft(
    kind="interception", region="RU-ROS", source_type="official", source_name="Governor of Rostov Region",
    districts=["Millerovsky"], casualties=0, damage=False,
    text="Governor: drones were shot down over Millerovsky district tonight, no casualties.",
)
MEDIA = ReportDraft(
    kind="interception", region="RU-ROS", source_type="media", source_name="Mash", certainty="Possible",
    districts=["Millerovsky"], text="Mash: drones reportedly shot down over Millerovsky district.",
)
RESIDENTS = [
    ReportDraft(kind=kind, region="RU-ROS", source_type="witness", districts=["Millerovsky"], text=text)
    for kind, text in [
        ("interception", "Residents of Millerovsky district heard air defences working."),
        ("explosion", "Очевидцы: в Миллеровском районе слышны взрывы."),
        ("interception", "A resident: a drone was shot down over the highway near Millerovo."),
    ]
]


def at(draft: ReportDraft, minutes_ago: int) -> ReportDraft:
    return replace(draft, time=datetime.now(UTC) - timedelta(minutes=minutes_ago))


def _incident(deps: Deps, incident_id: str) -> dict[str, object]:
    view = services.incident_view(deps, incident_id)
    assert view is not None
    return view


@pytest.mark.parametrize("official_first", [True, False], ids=["official-first", "official-last"])
def test_five_accounts_of_one_interception_are_one_incident_and_one_alert(
    deps: Deps, operator: User, official_first: bool
) -> None:
    claims = [MEDIA, *RESIDENTS]
    order = [GOVERNOR, *claims] if official_first else [*claims, GOVERNOR]
    outcomes = [services.submit_report(deps, at(d, 30 - 5 * n), operator) for n, d in enumerate(order)]

    assert len({o.incident_id for o in outcomes}) == 1
    incident_id = outcomes[0].incident_id
    assert incident_id is not None and incident_id.startswith("inc-")
    alerts = [a for o in outcomes for a in o.alerts]
    assert len(alerts) == 1
    with deps.uow.read() as repo:
        assert repo.count("alerts") == 1
        assert repo.reports(review="pending") == []
        rows = [repo.report_row(o.report_id or "") for o in outcomes]
    assert all(r is not None and r["incident_id"] == incident_id for r in rows)

    view = _incident(deps, incident_id)
    assert view["kind"] == "interception" and view["region"] == "RU-ROS"
    assert view["districts"] == ["RU-ROS-MILLEROVSKY"]
    assert view["certainty"] == "Observed" and view["confirmed"] is True
    assert len(view["sources"]) == 5  # type: ignore[arg-type]
    assert {s["type"] for s in view["sources"]} == {"official", "media", "witness"}  # type: ignore[attr-defined]
    assert sorted(view["evidence"]) == sorted(d.text for d in order)  # type: ignore[type-var]
    assert sorted(view["report_ids"]) == sorted(o.report_id for o in outcomes)  # type: ignore[type-var]
    assert view["alert_ids"] == [alerts[0]["identifier"]]

    if not official_first:
        # media + two residents are three independent sources: that raises the claim (and says so), but
        # issue 10: corroboration decides nothing; the claims wait until the governor's word settles them
        assert all(o.queued and not o.regimes_declared and not o.alerts for o in outcomes[:4])
        assert any("3 independent sources corroborate" in n for n in outcomes[2].notes)
        with deps.uow.read() as repo:
            reviews = [repo.report_row(o.report_id or "")["review"] for o in outcomes]  # type: ignore[index]
            actions = [(r.actor, r.action) for r in repo.audit()]
        assert reviews == ["corroborated"] * 4 + ["none"]
        assert ("system:corroboration", "incident.corroborated") in actions
        assert not any(actor.startswith("system:") and action.startswith("regime.") for actor, action in actions)
        assert outcomes[4].alerts and outcomes[4].regimes_declared
    with deps.uow.read() as repo:
        received = [r for r in repo.audit() if r.action == "report.received"]
    assert {r.data["incident"] for r in received} == {incident_id}


def test_a_dismissed_claim_does_not_count_towards_corroboration(deps: Deps, operator: User) -> None:
    first = services.submit_report(deps, at(MEDIA, 20), operator)
    services.dismiss_report(deps, first.report_id or "", operator, "old video")
    second = services.submit_report(deps, at(RESIDENTS[0], 15), operator)
    third = services.submit_report(deps, at(RESIDENTS[1], 10), operator)
    assert second.queued and third.queued and third.alerts == []
    assert not any("corroborate" in n for n in third.notes)
    fourth = services.submit_report(deps, at(RESIDENTS[2], 5), operator)
    assert fourth.queued and fourth.alerts == []  # corroborated: it rises in the queue, an operator decides
    assert any("3 independent sources corroborate" in n for n in fourth.notes)
    assert {first.incident_id, second.incident_id, third.incident_id, fourth.incident_id} == {
        first.incident_id}


def test_other_places_and_hours_are_other_incidents(deps: Deps, operator: User) -> None:
    a = services.submit_report(deps, at(MEDIA, 10), operator)
    elsewhere = ReportDraft(kind="interception", region="RU-ROS", source_type="media", source_name="Mash",
                            districts=["Chertkovsky"], time=datetime.now(UTC) - timedelta(minutes=9))
    b = services.submit_report(deps, elsewhere, operator)
    earlier = services.submit_report(deps, at(RESIDENTS[0], 5 * 60), operator)
    assert len({a.incident_id, b.incident_id, earlier.incident_id}) == 3
    listed = services.incidents_view(deps)
    assert [i["id"] for i in listed] == [b.incident_id, a.incident_id, earlier.incident_id]
