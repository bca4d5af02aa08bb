"""An all-clear never stops the sirens of a district where another shelter regime still holds (both databases)."""

from __future__ import annotations

from airwarn.delivery.fanout import make_fanout
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from tests.fixtures.policies import IssueAlone


def sirens_of(deps: Deps, identifier: str) -> set[str]:
    with deps.uow.read() as repo:
        return {r["target"] for r in repo.outbox_rows(identifier) if r["channel"] == "mqtt"}


def test_the_air_raid_all_clear_leaves_the_sirens_of_a_district_under_a_drone_hazard(
        deps: Deps, operator: User) -> None:
    deps.fanout = make_fanout(deps.territory)
    deps.approval = IssueAlone()
    hazard = ReportDraft(kind="regime_declared", region="RU-ROS", source_type="official", regime="drone_hazard",
                         districts=["Millerovsky"])
    services.submit_report(deps, hazard, operator)
    raid = ReportDraft(kind="alert_declared", region="RU-ROS", source_type="official", threat="drones")
    [alert] = services.submit_report(deps, raid, operator).alerts
    sounded = sirens_of(deps, alert["identifier"])
    assert "airwarn/sirens/RU-ROS-MILLEROVSKY" in sounded and len(sounded) > 1

    lifted = ReportDraft(kind="alert_lifted", region="RU-ROS", source_type="official", threat="drones")
    [clear] = services.submit_report(deps, lifted, operator).alerts
    assert clear["level"] == "all_clear"
    stopped = sirens_of(deps, clear["identifier"])
    assert stopped == sounded - {"airwarn/sirens/RU-ROS-MILLEROVSKY"}  # the drone hazard still holds there
