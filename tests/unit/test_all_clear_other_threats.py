"""An all-clear of one threat where another shelter warning still holds never tells people to leave the shelter."""

from __future__ import annotations

from datetime import UTC, datetime

from airwarn.domain.regimes import Picture, Regime, shelter_regimes_left
from airwarn.domain.reports import RegimeKind, Status
from airwarn.domain.threat_texts import still_in_force_instruction

T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def regime(rid: str, kind: RegimeKind, district: str | None, **extra: object) -> Regime:
    return Regime(id=rid, kind=kind, region="RU-ROS", district=district, declared_at=T0, declared_by="op", reason="test",
                  **extra)  # type: ignore[arg-type]


def test_a_drone_hazard_in_the_same_district_is_still_in_force_after_the_air_raid_all_clear() -> None:
    picture = Picture(Status.ACTUAL, [regime("r1", RegimeKind.AIR_RAID_DRONES, "RU-ROS-A"),
                                      regime("r2", RegimeKind.DRONE_HAZARD, "RU-ROS-A")])
    assert shelter_regimes_left(picture, "RU-ROS", ("RU-ROS-A",), {"r1"}) == (RegimeKind.DRONE_HAZARD,)


def test_only_threats_over_the_cleared_area_count() -> None:
    picture = Picture(Status.ACTUAL, [regime("r1", RegimeKind.AIR_RAID_DRONES, "RU-ROS-A"),
                                      regime("r2", RegimeKind.DRONE_HAZARD, "RU-ROS-B"),
                                      regime("r3", RegimeKind.AIRSPACE_CLOSED, None)])
    assert shelter_regimes_left(picture, "RU-ROS", ("RU-ROS-A",), {"r1"}) == ()  # airspace: no shelter
    # a region-wide all-clear overlaps every district's regime
    assert shelter_regimes_left(picture, "RU-ROS", (), {"r1"}) == (RegimeKind.DRONE_HAZARD,)


def test_regimes_lifted_together_or_only_proposed_do_not_hold_people_in_the_shelter() -> None:
    picture = Picture(Status.ACTUAL, [regime("r1", RegimeKind.AIR_RAID_DRONES, "RU-ROS-A"),
                                      regime("r2", RegimeKind.DRONE_HAZARD, "RU-ROS-A"),
                                      regime("r3", RegimeKind.MISSILE_HAZARD, "RU-ROS-A", pending_alert="a-9")])
    assert shelter_regimes_left(picture, "RU-ROS", ("RU-ROS-A",), {"r1", "r2"}) == ()


def test_the_instruction_names_what_still_holds_in_english_and_russian() -> None:
    assert still_in_force_instruction((), english=True) == "You may leave the shelter."
    en = still_in_force_instruction((RegimeKind.DRONE_HAZARD,), english=True)
    ru = still_in_force_instruction((RegimeKind.DRONE_HAZARD,), english=False)
    assert en.startswith("Still in force here: Drone hazard.") and "leave the shelter because" in en
    assert ru.startswith("Здесь продолжает действовать: Беспилотная опасность.")
