"""The authority's policies from AIRWARN_* settings: off by default, bad values named, described for serve."""

from __future__ import annotations

from datetime import timedelta

import pytest

from airwarn.authority import approval_policy, auto_confirm_policy, describe, policy_view
from airwarn.domain.alerts import Severity
from airwarn.domain.reports import ReportKind
from airwarn.errors import ConfigError
from airwarn.settings import load_settings


def test_defaults_are_two_people_from_severe_no_sensor_exception_no_auto_confirm() -> None:
    settings = load_settings()
    approval, auto = approval_policy(settings), auto_confirm_policy(settings)
    assert approval.min_severity is Severity.SEVERE and approval.sensor_solo == frozenset()
    assert not auto.enabled
    lines = describe(approval, auto)
    assert "sensor exception: off" in lines[1] and "auto-confirm: off" in lines[2]
    assert policy_view(approval, auto)["auto_confirm"]["enabled"] is False


def test_opting_in_is_explicit_and_printed() -> None:
    settings = load_settings(auto_confirm_kinds="explosion", auto_confirm_min_reports=4,
                             auto_confirm_window_s=900, sensor_solo_threats="missile_hazard")
    approval, auto = approval_policy(settings), auto_confirm_policy(settings)
    assert auto.kinds == frozenset({ReportKind.EXPLOSION}) and auto.min_reports == 4
    assert auto.window == timedelta(minutes=15) and approval.sensor_solo == frozenset({"missile_hazard"})
    lines = describe(approval, auto)
    assert "ON for missile_hazard" in lines[1] and "4 independent witness reports of explosion" in lines[2]


@pytest.mark.parametrize(("overrides", "variable"), [
    ({"sensor_solo_threats": "anything_goes"}, "AIRWARN_SENSOR_SOLO_THREATS"),
    ({"auto_confirm_kinds": "rumour"}, "AIRWARN_AUTO_CONFIRM_KINDS"),
    ({"approval_severity": "Loud"}, "AIRWARN_APPROVAL_SEVERITY"),
])
def test_a_bad_policy_value_names_its_variable(overrides: dict[str, str], variable: str) -> None:
    settings = load_settings(**overrides)
    with pytest.raises(ConfigError, match=variable):
        approval_policy(settings)
        auto_confirm_policy(settings)


def test_auto_confirm_needs_at_least_two_reports() -> None:
    with pytest.raises(ConfigError, match="AIRWARN_AUTO_CONFIRM_MIN_REPORTS"):
        load_settings(auto_confirm_min_reports=1)
