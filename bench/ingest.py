"""Ingest benchmark: reports/s from HTTP request to committed decision, and latency to a committed CAP alert.

Starts `airwarn serve` in its own process on SQLite and (when reachable) PostgreSQL, then posts reports
from client threads. Workload "alerting": alternating declare/lift, so every report commits a regime
change and a signed CAP alert (two-person rule set to Extreme so Severe alerts issue at once); latency
is request to committed, signed alert. Workload "burst": repeated reports about an area already under
the regime, the common case in an attack; each is decided, stored and audited but changes nothing.
With `--workers 1,2,4` it runs the alerting workload on PostgreSQL with `airwarn serve --workers N` (N > 1
over NATS, AIRWARN_TEST_NATS_URL) and, in the same run, a FastAPI app writing one row per request
(bench/baseline_app.py) with the same N uvicorn workers; server CPU per report is the CPU time of the
server's processes over the run divided by the reports.
With `--nodes 2` it also runs two separate nodes (one process each) on one database and NATS, the clients
taking them by turn, beside two baseline apps.
Run: python bench/ingest.py [--reports 2000] [--clients 8] [--workers 1,2,4] [--nodes 2] [--dbs sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

POSTGRES = os.environ.get("AIRWARN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NATS = os.environ.get("AIRWARN_TEST_NATS_URL", "nats://127.0.0.1:4222")
TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def tree_cpu_s(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of `pid` and its children, by pid."""
    out = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(proc.name) == pid or int(fields[1]) == pid:
            out[int(proc.name)] = (int(fields[11]) + int(fields[12])) * TICK_S
    return out


def wait_settled(pid: int, workers: int, timeout_s: float = 180) -> None:
    """Until `workers` worker processes exist and all of them have stopped starting (idle for a second)."""
    deadline = time.monotonic() + timeout_s
    before = tree_cpu_s(pid)
    while time.monotonic() < deadline:
        time.sleep(1)
        now = tree_cpu_s(pid)
        busy = [p for p, cpu in now.items() if cpu - before.get(p, 0) > 0.05]
        if len(now) >= workers and not busy:
            return
        before = now


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(proc: subprocess.Popen[bytes], base: str) -> None:
    for _ in range(4000):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"server did not start: {proc.stderr.read().decode() if proc.stderr else ''}")


