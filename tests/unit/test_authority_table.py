"""docs/authority.md's two tables, row by row: which reports act alone, and which messages need two people.

The rows are read from the document itself, so a change to the rules that is not written there (or the
other way round) fails here."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from airwarn.domain.alerts import Alert, Area, Info, MsgType, Severity, Urgency
from airwarn.domain.approval_policy import ApprovalPolicy
from airwarn.domain.policy import AutoConfirmPolicy
from airwarn.domain.regimes import Picture, Regime
from airwarn.domain.reports import Certainty, RegimeKind, Report, ReportKind, Source, SourceType, Status
from airwarn.domain.rules import decide
from airwarn.domain.territory import Territory

DOC = Path(__file__).resolve().parents[2] / "docs" / "authority.md"
NOW = datetime(2026, 11, 24, 0, 31, tzinfo=UTC)
DISTRICT = "RU-ROS-MILLEROVSKY"


def table(first_header: str) -> list[dict[str, str]]:
    """The markdown table whose header row starts with `| # | <first_header>`, as dicts."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| # | {first_header} |"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(header, (c.strip() for c in line.strip("|").split("|")), strict=True)))
    return rows


SOURCE_ROWS = table("source")
MESSAGE_ROWS = table("message")


def test_the_tables_are_there() -> None:
    assert len(SOURCE_ROWS) >= 31 and len(MESSAGE_ROWS) >= 10
    assert {"alert_declared", "alert_lifted"} <= {r["kind"] for r in SOURCE_ROWS}


def _report(row: dict[str, str], n: int = 0, text: str = "", airport: tuple[str, str] | None = None) -> Report:
    kind = ReportKind(row["kind"])
    extra: dict[str, object] = {}
    region = "RU-ROS"
    if kind is ReportKind.REGIME_DECLARED:
        extra["regime"] = RegimeKind.DRONE_HAZARD
    if kind is ReportKind.ALERT_DECLARED:  # «Повітряна тривога … загроза балістики»: intake picks the threat's kind
        extra["regime"] = RegimeKind.AIR_RAID_BALLISTIC_MISSILES
    if kind is ReportKind.AIRPORT_SUSPENDED and airport is not None:
        extra["airport"], region = airport
    return Report(id=f"r{n}", kind=kind, region=region, time=NOW - timedelta(minutes=n),
                  source=Source(SourceType(row["source"]), None), certainty=Certainty(row["certainty"]),
                  received_at=NOW, districts=(DISTRICT,), text=text or f"account {n}",
                  reported_by=f"operator-{n}", **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize("row", SOURCE_ROWS, ids=[f"row{r['#']}" for r in SOURCE_ROWS])
def test_source_decision_table(row: dict[str, str], territory: Territory) -> None:
    some_airport = next(iter(territory.airports.values()))
    report = _report(row, airport=(some_airport.icao, some_airport.region))
    picture = Picture()
    if row["area already under the regime"] == "yes":
        # the regime the report speaks of: an air-raid alert for alert_declared / alert_lifted
        under = (RegimeKind.AIR_RAID_BALLISTIC_MISSILES
                 if report.kind in (ReportKind.ALERT_DECLARED, ReportKind.ALERT_LIFTED) else RegimeKind.DRONE_HAZARD)
        picture.regimes.append(Regime("reg-x", under, "RU-ROS", DISTRICT, NOW, "x", "y"))
    confirmed_by = row["confirmed by"]
    confirmed = confirmed_by == "operator"
    if confirmed_by.startswith("auto-confirm"):
        policy = AutoConfirmPolicy(kinds=frozenset({report.kind}), min_reports=3, window=timedelta(minutes=10))
        others = 2 if confirmed_by.endswith(" met") and "not met" not in confirmed_by else 1
        witness_row = {**row, "source": "witness"}
        earlier = [_report(witness_row, n, f"witness account {n}") for n in range(1, others + 1)]
        confirmed = policy.confirms(report, earlier)
        assert confirmed is (row["outcome"] == "acts")
        assert not AutoConfirmPolicy().confirms(report, earlier)  # off by default
    decision = decide(report, picture, territory, confirmed=confirmed)
    outcome = ("queue" if decision.queued else "acts" if decision.changes_state
               else "evidence" if any("corroborates" in n for n in decision.notes) else "recorded")
    assert outcome == row["outcome"], decision.notes


def _alert(msg_type: str, status: str, severity: str) -> Alert:
    info = Info(language="en-US", event="x", urgency=Urgency.IMMEDIATE, severity=Severity(severity),
                certainty=Certainty.OBSERVED, headline="x", description="x", area_desc="x")
    return Alert(identifier="a", sender="s", sent=NOW, status=Status(status), msg_type=MsgType(msg_type),
                 infos=(info,), area=Area(), region="RU-ROS")


@pytest.mark.parametrize("row", MESSAGE_ROWS, ids=[f"row{r['#']}" for r in MESSAGE_ROWS])
def test_two_person_table(row: dict[str, str]) -> None:
    alert = _alert(row["message"], row["status"], row["its severity"])
    changed = row["severity of the message it changes"]
    referenced = [] if changed == "—" else [_alert("Alert", row["status"], changed)]
    assert ApprovalPolicy().needs_approval(alert, referenced) is (row["second person"] == "yes")


def test_the_sensor_exception_is_off_by_default_and_names_threats() -> None:
    missile = replace(_alert("Alert", "Actual", "Extreme"),
                      infos=(replace(_alert("Alert", "Actual", "Extreme").infos[0],
                                     event_codes=(("airwarn:regime", "missile_hazard"),)),))
    assert not ApprovalPolicy().sensor_may_issue_alone(missile)
    assert ApprovalPolicy(sensor_solo=frozenset({"missile_hazard"})).sensor_may_issue_alone(missile)
    assert not ApprovalPolicy(sensor_solo=frozenset({"drone_hazard"})).sensor_may_issue_alone(missile)
