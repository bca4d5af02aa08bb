"""Detections through real NATS JetStream into one node, then into two nodes sharing the partitions.

The simulator's seed-night raid is published on a fresh stream (one message per subject and 2-s step, as
sensor gateways would send them), all of it first: a backlog. Then one node process, or two, each a tracking
service fed by the node's own NATS feed (tracks/nats_feed.py: a durable consumer per subject of its
partitions, earliest first across them, batches of what is there, one ack per consumer and batch) take it as
fast as they can: parse, check, track, forecast, warning board, and the warning reports committed through
the pipeline (SQLite). A node runs on the raid's clock (the time of the batch it takes), as bench/tracks.py
does. CPU time per detection is the figure a shared machine still gives honestly.

Runs: `1` — one node, every region, on `airwarn.detections.<region>`; `regions` — two nodes, whole regions
balanced as well as regions allow; `sectors` — two nodes, the largest region split in two sectors
(`airwarn.detections.<region>.<FROM-TO>`, tracks/partitions.py) so that one node takes one sector and the
other the rest; `big` and `big-sectors` — the largest region's detections alone, one node, then two nodes
taking one sector of it each. Sensors outside every region of the demo territory (the fences on the
approaches) belong to the partition of the nearest district's region, as an operator would assign them (the
registry's `region`).

Usage: PYTHONPATH=src python bench/tracks_nodes.py [--nats nats://127.0.0.1:4222] [--runs 1,regions,sectors,big,
big-sectors] [--batch-kib 256]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

#: The bench's own subject root (a node's is `airwarn.detections`): its stream does not take the subjects of a
#: live stream or of a test on the same server.
SUBJECT = f"awbench{uuid.uuid4().hex[:8]}.detections"


def _raid(batch_steps: int) -> tuple[list[Any], dict[str, str], list[tuple[float, list[dict[str, Any]]]], Any]:
    """The raid's sensors, each sensor's region, and its detections as (time, items) steps of `batch_steps`."""
    from airwarn.territory.io import demo_territory
    from airwarn.tracks.scenario import bundled, load_scenario
    from airwarn.tracks.simulate import simulate

    territory = demo_territory()
    raid = simulate(load_scenario(bundled()))
    region_of: dict[str, str] = {}
    districts = list(territory.districts.values())
    centres = np.array([raid.frame.point_xy(*d.centre) for d in districts if d.centre])
    owners = [d.region for d in districts if d.centre]
    for s in raid.sensors:
        region = territory.locate_region(s.lat, s.lon)
        if region is None:
            x, y = raid.frame.point_xy(s.lat, s.lon)
            region_of[s.id] = owners[int(np.argmin(np.hypot(centres[:, 0] - x, centres[:, 1] - y)))]
        else:
            region_of[s.id] = region.code
    steps = raid.steps
    out = []
    for k in range(0, len(steps), batch_steps):
        chunk = steps[k:k + batch_steps]
        out.append((chunk[-1][0], [i for _, items in chunk for i in items]))
    return raid, region_of, [(t, items) for t, items in out if items], territory


def _messages(steps: list[tuple[float, list[dict[str, Any]]]], subject_of: dict[str, str]
              ) -> tuple[list[tuple[str, str, bytes, int]], dict[str, int]]:
    """One message per subject and step, as sensor gateways would send them: (subject, time, body, count)."""
    out: list[tuple[str, str, bytes, int]] = []
    per_subject: dict[str, int] = {}
    for _, items in steps:
        by_subject: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            by_subject.setdefault(subject_of[item["sensor"]], []).append(item)
        for subject, mine in by_subject.items():
            out.append((subject, mine[-1]["time"], json.dumps(mine).encode(), len(mine)))
            per_subject[subject] = per_subject.get(subject, 0) + len(mine)
    return out, per_subject


def _split_sectors(sensors: list[Any], region_of: dict[str, str], counts: dict[str, int], region: str,
                   centre: tuple[float, float], others: int) -> tuple[str, str]:
    """Two sectors of `region` (FROM-TO tokens) such that the first holds about half of all detections and the
    other the rest of the region (whose node also takes the other regions, `others` detections); among splits
    within 3 % of even, the one whose edges cut through the fewest detections (between the approaches)."""
    from airwarn.tracks.partitions import bearing_deg

    per_deg = np.zeros(360)
    for s in sensors:
        if region_of[s.id] == region and counts.get(s.id):
            per_deg[int(bearing_deg(centre[0], centre[1], s.lat, s.lon)) % 360] += counts[s.id]
    total = per_deg.sum() + others
    best: tuple[float, int, int] | None = None
    ring = np.concatenate([per_deg, per_deg])
    cum = np.concatenate([[0.0], np.cumsum(ring)])
    for a in range(360):
        for width in range(5, 356):
            inside = cum[a + width] - cum[a]
            off = abs(inside - total / 2) / total
            b = (a + width) % 360
            edge = ring[(a - 2) % 360:(a - 2) % 360 + 5].sum() + ring[(b - 2) % 360:(b - 2) % 360 + 5].sum()
            score = edge / total + (0 if off < 0.03 else 10 + off)
            if best is None or score < best[0]:
                best = (score, a, (a + width) % 360)
    assert best is not None
    _, a, b = best
    return f"{a}-{b}", f"{b}-{a}"


async def _stream(url: str, stream: str) -> None:
    import nats
    from nats.js.api import StreamConfig

    nc = await nats.connect(url, connect_timeout=3)
    await nc.jetstream().add_stream(StreamConfig(name=stream, subjects=[f"{SUBJECT}.>"], max_msgs=1_000_000))
    await nc.close()


async def _publish(url: str, stream: str, messages: list[tuple[str, str, bytes, int]]) -> None:
    import nats

    nc = await nats.connect(url, connect_timeout=3)
    js = nc.jetstream()
    for k in range(0, len(messages), 500):
        await asyncio.gather(*(js.publish(f"{SUBJECT}.{subject}", body, stream=stream,
                                          headers={"Airwarn-Status": "Exercise", "Airwarn-Bench-Time": at})
                               for subject, at, body, _ in messages[k:k + 500]))
    await nc.close()


async def _delete(url: str, stream: str) -> None:
    import nats

    nc = await nats.connect(url, connect_timeout=3)
    try:
        await nc.jetstream().delete_stream(stream)
    finally:
        await nc.close()


def _node(args: tuple[str, str, str, list[str], list[Any], int, int, Any, Any]) -> dict[str, Any]:
    """One node: a tracking service on a fresh SQLite pipeline, fed by the node's NATS feed (feeds.py: a durable
    consumer per subject of its partitions, earliest first across them, batches of what is there, one ack per
    consumer and batch) until it has taken `expected` detections; its first and last take (wall clock), its
    CPU time, and the districts it warned."""
    url, stream, subject, partitions, sensors, expected, batch_bytes, ready, go = args
    import nats  # noqa: F401  (imported before the clock starts, as in a node that has been running)
    import nats.js  # noqa: F401

    from airwarn.keyring import init_keys, load_keys
    from airwarn.service_layer.bootstrap import cap_renderer
    from airwarn.service_layer.deps import Deps
    from airwarn.store.engine import make_engine
    from airwarn.store.migrate import upgrade
    from airwarn.store.uow import UnitOfWork
    from airwarn.territory.io import demo_territory
    from airwarn.tracks import detections
    from airwarn.tracks.feeds import NatsDetectionFeed, _status
    from airwarn.tracks.service import TrackingService

    # The backlog replays the raid hundreds of times faster than it flew, so one batch of a sparse partition can
    # span more than an hour of it; in real time no batch would, so detections are not refused for that age here.
    detections.MAX_AGE = timedelta(days=1)

    territory = demo_territory()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/node.db")
        upgrade(engine)
        init_keys(Path(tmp) / "keys")
        keys = load_keys(Path(tmp) / "keys")
        clock = [datetime.fromisoformat("2026-11-24T00:00:00+03:00")]
        deps = Deps(uow=UnitOfWork(engine, keys.audit), territory=territory, render=cap_renderer(keys.signer),
                    certificate_pem=keys.signer.cert_pem)
        deps.clock = lambda: clock[0]
        service = TrackingService(deps)
        service.sensors = {s.id: s for s in sensors}
        service.engine(_status("Exercise"))  # the district index is built before the clock starts
        span = [0.0, 0.0]
        counts = [0, 0, 0, 0]
        warned: dict[str, float] = {}  # district → first pre-alert or alert (the raid's clock, POSIX s)
        reasons: dict[str, int] = {}

        class OnTheRaidClock(NatsDetectionFeed):
            """The node's feed as it is; only the node's clock is the raid's: the time of the batch it takes."""

            def _ingest(self, items: list[Any], status: Any, last: Any) -> Any:
                span[0] = span[0] or time.time()
                clock[0] = datetime.fromisoformat(last.headers["Airwarn-Bench-Time"])
                result = super()._ingest(items, status, last)
                for c in result.changes:
                    if c["level"] in ("pre_alert", "alert"):
                        warned.setdefault(c["district"], clock[0].timestamp())
                for r in result.rejected:
                    reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
                span[1] = time.time()
                return result

        async def run() -> None:
            feed = OnTheRaidClock(service, url, partitions, stream=stream, batch_bytes=batch_bytes, subject=subject)
            ready.put(1)
            go.wait()
            await feed.start()
            while feed.accepted + feed.rejected < expected:
                await asyncio.sleep(0.05)
            await feed.stop()
            counts[:] = [feed.accepted, feed.rejected, feed.batches, feed.duplicates]

        cpu0 = time.process_time()
        asyncio.run(run())
        cpu = time.process_time() - cpu0
        engine.dispose()
    return {"first": span[0], "last": span[1], "cpu_s": cpu, "detections": float(expected),
            "accepted": float(counts[0]), "batches": counts[2], "duplicates": counts[3], "warned": warned,
            "reasons": reasons}


