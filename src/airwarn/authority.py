"""The authority's policies from settings: the two-person threshold, the sensor exception and the opt-in
auto-confirm rule, with the lines `airwarn serve` prints and the console shows (GET /api/v1/policy)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airwarn.domain.alerts import Severity
from airwarn.domain.approval_policy import ApprovalPolicy
from airwarn.domain.policy import AutoConfirmPolicy
from airwarn.domain.reports import RegimeKind, ReportKind
from airwarn.errors import ConfigError
from airwarn.settings import Settings


def _names(raw: str) -> list[str]:
    return [x.strip() for x in raw.split(",") if x.strip()]


def approval_policy(settings: Settings) -> ApprovalPolicy:
    """The two-person rule as configured; a bad value is a ConfigError naming its variable."""
    try:
        severity = Severity(settings.approval_severity)
    except ValueError:
        raise ConfigError(f"AIRWARN_APPROVAL_SEVERITY must be one of {[s.value for s in Severity]}") from None
    kinds = _names(settings.sensor_solo_threats)
    bad = [k for k in kinds if k not in {r.value for r in RegimeKind}]
    if bad:
        raise ConfigError(f"AIRWARN_SENSOR_SOLO_THREATS: unknown regime kind(s) {bad}; "
                          f"use {[r.value for r in RegimeKind]}")
    return ApprovalPolicy(min_severity=severity, sensor_solo=frozenset(kinds))


def auto_confirm_policy(settings: Settings) -> AutoConfirmPolicy:
    kinds = _names(settings.auto_confirm_kinds)
    bad = [k for k in kinds if k not in {r.value for r in ReportKind}]
    if bad:
        raise ConfigError(f"AIRWARN_AUTO_CONFIRM_KINDS: unknown report kind(s) {bad}")
    return AutoConfirmPolicy(kinds=frozenset(ReportKind(k) for k in kinds),
                             min_reports=settings.auto_confirm_min_reports,
                             window=timedelta(seconds=settings.auto_confirm_window_s))


def describe(approval: ApprovalPolicy, auto: AutoConfirmPolicy) -> list[str]:
    """Human lines, one per policy, for the start-up banner and the console."""
    solo = ", ".join(sorted(approval.sensor_solo))
    return [
        f"two-person rule: {approval.min_severity.value} and above (Actual and Exercise; issue, update, cancel, "
        "all-clear); only an approver's false-alarm cancel goes out with one person",
        (f"sensor exception: ON for {solo} — a sensor account's alert goes out without a second person "
         "(audited per alert)") if solo else "sensor exception: off (every alert above the threshold waits "
                                              "for a second person)",
        auto.describe(),
        "sources: only official and sensor reports act alone; media and witnesses go to the review queue",
    ]


def policy_view(approval: ApprovalPolicy, auto: AutoConfirmPolicy) -> dict[str, Any]:
    """GET /api/v1/policy: what the console shows so operators know which rules are in force."""
    return {
        "two_person_rule": {"min_severity": approval.min_severity.value, "statuses": ["Actual", "Exercise"],
                            "acts": ["issue", "update", "cancel", "all_clear"],
                            "single_person": "false-alarm cancel by an approver"},
        "sensor_solo": {"enabled": bool(approval.sensor_solo), "regimes": sorted(approval.sensor_solo)},
        "auto_confirm": auto.to_dict(),
        "acting_sources": ["official", "sensor"],
        "summary": describe(approval, auto),
    }
