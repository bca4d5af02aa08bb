"""The all-clear decision against other partitions' holds (tracks/holds.py): defer while any holds the district
now, drop it when another cleared it after this board's last threat, else clear."""

from __future__ import annotations

from airwarn.tracks.holds import Hold, Verdict, decide_clear


def test_nobody_else_holds_the_district_so_this_board_clears_it() -> None:
    assert decide_clear(1_000, 300, "drone_hazard", []).verdict is Verdict.CLEAR


def test_a_live_hold_of_another_partition_defers_the_all_clear_and_names_it() -> None:
    other = Hold("RU-ROS.60-300@b", until_s=1_100, tracks=("T7",))
    decision = decide_clear(1_000, 300, "drone_hazard", [other])
    assert decision.verdict is Verdict.DEFER and decision.holders == (other,)


def test_an_ended_hold_no_longer_blocks_a_dead_partition_cannot_hold_forever() -> None:
    stale = Hold("RU-ROS.60-300@b", until_s=1_000)
    assert decide_clear(1_000, 300, "drone_hazard", [stale]).verdict is Verdict.CLEAR


def test_an_all_clear_of_another_partition_after_our_last_threat_covers_ours() -> None:
    done = Hold("b", until_s=900, cleared_s=900)
    assert decide_clear(1_000, 300, "drone_hazard", [done]).verdict is Verdict.CLEARED_ELSEWHERE
    # … but not one from before our last threat, nor one of another regime
    assert decide_clear(1_000, 950, "drone_hazard", [done]).verdict is Verdict.CLEAR
    assert decide_clear(1_000, 300, "missile_hazard", [done]).verdict is Verdict.CLEAR


def test_a_live_hold_wins_over_an_all_clear_elsewhere() -> None:
    holds = [Hold("b", until_s=900, cleared_s=900), Hold("c", until_s=2_000)]
    assert decide_clear(1_000, 300, "drone_hazard", holds).verdict is Verdict.DEFER
