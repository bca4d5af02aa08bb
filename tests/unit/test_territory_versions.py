"""What a territory import changes: districts added, removed, reshaped; warning times changed."""

from __future__ import annotations

from dataclasses import replace

from airwarn.domain.territory import Territory
from airwarn.territory.versions import changes
from tests.fixtures.territory import small_territory, square


def test_changes_name_added_removed_reshaped_districts_and_warning_times() -> None:
    old = small_territory()
    districts = dict(old.districts)
    del districts["RU-ROS-SHOLOKHOVSKY"]
    districts["RU-ROS-MILLEROVSKY"] = replace(districts["RU-ROS-MILLEROVSKY"], polygon=square(40.0, 48.5, 0.6))
    districts["RU-ROS-CHERTKOVSKY"] = replace(districts["RU-ROS-CHERTKOVSKY"], warning_s=45)
    new_code = "RU-ROS-NEWTOWN"
    districts[new_code] = replace(districts["RU-ROS-VERKHNEDONSKOY"], code=new_code, name_en="Newtown",
                                  polygon=square(42.0, 48.0))
    regions = dict(old.regions)
    regions["RU-VGG"] = replace(regions["RU-VGG"], warning_s=60)
    new = Territory(regions=regions, districts=districts, airports=dict(old.airports))
    diff = changes(old, new)
    assert diff["districts"] == {"added": [new_code], "removed": ["RU-ROS-SHOLOKHOVSKY"],
                                 "reshaped": ["RU-ROS-MILLEROVSKY"]}
    assert diff["regions"] == {"added": [], "removed": [], "reshaped": []}
    times = {w["code"]: (w["from"], w["to"]) for w in diff["warning_s"]}
    assert times["RU-ROS-CHERTKOVSKY"] == (90, 45) and times["RU-VGG"] == (120, 60)
    assert times["RU-VGG-VOLGOGRAD"] == (120, 60)  # a district without its own time follows its region
    assert changes(None, old)["districts"]["added"] == sorted(old.districts)
