"""Detections through real NATS JetStream into one node, then into two nodes sharing the region partitions.

The simulator's seed-night raid is published to `airwarn.detections.<region>` (one message per region and
2-s step, as sensor gateways would send them) on a fresh stream, all of it first: a backlog. Then one process,
and afterwards two, each a node's tracking service taking its regions through a durable consumer per region
(feeds.py's names), take it as fast as they can: parse, check, track, forecast, warning board, and the
warning reports committed through the pipeline (SQLite). Each node takes its consumers' messages in time
order (the earliest head first) and runs on the raid's clock (the time of the message it takes), as
bench/tracks.py does. CPU time per detection is the figure a shared machine still gives honestly.

Sensors outside every region of the demo territory (the fences on the approaches) belong to the partition of
the nearest district's region, as an operator would assign them (the sensor registry's `region` column).

Usage: PYTHONPATH=src python bench/tracks_nodes.py [--nats nats://127.0.0.1:4222] [--batch-steps 1]
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
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

SUBJECT = "airwarn.detections"


def _messages(batch_steps: int) -> tuple[list[Any], list[tuple[str, str, bytes, int]], dict[str, int], float]:
    """The raid's sensors, and its detections as (region, time, body, count) messages in time order."""
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
    out: list[tuple[str, str, bytes, int]] = []
    per_region: dict[str, int] = {}
    steps = raid.steps
    for k in range(0, len(steps), batch_steps):
        chunk = steps[k:k + batch_steps]
        by_region: dict[str, list[dict[str, Any]]] = {}
        for _, items in chunk:
            for item in items:
                by_region.setdefault(region_of[item["sensor"]], []).append(item)
        for region, items in by_region.items():
            out.append((region, items[-1]["time"], json.dumps(items).encode(), len(items)))
            per_region[region] = per_region.get(region, 0) + len(items)
    return raid.sensors, out, per_region, raid.steps[-1][0]


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
        await asyncio.gather(*(js.publish(f"{SUBJECT}.{region}", body, stream=stream,
                                          headers={"Airwarn-Status": "Exercise", "Airwarn-Bench-Time": at})
                               for region, at, body, _ in messages[k:k + 500]))
    await nc.close()


async def _delete(url: str, stream: str) -> None:
    import nats

    nc = await nats.connect(url, connect_timeout=3)
    try:
        await nc.jetstream().delete_stream(stream)
    finally:
        await nc.close()


def _node(args: tuple[str, str, list[str], list[Any], int, Any, Any]) -> dict[str, float]:
    """One node: a tracking service on a fresh SQLite pipeline, fed by NATS for its regions until it has
    taken `expected` detections; its first and last take (wall clock) and its CPU time."""
    url, stream, regions, sensors, expected, ready, go = args
    from airwarn.domain.users import Role, User
    from airwarn.keyring import init_keys, load_keys
    from airwarn.service_layer.bootstrap import cap_renderer
    from airwarn.service_layer.deps import Deps
    from airwarn.store.engine import make_engine
    from airwarn.store.migrate import upgrade
    from airwarn.store.uow import UnitOfWork
    from airwarn.territory.io import demo_territory
    from airwarn.tracks.detections import parse_body
    from airwarn.tracks.feeds import NatsDetectionFeed, _status
    from airwarn.tracks.service import TrackingService

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
        counts = [0, 0]

        class InTimeOrder(NatsDetectionFeed):
            """The node's NATS feed (a durable consumer per region of its partition; each message's batch parsed,
            checked, tracked, reported, then acked), taking its regions' messages in time order: of the heads
            of its consumers, the earliest first. (The feed itself pulls each region on its own, which is the
            same while it keeps up; taking a backlog region by region would mix hours, see docs/tracks.md.)"""

            async def start(self) -> None:
                import nats

                self._nc = await nats.connect(self.url, connect_timeout=3)
                js = self._nc.jetstream()
                subs = [await js.pull_subscribe(f"{SUBJECT}.{r}", durable=f"tracks-{r}", stream=self.stream)
                        for r in self.regions]
                self._tasks.append(asyncio.create_task(self._merge(subs)))

            async def _merge(self, subs: list[Any]) -> None:
                import nats.errors

                heads: list[list[Any]] = [[] for _ in subs]
                done: set[int] = set()  # the backlog was all published first: a region that times out is taken
                while True:
                    for n, (sub, head) in enumerate(zip(subs, heads, strict=True)):
                        if not head and n not in done:
                            try:
                                head.extend(await sub.fetch(100, timeout=1))
                            except (TimeoutError, nats.errors.TimeoutError):
                                done.add(n)
                    ready_heads = [h for h in heads if h]
                    if not ready_heads:
                        await asyncio.sleep(0.1)
                        continue
                    earliest = min(h[0].headers["Airwarn-Bench-Time"] for h in ready_heads)
                    # the messages of that moment from every region of the partition, taken together, as the
                    # node's feed takes together what one fetch returns
                    taken = [h.pop(0) for h in ready_heads if h[0].headers["Airwarn-Bench-Time"] == earliest]
                    span[0] = span[0] or time.time()
                    at = datetime.fromisoformat(earliest)
                    result = await asyncio.to_thread(take, [m.data for m in taken], at,
                                                     _status(taken[0].headers.get("Airwarn-Status")))
                    self.accepted += result.accepted
                    self.rejected += len(result.rejected)
                    for msg in taken:
                        await msg.ack()
                    span[1] = time.time()

        def take(bodies: list[bytes], at: datetime, status: Any) -> Any:
            clock[0] = at  # the node's clock is the raid's: the time of the batch it takes
            return service.ingest([item for body in bodies for item in parse_body(body)], service_user, status)

        service_user = User("nats", Role.SENSOR)

        async def run() -> None:
            feed = InTimeOrder(service, url, regions, stream=stream)
            ready.put(1)
            go.wait()
            await feed.start()
            while feed.accepted + feed.rejected < expected:
                await asyncio.sleep(0.05)
            await feed.stop()
            counts[:] = [feed.accepted, feed.rejected]

        cpu0 = time.process_time()
        asyncio.run(run())
        cpu = time.process_time() - cpu0
        engine.dispose()
    return {"first": span[0], "last": span[1], "cpu_s": cpu, "detections": float(expected),
            "accepted": float(counts[0])}


