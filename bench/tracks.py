"""Threat tracks on the seed-night raid: lead time, missed districts, false pre-alerts, latency and ingest,
side by side with a naive baseline that pre-alerts every district within R km of any detection.

Usage: PYTHONPATH=src python bench/tracks.py [--scenario FILE] [--drones N] [--sensors N]

CPU time (process_time) is reported besides wall time: the machine may be shared, and CPU time per
detection is what bounds one core's throughput. Nodes sharing region partitions through NATS:
bench/tracks_nodes.py.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from airwarn.tracks.detections import check_batch, parse_body  # noqa: E402
from airwarn.tracks.engine import EngineConfig, TrackingEngine  # noqa: E402
from airwarn.tracks.evaluate import score  # noqa: E402
from airwarn.tracks.forecast import DistrictIndex  # noqa: E402
from airwarn.tracks.scenario import bundled, load_scenario  # noqa: E402
from airwarn.tracks.simulate import Raid, simulate  # noqa: E402


def ingest_throughput(raid: Raid, territory: object, index: DistrictIndex, batch_steps: int) -> dict[str, float]:
    """Detections per second through the path a node runs for a batch: the JSON body parsed, every detection
    checked, tracked, forecast and put on the warning board; batches of `batch_steps` time steps."""
    engine = TrackingEngine(territory, EngineConfig(), index=index)  # type: ignore[arg-type]
    sensors = {s.id: s for s in raid.sensors}
    start = raid.scenario.start.timestamp()
    wall = cpu = 0.0
    count = 0
    first: dict[str, float] = {}
    steps = raid.steps
    bodies = []
    for k in range(0, len(steps), batch_steps):  # encoded beforehand: the sensors' side of the wire
        chunk = steps[k:k + batch_steps]
        bodies.append((chunk[-1][0], json.dumps([i for _, its in chunk for i in its]).encode()))
    for t, body in bodies:
        now = datetime.fromtimestamp(start + t, UTC)
        w0, c0 = time.perf_counter(), time.process_time()
        items = parse_body(body, "application/json")
        good, _ = check_batch(items, sensors, now)
        changes = engine.ingest(good)
        wall += time.perf_counter() - w0
        cpu += time.process_time() - c0
        count += len(items)
        for change in changes:
            if change.level in ("pre_alert", "alert"):
                first.setdefault(change.district, t)
    return {"detections": count, "wall_s": wall, "cpu_s": cpu, "per_s_wall": count / wall, "per_s_cpu": count / cpu,
            "first": first}  # type: ignore[dict-item]


def baseline(raid: Raid, index: DistrictIndex, radius_km: float, *, true_only: bool = False) -> dict[str, float]:
    """Pre-alert every district within R km of any detection (the sensor's place stands for the threat's);
    `true_only` leaves out the false alarms, as if a perfect filter removed them."""
    first: dict[str, float] = {}
    sensors = {s.id: s for s in raid.sensors}
    near_cache: dict[str, list[str]] = {}
    for step, (t, items) in enumerate(raid.steps):
        for n, item in enumerate(items):
            if true_only and (step, n) in raid.noise:
                continue
            sid = item["sensor"]
            if sid not in near_cache:
                s = sensors[sid]
                x, y = index.frame.point_xy(s.lat, s.lon)
                near_cache[sid] = [a.code for a in index.within(x, y, radius_km * 1000)]
            for code in near_cache[sid]:
                first.setdefault(code, t)
    return first  # type: ignore[return-value]


def latency_through_the_pipeline(raid: Raid, territory: object) -> tuple[list[float], float]:
    """Wall seconds from a batch's arrival to its reports committed (SQLite), for batches that warn; and the CPU
    seconds per detection of the whole service path (check, track, forecast, board, shared view, reports)."""
    from airwarn.domain.users import Role, User
    from airwarn.keyring import init_keys, load_keys
    from airwarn.service_layer.bootstrap import cap_renderer
    from airwarn.service_layer.deps import Deps
    from airwarn.store.engine import make_engine
    from airwarn.store.migrate import upgrade
    from airwarn.store.uow import UnitOfWork
    from airwarn.tracks.service import TrackingService

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        init_keys(Path(tmp) / "keys")
        keys = load_keys(Path(tmp) / "keys")
        signer = keys.signer
        now = [raid.scenario.start]
        deps = Deps(uow=UnitOfWork(engine, keys.audit), territory=territory, render=cap_renderer(signer),  # type: ignore[arg-type]
                    certificate_pem=signer.cert_pem)
        deps.clock = lambda: now[0]
        service = TrackingService(deps)
        service.sensors = {s.id: s for s in raid.sensors}
        sensor = User("net-1", Role.SENSOR)
        from airwarn.domain.reports import Status

        latencies = []
        cpu, taken = 0.0, 0
        for t, items in raid.steps:
            now[0] = raid.scenario.start + timedelta(seconds=t)
            t0, c0 = time.perf_counter(), time.process_time()
            result = service.ingest(items, sensor, Status.EXERCISE)
            cpu += time.process_time() - c0
            taken += result.accepted
            if result.reports:
                latencies.append(time.perf_counter() - t0)
        engine.dispose()
    return latencies, cpu / max(taken, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default=str(bundled()))
    parser.add_argument("--drones", type=int, default=0, help="scale every group to total about N drones")
    parser.add_argument("--sensors", type=int, default=0, help="override the sensor count")
    parser.add_argument("--no-latency", action="store_true", help="skip the run through the database")
    args = parser.parse_args()
    from airwarn.territory.io import demo_territory

    territory = demo_territory()
    scenario = load_scenario(args.scenario)
    if args.sensors:
        scenario = dataclasses.replace(scenario, sensors=dataclasses.replace(scenario.sensors, count=args.sensors))
    t0 = time.perf_counter()
    raid = simulate(scenario)
    sim_s = time.perf_counter() - t0
    index = DistrictIndex(territory, raid.frame)
    print(f"# {scenario.name}: {len(raid.threats)} drones, {len(raid.sensors)} sensors, "
          f"{raid.detection_count} detections over {raid.steps[-1][0] / 60:.0f} min (simulated in {sim_s:.1f} s)")
    print(f"# machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
          f"{platform.python_version()}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")

    run = ingest_throughput(raid, territory, index, batch_steps=1)
    ours = score(raid, index, run["first"])  # type: ignore[arg-type]
    lo, med, hi = ours.lead_quantiles_min()
    print("\n| warning | districts warned | missed | false pre-alerts (no threat within 10 km) "
          "| lead time min / median / max |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| tracks (airwarn) | {len(ours.warned_first)} | {len(ours.missed)} | {len(ours.false_alarms)} | "
          f"{lo:.1f} / {med:.1f} / {hi:.1f} min |")
    for true_only in (False, True):
        for radius in (10, 25, 50, 75, 100):
            base = score(raid, index, baseline(raid, index, radius, true_only=true_only))
            blo, bmed, bhi = base.lead_quantiles_min()
            label = "true detections only" if true_only else "every detection"
            print(f"| baseline ({label}), R = {radius} km | {len(base.warned_first)} | {len(base.missed)} | "
                  f"{len(base.false_alarms)} | {blo:.1f} / {bmed:.1f} / {bhi:.1f} min |")
    print(f"\nentered districts: {ours.entered}; short of the 10-min aim where sensors saw ≥ 10 min ahead: "
          f"{ours.short_of_aim or 'none'}")
    print("\n| ingest (parse + check + track + forecast + board, one process) | detections | wall | CPU "
          "| per s (wall) | per s (CPU) | CPU µs per detection |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(f"| batches of one 2-s step | {run['detections']} | {run['wall_s']:.1f} s | {run['cpu_s']:.1f} s | "
          f"{run['per_s_wall']:,.0f} | {run['per_s_cpu']:,.0f} | {run['cpu_s'] / run['detections'] * 1e6:.0f} |")
    big = ingest_throughput(raid, territory, index, batch_steps=15)
    print(f"| batches of 30 s | {big['detections']} | {big['wall_s']:.1f} s | {big['cpu_s']:.1f} s | "
          f"{big['per_s_wall']:,.0f} | {big['per_s_cpu']:,.0f} | {big['cpu_s'] / big['detections'] * 1e6:.0f} |")
    if not args.no_latency:
        found, cpu_per_detection = latency_through_the_pipeline(raid, territory)
        lat = sorted(found)
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan")
        print(f"\ndetection batch → warning reports committed (SQLite, full pipeline): {len(lat)} warning batches, "
              f"p50 {statistics.median(lat) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms; "
              f"CPU per detection through the service (check, track, forecast, board, shared view of live threats, "
              f"reports): {cpu_per_detection * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
