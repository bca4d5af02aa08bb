"""Partitions of the detection stream: whole regions or sectors of a region, their subjects, and which node
keeps a detection that arrives on a region's own subject."""

from __future__ import annotations

import math

import pytest

from airwarn.errors import InvalidInput
from airwarn.tracks.detections import parse_body
from airwarn.tracks.partitions import (
    Partition,
    Sector,
    Subscription,
    bearing_deg,
    keeps,
    parse_partitions,
    parse_sector,
    region_centre,
    subscriptions,
)
from tests.fixtures.territory import small_territory

ROSTOV = (47.2357, 39.7015)


def test_a_sector_is_a_wedge_clockwise_from_its_start_and_may_wrap_through_north() -> None:
    east = parse_sector("45-135")
    assert (east.contains(45.0), east.contains(134.9), east.contains(135.0), east.contains(300.0)) == \
        (True, True, False, False)
    north = parse_sector("300-60")
    assert north.width_deg == 120 and north.contains(359.5) and north.contains(0.0) and not north.contains(60.0)


@pytest.mark.parametrize("token", ["45", "45-45", "0-360", "0-400", "a-b", "-10-20", "10-20-30"])
def test_a_bad_sector_is_refused(token: str) -> None:
    with pytest.raises(InvalidInput):
        parse_sector(token)


def test_partitions_are_parsed_and_a_node_may_not_hold_a_region_twice() -> None:
    assert parse_partitions(["RU-ROS", " RU-VGG.0-180 ", "", "RU-VGG.180-0"]) == [
        Partition("RU-ROS"), Partition("RU-VGG", Sector(0, 180)), Partition("RU-VGG", Sector(180, 0))]
    assert parse_partitions(["RU-VGG.0-180"])[0].name == "RU-VGG.0-180"
    for bad in (["RU-ROS", "RU-ROS.0-90"], ["RU-ROS.0-180", "RU-ROS.90-270"], ["RU-ROS.300-60", "RU-ROS.0-90"],
                ["RU ROS"], ["RU-ROS.x"]):
        with pytest.raises(InvalidInput):
            parse_partitions(bad)


def test_subscriptions_keep_the_old_region_subjects_and_add_the_sector_ones() -> None:
    assert subscriptions([]) == [Subscription("airwarn.detections.>", "tracks-all")]
    # a whole region: its own subject under the durable name nodes used before, and every sector subject of it
    assert subscriptions(parse_partitions(["RU-ROS"])) == [
        Subscription("airwarn.detections.RU-ROS", "tracks-RU-ROS", "RU-ROS"),
        Subscription("airwarn.detections.RU-ROS.*", "tracks-RU-ROS-sectors", "RU-ROS")]
    # sectors: their own subjects, and the region's subject through a consumer of this node's own, keeping
    # the detections of its sectors
    west, north = Sector(180, 300), Sector(300, 60)
    assert subscriptions(parse_partitions(["RU-ROS.300-60", "RU-ROS.180-300"])) == [
        Subscription("airwarn.detections.RU-ROS.300-60", "tracks-RU-ROS-300-60", "RU-ROS"),
        Subscription("airwarn.detections.RU-ROS.180-300", "tracks-RU-ROS-180-300", "RU-ROS"),
        Subscription("airwarn.detections.RU-ROS", "tracks-RU-ROS-for-180-300_300-60", "RU-ROS", (north, west))]


def test_bearing_from_a_region_centre() -> None:
    assert bearing_deg(*ROSTOV, 48.5, ROSTOV[1]) == pytest.approx(0.0, abs=1e-9)
    assert bearing_deg(*ROSTOV, ROSTOV[0], 41.0) == pytest.approx(90.0, abs=0.5)
    assert bearing_deg(*ROSTOV, 46.0, ROSTOV[1]) == pytest.approx(180.0)
    assert bearing_deg(*ROSTOV, ROSTOV[0], 38.0) == pytest.approx(270.0, abs=0.7)


def test_nodes_that_tile_the_circle_keep_each_sensor_exactly_once() -> None:
    halves = [(Sector(0, 180),), (Sector(180, 0),)]
    for k in range(72):
        angle = math.radians(k * 5 + 0.5)
        position = (ROSTOV[0] + 0.5 * math.cos(angle), ROSTOV[1] + 0.7 * math.sin(angle))
        assert sum(keeps(half, ROSTOV, position) for half in halves) == 1
    # an unknown sensor (no position) or a region without a centre: the sector holding bearing 0° keeps it
    assert [keeps(h, ROSTOV, None) for h in halves] == [True, False]
    assert [keeps(h, None, (48.0, 40.0)) for h in halves] == [True, False]


def test_detection_arrays_parse_the_same_with_the_fast_parser_and_without_it() -> None:
    assert parse_body(b'[{"sensor": "a", "bearing_deg": 1.5}]') == [{"sensor": "a", "bearing_deg": 1.5}]
    nan = parse_body(b'[{"bearing_deg": NaN}]')  # orjson refuses NaN; the standard parser takes it, as before
    assert math.isnan(nan[0]["bearing_deg"])
    with pytest.raises(InvalidInput, match="not JSON"):
        parse_body(b"[1, 2")


def test_a_region_without_a_centre_of_its_own_is_centred_on_its_districts() -> None:
    territory = small_territory()  # its regions have no centre
    lat, lon = region_centre(territory, "RU-ROS") or (0.0, 0.0)
    districts = [d.centre for d in territory.districts.values() if d.region == "RU-ROS" and d.centre]
    assert min(c[0] for c in districts) <= lat <= max(c[0] for c in districts)
    assert min(c[1] for c in districts) <= lon <= max(c[1] for c in districts)
    assert region_centre(territory, "XX-NONE") is None