def _run(url: str, sensors: list[Any], messages: list[tuple[str, str, bytes, int]], per_region: dict[str, int],
         parts: list[list[str]]) -> dict[str, Any]:
    """The whole raid published first (a backlog), then taken by len(parts) nodes at once, as fast as they can."""
    stream = f"AWBENCH_{uuid.uuid4().hex[:8]}"
    asyncio.run(_stream(url, stream))
    try:
        asyncio.run(_publish(url, stream, messages))
        context = multiprocessing.get_context("spawn")
        manager = context.Manager()
        ready, go = manager.Queue(), manager.Event()
        with context.Pool(len(parts)) as pool:
            pending = pool.map_async(_node, [(url, stream, part, sensors, sum(per_region[r] for r in part), ready,
                                              go) for part in parts])
            for _ in parts:  # every node imported, migrated and indexed
                ready.get(timeout=600)
            load0 = os.getloadavg()
            go.set()
            results = pending.get(timeout=3_600)
            load1 = os.getloadavg()
    finally:
        asyncio.run(_delete(url, stream))
    wall = max(r["last"] for r in results) - min(r["first"] for r in results)
    total = sum(per_region.values())
    return {"wall_s": wall, "cpu_s": sum(r["cpu_s"] for r in results), "detections": total, "per_s": total / wall,
            "load": (load0, load1), "each": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nats", default=os.environ.get("AIRWARN_TEST_NATS_URL", "nats://127.0.0.1:4222"))
    parser.add_argument("--batch-steps", type=int, default=1, help="2-s steps per message (per region)")
    args = parser.parse_args()
    sensors, messages, per_region, _ = _messages(args.batch_steps)
    total = sum(per_region.values())
    print(f"# seed-night raid: {total:,} detections in {len(messages):,} messages over {len(per_region)} regions "
          f"({', '.join(f'{r} {n:,}' for r, n in sorted(per_region.items(), key=lambda kv: -kv[1]))})")
    print(f"# machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
          f"{platform.python_version()}; NATS at {args.nats}")
    halves: list[list[str]] = [[], []]
    loads = [0, 0]
    for region, n in sorted(per_region.items(), key=lambda kv: -kv[1]):
        k = loads.index(min(loads))
        halves[k].append(region)
        loads[k] += n
    print("\n| nodes (regions, detections) | wall | detections/s (wall) | CPU (all nodes) | CPU µs per detection "
          "| load average before → after |")
    print("| --- | --- | --- | --- | --- | --- |")
    for parts in ([sorted(per_region)], halves):
        run = _run(args.nats, sensors, messages, per_region, parts)
        split = " + ".join(f"{'/'.join(p)} ({sum(per_region[r] for r in p):,})" for p in parts)
        accepted = sum(e["accepted"] for e in run["each"])
        print(f"| {len(parts)}: {split} | {run['wall_s']:.1f} s | {run['per_s']:,.0f} | {run['cpu_s']:.1f} s "
              f"| {run['cpu_s'] / run['detections'] * 1e6:.0f} | {run['load'][0][0]:.1f} → {run['load'][1][0]:.1f} |",
              flush=True)
        for n, each in enumerate(run["each"]):
            took = each["last"] - each["first"]
            print(f"#   node {n + 1}: {each['detections']:,.0f} detections ({each['accepted']:,.0f} accepted) in "
                  f"{took:.1f} s, CPU {each['cpu_s']:.1f} s = {each['detections'] / each['cpu_s']:,.0f} per "
                  f"CPU-second", flush=True)
        if accepted < total:
            print(f"#   {total - accepted:,.0f} detections rejected", flush=True)


if __name__ == "__main__":
    main()