def start_server(db: str, workdir: Path, workers: int = 1,
                 nodes: int = 1) -> tuple[list[subprocess.Popen[bytes]], list[str], str]:
    """`nodes` separate `airwarn serve` processes (each with `workers` workers) on one database; more than
    one process shares live events over NATS (a private stream per run), as nodes behind a balancer do."""
    env = os.environ | {"AIRWARN_DB": db, "AIRWARN_KEYS_DIR": str(workdir / "keys"),
                        "AIRWARN_APPROVAL_SEVERITY": "Extreme",
                        # the bench measures throughput from one address and one token: no rate limits
                        "AIRWARN_RATE_ADDRESS": "unlimited", "AIRWARN_RATE_TOKEN": "unlimited",
                        "AIRWARN_RATE_REPORTS_ADDRESS": "unlimited", "AIRWARN_RATE_REPORTS_TOKEN": "unlimited"}
    if workers > 1 or nodes > 1:
        env["AIRWARN_BUS"] = f"{NATS}?stream=BENCH_{uuid.uuid4().hex[:8]}"
    for setup in (["keys", "init"], ["db", "upgrade"]):  # explicit: nothing else creates keys or the database
        subprocess.run([sys.executable, "-m", "airwarn.cli", *setup], env=env, check=True, capture_output=True)
    token = subprocess.run([sys.executable, "-m", "airwarn.cli", "users", "add", "bench", "--role", "operator"],
                           env=env, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    procs, bases = [], []
    for _ in range(nodes):
        port = free_port()
        procs.append(subprocess.Popen([sys.executable, "-m", "airwarn.cli", "serve", "--port", str(port),
                                       "--workers", str(workers)],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        bases.append(f"http://127.0.0.1:{port}")
        wait_healthy(procs[-1], bases[-1])
        if workers > 1:
            wait_settled(procs[-1].pid, workers + 1)  # the workers and multiprocessing's resource tracker
    return procs, bases, token


def start_baseline(db: str, workers: int, nodes: int = 1) -> tuple[list[subprocess.Popen[bytes]], list[str], str]:
    env = os.environ | {"BASELINE_DB": db}
    here = str(Path(__file__).parent)
    subprocess.run([sys.executable, "-c", "import baseline_app"], cwd=here, env=env, check=True)  # its table
    procs, bases = [], []
    for _ in range(nodes):
        port = free_port()
        procs.append(subprocess.Popen([sys.executable, "-m", "uvicorn", "--app-dir", here, "baseline_app:app",
                                       "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        bases.append(f"http://127.0.0.1:{port}")
        wait_healthy(procs[-1], bases[-1])
        if workers > 1:
            wait_settled(procs[-1].pid, workers)
    return procs, bases, ""


ROSTOV = ["Millerovsky", "Sholokhovsky", "Chertkovsky", "Verkhnedonskoy", "Kamensky", "Tarasovsky",
          "Kasharsky", "Boguchar"]


REGIONS = ["RU-ROS", "RU-VGG", "RU-PNZ", "RU-SAR"]  # the bundled territory's regions


def serialised_s(base: str, scrapes: int = 40) -> dict[str, float]:
    """Seconds the server's processes spent inside serialised sections (decision locks, the chainer), from
    /metrics: each scrape reaches one process; the counters carry the process id, so the largest value per
    (section, process) is that process's total."""
    seen: dict[tuple[str, str], float] = {}
    pattern = re.compile(r'^airwarn_serialised_seconds_total\{pid="(\d+)",section="(\w+)"\} (\S+)$')
    # counts, not seconds (reported per report): retried region writes, and chainer transactions
    retries = re.compile(r'^airwarn_region_write_retries_total\{pid="(\d+)"\} (\S+)$')
    runs = re.compile(r'^airwarn_serialised_entries_total\{pid="(\d+)",section="chainer"\} (\S+)$')
    for _ in range(scrapes):
        with httpx.Client(base_url=base, timeout=10) as c:  # a new connection may reach another worker
            for line in c.get("/metrics").text.splitlines():
                m = pattern.match(line)
                if m:
                    key = (m.group(2), m.group(1))
                    seen[key] = max(seen.get(key, 0.0), float(m.group(3)))
                for name, counted in (("retries", retries), ("chainer runs", runs)):
                    m = counted.match(line)
                    if m:
                        key = (name, m.group(1))
                        seen[key] = max(seen.get(key, 0.0), float(m.group(2)) / 1000)  # per report below
    out: dict[str, float] = {}
    for (section, _), value in seen.items():
        out[section] = out.get(section, 0.0) + value
    return out


def run(db: str, label: str, reports: int, clients: int, workload: str, workers: int = 1,
        baseline: bool = False, regions: int = 1, nodes: int = 1) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="airwarn-bench-"))
    procs, bases, token = (start_baseline(db, workers, nodes) if baseline
                           else start_server(db, workdir, workers, nodes))
    base = bases[0]
    try:
        used = REGIONS[:regions]
        if baseline:
            by_region = {r: ROSTOV for r in used}
        else:
            with httpx.Client(base_url=base) as c:
                features = c.get("/api/v1/territory").json()["features"]
            by_region = {r: [f["properties"]["name_en"] for f in features
                             if f["properties"].get("kind") == "district" and f["properties"]["region"] == r]
                         for r in used}
            by_region = {r: names for r, names in by_region.items() if names}
            if len(by_region) < regions:
                raise SystemExit(f"the bundled territory has districts in only {sorted(by_region)}")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        per_client = reports // clients

        def worker(i: int) -> list[tuple[float, int]]:
            out = []
            region = sorted(by_region)[i % len(by_region)]  # clients spread evenly over the regions
            districts = by_region[region]
            district = districts[i // len(by_region) % len(districts)]
            with httpx.Client(base_url=bases[i % len(bases)], headers=headers, timeout=60) as c:  # nodes by turn
                for n in range(per_client):
                    if workload == "alerting":  # every report changes a regime and issues a signed alert
                        kind = "regime_declared" if n % 2 == 0 else "regime_lifted"
                    else:  # a burst of reports about an area already under the regime: decided, audited, no alert
                        kind = "interception"
                    body = {"kind": kind, "region": region, "districts": [district], "regime": "drone_hazard",
                            "source": {"type": "official", "name": "bench"}}
                    t0 = time.perf_counter()
                    r = c.post("/api/v1/reports", json=body)
                    r.raise_for_status()
                    out.append((time.perf_counter() - t0, len(r.json()["alerts"])))
            return out

        cpu0 = sum(sum(tree_cpu_s(p.pid).values()) for p in procs)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            results = [x for chunk in pool.map(worker, range(clients)) for x in chunk]
        wall = time.perf_counter() - t0
        cpu_s = sum(sum(tree_cpu_s(p.pid).values()) for p in procs) - cpu0
        held: dict[str, float] = {}
        for node in [] if baseline else bases:
            for section, held_s in serialised_s(node).items():
                held[section] = held.get(section, 0.0) + held_s
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)
    latencies = sorted(lat for lat, _ in results)
    q = statistics.quantiles(latencies, n=100)
    return {"db": label, "workload": "FastAPI one-row baseline" if baseline else workload, "workers": workers,
            "reports": len(results), "alerts": sum(n for _, n in results),
            "reports_per_s": len(results) / wall, "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000,
            "mean_ms": statistics.fmean(latencies) * 1000, "cpu_ms": cpu_s * 1000 / len(results),
            "regions": regions, "nodes": nodes, "held_ms": {k: v * 1000 / len(results) for k, v in held.items()}}


#: Schemas this run made, dropped when it ends (a run used to leave them in the test database).
SCHEMAS: list[str] = []


def postgres_url() -> str | None:
    try:
        engine = create_engine(POSTGRES)
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        SCHEMAS.append(schema)
        return f"{POSTGRES}?options=-csearch_path%3D{schema}"
    except Exception as exc:  # noqa: BLE001 - a benchmark reports and moves on
        print(f"PostgreSQL skipped: {exc}")
        return None


def drop_schemas() -> None:
    if SCHEMAS:
        with create_engine(POSTGRES).begin() as conn:
            for schema in SCHEMAS:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        SCHEMAS.clear()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", default="", help="e.g. 1,2,4: PostgreSQL alerting with N server processes, "
                        "each beside the FastAPI one-row baseline with N workers")
    parser.add_argument("--dbs", default="sqlite,postgresql", help="databases for the alerting/burst table")
    parser.add_argument("--workloads", default="alerting,burst")
    parser.add_argument("--nodes", default="", help="e.g. 2: PostgreSQL alerting on N separate nodes (one "
                        "process each) sharing the database and NATS, clients taking the nodes by turn, each "
                        "beside N baseline apps")
    parser.add_argument("--regions", type=int, default=1, help="spread the clients' reports over this many "
                        "regions (at most 4); the decision lock is per region on PostgreSQL")
    args = parser.parse_args()
    rows = []
    dbs = args.dbs.split(",") if args.dbs else []
    for workload in args.workloads.split(",") if args.workloads else []:
        if "sqlite" in dbs:
            rows.append(run(f"sqlite:///{tempfile.mkdtemp()}/bench.db", "SQLite (WAL)", args.reports,
                            args.clients, workload))
        pg = postgres_url() if "postgresql" in dbs else None
        if pg:
            rows.append(run(pg, "PostgreSQL 15", args.reports, args.clients, workload))
    setups = [(int(n), 1) for n in args.workers.split(",") if n] + [(1, int(n)) for n in args.nodes.split(",") if n]
    for workers, nodes in setups:
        for baseline in (False, True):
            pg = postgres_url()
            if pg:
                rows.append(run(pg, "PostgreSQL 15", args.reports, args.clients, "alerting", workers, baseline,
                                args.regions, nodes))
                print("measured:", rows[-1], flush=True)  # a long run on a busy machine keeps what it has
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at the end; "
          f"{args.clients} client threads, server in its own process(es)")
    print("| database | workload | processes | regions | reports | alerts | reports/s | p50 ms | p99 ms "
          "| server CPU ms/report | in region lock ms/report | in global lock ms/report | in chainer ms/report "
          "| chainer runs/report | retries/report |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        held = r["held_ms"]
        cells = [f"{held[k]:.2f}" if k in held else "-" for k in ("region", "global", "chainer", "chainer runs",
                                                                  "retries")]
        setup = f"{r['nodes']} nodes × {r['workers']}" if r.get("nodes", 1) > 1 else str(r["workers"])
        print(f"| {r['db']} | {r['workload']} | {setup} | {r['regions']} | {r['reports']} | {r['alerts']} | "
              f"{r['reports_per_s']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['cpu_ms']:.1f} | "
              f"{' | '.join(cells)} |")


if __name__ == "__main__":
    try:
        main()
    finally:
        drop_schemas()
