"""A real node killed (kill -9) while it expands and sends a region-wide alert's fan-out jobs: after its
restart nothing is lost and no target has the alert under two delivery ids (tests/integration/fanout_crash.py;
at scale: `bench/delivery_crash.py --fanout N`)."""

from __future__ import annotations

from pathlib import Path

from tests.integration.fanout_crash import crash_fanout


def test_a_node_killed_mid_fanout_loses_nothing_and_sends_nothing_under_two_ids(db_url: str, tmp_path: Path) -> None:
    # few requests in flight, one SMS per request: the node is still sending when it is killed
    r = crash_fanout(db_url, tmp_path, 1_500, kill_after=20, sms_batch=1, concurrency=4, lease_s=2.0,
                     timeout_s=240)
    assert r.targets > 500 and r.jobs >= 3
    assert r.received_at_kill < r.targets  # killed before every target had it
    assert (r.lost, r.extra_rows, r.missing, r.two_ids) == (0, 0, 0, 0)
