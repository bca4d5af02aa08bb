"""What the public may learn from the forecast: minutes to arrival only where an issued warning is in force."""

from __future__ import annotations

from airwarn.domain.approach import Approach, DistrictForecast, IssuedWarning, eta_minutes, public_approach

ROS = {"RU-ROS": ["RU-ROS-MILLEROVSKY", "RU-ROS-CHERTKOVSKY", "RU-ROS-SHOLOKHOVSKY"], "RU-VGG": ["RU-VGG-PALLASOVSKY"]}


def _f(district: str, earliest_s: float) -> DistrictForecast:
    return DistrictForecast(district, district.rsplit("-", 1)[0], earliest_s)


def test_a_forecast_for_a_district_nobody_warned_reaches_no_one() -> None:
    assert public_approach([], [_f("RU-ROS-MILLEROVSKY", 1_500)], ROS) == []
    other = IssuedWarning("drone_hazard", "RU-ROS", "RU-ROS-CHERTKOVSKY", "pre_alert")
    assert public_approach([other], [_f("RU-ROS-MILLEROVSKY", 1_500)], ROS) == []


def test_an_issued_pre_alert_gets_the_soonest_forecast_in_whole_minutes() -> None:
    warned = IssuedWarning("drone_hazard", "RU-ROS", "RU-ROS-MILLEROVSKY", "pre_alert")
    found = public_approach([warned], [_f("RU-ROS-MILLEROVSKY", 1_500), _f("RU-ROS-MILLEROVSKY", 1_320),
                                       _f("RU-ROS-CHERTKOVSKY", 600)], ROS)
    assert found == [Approach("RU-ROS-MILLEROVSKY", "RU-ROS", "drone_hazard", "pre_alert", 22)]
    assert set(found[0].to_dict()) == {"district", "region", "kind", "level", "eta_min"}  # no tracks, no sensors


def test_a_warning_without_a_live_forecast_gives_no_line_so_the_page_keeps_the_warnings_own_text() -> None:
    warned = IssuedWarning("drone_hazard", "RU-ROS", "RU-ROS-MILLEROVSKY", "pre_alert")
    assert public_approach([warned], [], ROS) == []


def test_a_region_wide_warning_covers_its_districts_and_missiles_and_alerts_win() -> None:
    region = IssuedWarning("drone_hazard", "RU-ROS", None, "pre_alert")
    missile = IssuedWarning("missile_hazard", "RU-ROS", "RU-ROS-SHOLOKHOVSKY", "alert")
    found = public_approach([region, missile], [_f("RU-ROS-SHOLOKHOVSKY", 200), _f("RU-ROS-CHERTKOVSKY", 900),
                                                _f("RU-VGG-PALLASOVSKY", 100)], ROS)
    assert [(a.district, a.kind, a.level, a.eta_min) for a in found] == [
        ("RU-ROS-SHOLOKHOVSKY", "missile_hazard", "alert", 3), ("RU-ROS-CHERTKOVSKY", "drone_hazard", "pre_alert", 15)]


def test_an_airspace_closure_is_no_approaching_threat() -> None:
    closed = IssuedWarning("airspace_closed", "RU-ROS", None, "alert")
    assert public_approach([closed], [_f("RU-ROS-MILLEROVSKY", 600)], ROS) == []


def test_minutes_are_never_zero() -> None:
    assert [eta_minutes(s) for s in (0, 20, 89, 91, 1_500)] == [1, 1, 1, 2, 25]
