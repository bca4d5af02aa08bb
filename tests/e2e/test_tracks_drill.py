"""`airwarn simulate raid --to URL --speed 60` against a real `airwarn serve`: the raid runs as an Exercise on the
node's drill clock 60× faster, pre-alerts, alerts and clears the districts on its way in drill time, all of it
marked Exercise, while the node's live check on Actual detections keeps to its own clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from airwarn.tracks.scenario import scenario_from
from airwarn.tracks.simulate import simulate
from tests.e2e.test_serve_hardening import sqlite_env
from tests.integration.nodes import Node, add_users, cli

RAID = {
    "name": "two drones east over the Upper Don", "start": "2026-11-24T01:00:00+03:00", "status": "Exercise",
    "seed": 3,
    "sensors": {"count": 80, "fence_every_km": 12, "fence_width_km": 12, "fence_start_km": 5, "spacing_m": 3000,
                "range_m": 4000, "bearing_sd_deg": 4, "miss_rate": 0.1, "false_alarms_per_hour": 0.5},
    "groups": [{"name": "east", "count": 2, "class": "shahed", "launch": [49.75, 39.4],
                "waypoints": [[49.74, 41.45]], "launch_interval_s": 120, "spread_m": 500}],
}
ON_THE_WAY = {"RU-ROS-VERKHNEDONSKOY", "RU-ROS-SHOLOKHOVSKY"}


def _districts(report: dict[str, object]) -> set[str]:
    """District codes a report names (stored as codes; a name is taken as its Rostov code)."""
    named = report.get("districts") or []
    assert isinstance(named, list)
    return {d if str(d).startswith("RU-") else f"RU-ROS-{str(d).upper()}" for d in named}


def _reports(node: Node, token: str) -> list[dict[str, object]]:
    got = httpx.get(f"{node.url}/api/v1/reports?status=Exercise", headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200, got.text
    reports: list[dict[str, object]] = got.json()
    return reports


def test_a_raid_sent_at_60x_runs_on_the_drill_clock_and_warns_in_order(tmp_path: Path) -> None:
    env = sqlite_env(tmp_path)
    operator, sensor = add_users(env, ("olga", "operator"), ("net-1", "sensor"))
    scenario = tmp_path / "raid.json"
    scenario.write_text(json.dumps(RAID), encoding="utf-8")
    raid = simulate(scenario_from(RAID))  # the same seed places the same sensors as the CLI will
    registry = tmp_path / "sensors.csv"
    registry.write_text("id,kind,lat,lon,range_m\n" + "".join(
        f"{s.id},{s.kind.value},{s.lat},{s.lon},{s.range_m}\n" for s in raid.sensors), encoding="utf-8")
    node = Node(env, tmp_path / "node.log")
    try:
        node.start(timeout_s=90)
        cli(["sensors", "import", str(registry)], env | {"AIRWARN_URL": node.url, "AIRWARN_TOKEN": operator})
        drill_minutes = raid.steps[-1][0] / 60
        began = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "airwarn.cli", "simulate", "raid", str(scenario), "--to",
                               node.url, "--speed", "60", "--batch-s", "1"], env=os.environ | env
                              | {"AIRWARN_TOKEN": sensor}, capture_output=True, text=True, timeout=300)
        took_s = time.monotonic() - began
        assert done.returncode == 0, done.stderr
        assert f"sent {raid.detection_count} detections, 0 rejected" in done.stderr
        # about 52 drill minutes in well under the 52 real ones (the CLI also simulates and starts up)
        assert took_s < drill_minutes * 60 / 4, (took_s, drill_minutes)

        # the drones are gone; the drill clock runs on at 60×: their tracks are lost after 15 drill minutes and
        # the districts cleared 10 quiet drill minutes later, well within 90 s of ours
        deadline = time.monotonic() + 90
        while True:
            reports = _reports(node, operator)
            lifted = {d for r in reports if r["kind"] == "regime_lifted" for d in _districts(r)}
            if lifted >= ON_THE_WAY or time.monotonic() > deadline:
                break
            time.sleep(1)
        chronological = list(reversed(reports))  # the node lists the newest first
        kinds = [str(r["kind"]) for r in chronological]
        assert {"drones_en_route", "drone_attack", "regime_lifted"} <= set(kinds), (kinds, node.log())
        for district in ON_THE_WAY:
            steps = [str(r["kind"]) for r in chronological if district in _districts(r)]
            assert steps[:2] == ["drones_en_route", "drone_attack"], (district, steps, chronological[:3])
            assert "regime_lifted" in steps[2:], (district, steps)
        alerted = {d for r in chronological if r["kind"] == "drone_attack" for d in _districts(r)}
        assert alerted == ON_THE_WAY
        assert all(r["status"] == "Exercise" for r in reports)

        # the Actual picture keeps the node's own clock: a minute ahead is the future there, whatever a drill does
        ahead = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
        headers = {"Authorization": f"Bearer {sensor}"}
        bearing = [{"sensor": raid.sensors[0].id, "time": ahead, "bearing_deg": 90}]
        actual = httpx.post(f"{node.url}/api/v1/detections", json=bearing, headers=headers).json()
        assert [r["field"] for r in actual["rejected"]] == ["time"]
        refused = httpx.post(f"{node.url}/api/v1/detections?speed=10", json=bearing, headers=headers)
        assert refused.status_code == 422 and refused.json()["field"] == "speed"
        # a drill restarted now (an empty batch with its speed) is a minute ahead of us a second from now
        restart = httpx.post(f"{node.url}/api/v1/detections?status=Exercise&speed=60", json=[], headers=headers)
        assert restart.status_code == 202
        drill = httpx.post(f"{node.url}/api/v1/detections?status=Exercise&speed=60", json=bearing,
                           headers=headers).json()
        assert drill["accepted"] == 1, drill
    finally:
        node.kill()


@pytest.mark.parametrize("args", [["--speed", "500"], ["--speed", "10", "--status", "Actual"]])
def test_a_drill_too_fast_or_an_accelerated_actual_raid_is_refused(tmp_path: Path, args: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "airwarn.cli", "simulate", "raid", "seed-night", "--to",
                           "http://127.0.0.1:9", *args], capture_output=True, text=True, timeout=120,
                          env=os.environ | {"AIRWARN_TOKEN": "x"})
    assert done.returncode in (1, 2)
    assert "--speed" in done.stderr
