"""Ingest benchmark: reports/s from HTTP request to committed decision, and latency to a committed CAP alert.

Starts `airwarn serve` in its own process on SQLite and (when reachable) PostgreSQL, then posts reports
from client threads. Workload "alerting": alternating declare/lift, so every report commits a regime
change and a signed CAP alert (two-person rule set to Extreme so Severe alerts issue at once); latency
is request to committed, signed alert. Workload "burst": repeated reports about an area already under
the regime, the common case in an attack; each is decided, stored and audited but changes nothing.
Run: python bench/ingest.py [--reports 2000] [--clients 8]
"""

from __future__ import annotations

import argparse
import os
import platform
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    env = os.environ | {"AIRWARN_DB": db, "AIRWARN_KEYS_DIR": str(workdir / "keys"),
                        "AIRWARN_APPROVAL_SEVERITY": "Extreme"}
    for setup in (["keys", "init"], ["db", "upgrade"]):  # explicit: nothing else creates keys or the database
        subprocess.run([sys.executable, "-m", "airwarn.cli", *setup], env=env, check=True, capture_output=True)
    token = subprocess.run([sys.executable, "-m", "airwarn.cli", "users", "add", "bench", "--role", "operator"],
                           env=env, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "airwarn.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return proc, base, token
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"server did not start: {proc.stderr.read().decode() if proc.stderr else ''}")


def run(db: str, label: str, reports: int, clients: int, workload: str) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="airwarn-bench-"))
    proc, base, token = start_server(db, workdir)
    try:
        with httpx.Client(base_url=base) as c:
            districts = [f["properties"]["name_en"] for f in c.get("/api/v1/territory").json()["features"]
                         if f["properties"].get("kind") == "district" and f["properties"]["region"] == "RU-ROS"]
        headers = {"Authorization": f"Bearer {token}"}
        per_client = reports // clients

        def worker(i: int) -> list[tuple[float, int]]:
            out = []
            district = districts[i % len(districts)]
            with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
                for n in range(per_client):
                    if workload == "alerting":  # every report changes a regime and issues a signed alert
                        kind = "regime_declared" if n % 2 == 0 else "regime_lifted"
                    else:  # a burst of reports about an area already under the regime: decided, audited, no alert
                        kind = "interception"
                    body = {"kind": kind, "region": "RU-ROS", "districts": [district], "regime": "drone_hazard",
                            "source": {"type": "official", "name": "bench"}}
                    t0 = time.perf_counter()
                    r = c.post("/api/v1/reports", json=body)
                    r.raise_for_status()
                    out.append((time.perf_counter() - t0, len(r.json()["alerts"])))
            return out

        t0 = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            results = [x for chunk in pool.map(worker, range(clients)) for x in chunk]
        wall = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(10)
    latencies = sorted(lat for lat, _ in results)
    q = statistics.quantiles(latencies, n=100)
    return {"db": label, "workload": workload, "reports": len(results), "alerts": sum(n for _, n in results),
            "reports_per_s": len(results) / wall, "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000,
            "mean_ms": statistics.fmean(latencies) * 1000}


def postgres_url() -> str | None:
    try:
        engine = create_engine(POSTGRES)
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        return f"{POSTGRES}?options=-csearch_path%3D{schema}"
    except Exception as exc:  # noqa: BLE001 - a benchmark reports and moves on
        print(f"PostgreSQL skipped: {exc}")
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    rows = []
    for workload in ("alerting", "burst"):
        rows.append(run(f"sqlite:///{tempfile.mkdtemp()}/bench.db", "SQLite (WAL)", args.reports, args.clients,
                        workload))
        pg = postgres_url()
        if pg:
            rows.append(run(pg, "PostgreSQL 15", args.reports, args.clients, workload))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; {args.clients} client threads, server in its own process")
    print("| database | workload | reports | alerts | reports/s | p50 ms | p99 ms | mean ms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['db']} | {r['workload']} | {r['reports']} | {r['alerts']} | {r['reports_per_s']:.0f} | "
              f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['mean_ms']:.1f} |")


if __name__ == "__main__":
    main()