def _server_cpu() -> float | None:
    """CPU seconds the local nats-server has used (it shares the cores with the nodes), when it runs here."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
            if fields[0].endswith("(nats-server"):
                ticks = fields[1].split()
                return (int(ticks[11]) + int(ticks[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            continue
    return None


def _node_process(n: int, args: tuple[str, str, str, list[str], list[Any], int, int, Any, Any], done: Any) -> None:
    done.put((n, _node(args)))


def _run(url: str, sensors: list[Any], messages: list[tuple[str, str, bytes, int]], expected: list[int],
         parts: list[list[str]], batch_bytes: int) -> dict[str, Any]:
    """The whole raid published first (a backlog), then taken by len(parts) nodes at once, as fast as they can."""
    stream = f"AWBENCH_{uuid.uuid4().hex[:8]}"
    asyncio.run(_stream(url, stream))
    try:
        asyncio.run(_publish(url, stream, messages))
        context = multiprocessing.get_context("spawn")
        manager = context.Manager()
        ready, go, done = manager.Queue(), manager.Event(), manager.Queue()
        nodes = [context.Process(target=_node_process,
                                 args=(n, (url, stream, SUBJECT, part, sensors, count, batch_bytes, ready, go), done))
                 for n, (part, count) in enumerate(zip(parts, expected, strict=True))]
        for node in nodes:
            node.start()
        for _ in parts:  # every node imported, migrated and indexed
            ready.get(timeout=600)
        load0, server0 = os.getloadavg(), _server_cpu()
        go.set()
        taken = dict(done.get(timeout=3_600) for _ in parts)
        load1, server1 = os.getloadavg(), _server_cpu()
        for node in nodes:
            node.join()
        results = [taken[n] for n in range(len(parts))]
    finally:
        asyncio.run(_delete(url, stream))
    wall = max(r["last"] for r in results) - min(r["first"] for r in results)
    total = sum(expected)
    return {"wall_s": wall, "cpu_s": sum(r["cpu_s"] for r in results), "detections": total, "per_s": total / wall,
            "load": (load0, load1), "each": results,
            "server_cpu_s": server1 - server0 if server0 is not None and server1 is not None else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nats", default=os.environ.get("AIRWARN_TEST_NATS_URL", "nats://127.0.0.1:4222"))
    parser.add_argument("--batch-steps", type=int, default=1, help="2-s steps per message (per region)")
    parser.add_argument("--batch-kib", type=int, default=256, help="the feed's batch: at most this many KiB of "
                        "messages (256, the feed's default: ~1,700 detections; 8 is about one 2-s step of the raid)")
    parser.add_argument("--runs", default="1,regions,sectors",
                        help="which runs: 1 (one node), regions (two nodes, whole regions), sectors (two nodes, "
                             "the largest region split in two sectors, one node taking one of them and the other the "
                             "rest), big (one node, the largest region's detections only), big-sectors (two nodes, "
                             "one sector of the largest region each); comma-separated")
    args = parser.parse_args()
    from airwarn.tracks.evaluate import score
    from airwarn.tracks.forecast import DistrictIndex
    from airwarn.tracks.partitions import bearing_deg, parse_sector

    raid, region_of, steps, territory = _raid(args.batch_steps)
    sensors = raid.sensors
    index = DistrictIndex(territory, raid.frame)  # the raid's frame, as bench/tracks.py scores it
    start = raid.scenario.start.timestamp()
    per_sensor: dict[str, int] = {}
    for _, items in steps:
        for item in items:
            per_sensor[item["sensor"]] = per_sensor.get(item["sensor"], 0) + 1
    per_region: dict[str, int] = {}
    for sid, n in per_sensor.items():
        per_region[region_of[sid]] = per_region.get(region_of[sid], 0) + n
    total = sum(per_region.values())
    ranked = sorted(per_region, key=lambda r: -per_region[r])
    print(f"# seed-night raid: {total:,} detections over {len(per_region)} regions "
          f"({', '.join(f'{r} {per_region[r]:,}' for r in ranked)})")
    print(f"# machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
          f"{platform.python_version()}; NATS at {args.nats}")
    halves: list[list[str]] = [[], []]
    loads = [0, 0]
    for region in ranked:
        k = loads.index(min(loads))
        halves[k].append(region)
        loads[k] += per_region[region]
    big = ranked[0]
    centre = territory.regions[big].centre
    first, rest = _split_sectors(sensors, region_of, per_sensor, big, centre, total - per_region[big])
    wedge = parse_sector(first)
    sector_of = {s.id: region_of[s.id] if region_of[s.id] != big else f"{big}.{first}"
                 if wedge.contains(bearing_deg(centre[0], centre[1], s.lat, s.lon)) else f"{big}.{rest}"
                 for s in sensors}
    print("\n| nodes (partitions, detections) | wall | detections/s (wall) | CPU (all nodes) | CPU µs per detection "
          "| batches | districts warned: missed, false, lead min / median / max | load average before → after |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    alone, apart = _split_sectors(sensors, region_of, per_sensor, big, centre, 0)
    inside = parse_sector(alone)
    sector_alone = {s.id: f"{big}.{alone}" if inside.contains(bearing_deg(centre[0], centre[1], s.lat, s.lon))
                    else f"{big}.{apart}" for s in sensors if region_of[s.id] == big}
    for name in (r.strip() for r in args.runs.split(",")):
        if name == "sectors":
            messages, per_subject = _messages(steps, sector_of)
            parts = [[f"{big}.{first}"], [f"{big}.{rest}", *ranked[1:]]]
            expected = [sum(n for subj, n in per_subject.items() if subj in part) for part in parts]
        elif name in ("big", "big-sectors"):  # the largest region's detections only
            only = [(t, [i for i in items if i["sensor"] in sector_alone]) for t, items in steps]
            if name == "big":
                messages, per_subject = _messages([(t, i) for t, i in only if i], {k: big for k in sector_alone})
                parts = [[big]]
            else:
                messages, per_subject = _messages([(t, i) for t, i in only if i], sector_alone)
                parts = [[f"{big}.{alone}"], [f"{big}.{apart}"]]
            expected = [sum(n for subj, n in per_subject.items() if subj in part) for part in parts]
        else:
            messages, per_subject = _messages(steps, region_of)
            parts = [sorted(per_region)] if name == "1" else halves
            expected = [sum(per_region[r] for r in part) for part in parts]
        run = _run(args.nats, sensors, messages, expected, parts, args.batch_kib * 1024)
        split = " + ".join(f"{', '.join(p)} ({n:,})" for p, n in zip(parts, expected, strict=True))
        accepted = sum(e["accepted"] for e in run["each"])
        warned: dict[str, float] = {}
        for each in run["each"]:
            for district, at in each["warned"].items():
                warned[district] = min(warned.get(district, at - start), at - start)
        got = score(raid, index, warned)
        if name.startswith("big"):  # only the region's own districts were in its detections' reach to score
            mine = {d for d, a in territory.districts.items() if a.region == big}
            got.missed = [d for d in got.missed if d in mine]
            got.entered = sum(1 for d in [*got.missed, *got.lead_s] if d in mine)
            got.lead_s = {d: v for d, v in got.lead_s.items() if d in mine}
        lead = got.lead_quantiles_min()
        print(f"| {len(parts)}: {split} | {run['wall_s']:.1f} s | {run['per_s']:,.0f} | {run['cpu_s']:.1f} s "
              f"| {run['cpu_s'] / run['detections'] * 1e6:.0f} | {sum(e['batches'] for e in run['each']):,} "
              f"| {len(warned)}: {len(got.missed)} of {got.entered} missed, {len(got.false_alarms)} false, lead "
              f"{lead[0]:.1f} / {lead[1]:.1f} / {lead[2]:.1f} min "
              f"| {run['load'][0][0]:.1f} → {run['load'][1][0]:.1f} |", flush=True)
        for n, each in enumerate(run["each"]):
            took = each["last"] - each["first"]
            print(f"#   node {n + 1}: {each['detections']:,.0f} detections ({each['accepted']:,.0f} accepted, "
                  f"{each['duplicates']} redelivered) in {took:.1f} s, CPU {each['cpu_s']:.1f} s = "
                  f"{each['detections'] / each['cpu_s']:,.0f} per CPU-second"
                  + "".join(f"; rejected: {n} {why}" for why, n in each["reasons"].items()), flush=True)
        if run["server_cpu_s"] is not None:
            print(f"#   nats-server CPU during the run: {run['server_cpu_s']:.1f} s", flush=True)
        if accepted < run["detections"]:
            print(f"#   {run['detections'] - accepted:,.0f} detections rejected", flush=True)


if __name__ == "__main__":
    main()
