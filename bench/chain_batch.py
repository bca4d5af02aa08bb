"""The audit chainer run once per batch of commits against once per commit, in process (no HTTP): `--threads`
writers, each on a region of its own, commit `--writes` transactions of three audit records each on
PostgreSQL; reported per write: process CPU, time inside the region section and inside the chainer's lock
(the server's `airwarn_serialised_seconds`), chainer transactions, and how long until everything is linked.

    PYTHONPATH=src python bench/chain_batch.py [--threads 4] [--writes 200] [--every-ms 25]

Run it with PYTHONPATH pointing at an older tree to compare (a tree without `chain_in_background` runs the
per-commit mode only). A private schema on AIRWARN_TEST_POSTGRES_URL, dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import threading
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import create_engine, text

from airwarn.domain.audit import AuditKey
from airwarn.store.audit_store import unlinked_records
from airwarn.store.engine import make_engine
from airwarn.store.migrate import upgrade
from airwarn.store.repository import Repository
from airwarn.store.uow import UnitOfWork

POSTGRES = os.environ.get("AIRWARN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REGIONS = ["RU-ROS", "RU-VGG", "RU-PNZ", "RU-SAR", "RU-AST", "RU-KDA", "RU-BEL", "RU-KRS"]


def one_run(url: str, threads: int, writes: int, every_s: float | None) -> dict[str, float]:
    uow = UnitOfWork(make_engine(url), AuditKey(os.urandom(32)))
    if every_s is not None:
        uow.chain_in_background(every_s)
    assert uow.chainer is not None

    def writer(n: int) -> None:
        region = REGIONS[n % len(REGIONS)]
        for i in range(writes):
            def marks(repo: Repository, i: int = i) -> None:
                for part in range(3):
                    repo.append_audit(at=datetime.now(UTC), actor="bench", action="bench.mark", entity="mark",
                                      entity_id=f"{n}:{i}.{part}", data={"region": region})
            if hasattr(uow, "run"):  # decided without a lock, as the use cases do now
                uow.run(marks, region=region)
            else:  # an older tree: the region lock held throughout
                with uow.write(region=region) as repo:
                    marks(repo)

    cpu0, t0 = time.process_time(), time.perf_counter()
    pool = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - t0
    while True:  # until every committed record is linked
        with uow.read() as repo:
            if not list(unlinked_records(repo.conn)):
                break
        time.sleep(0.005)
    linked = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    n = threads * writes
    times = uow.chainer.times
    return {"writes/s": n / wall, "cpu ms/write": cpu * 1000 / n,
            "region ms/write": uow.lock_times.held_s["region"] * 1000 / n,
            "chainer ms/write": times.held_s * 1000 / n, "chainer runs/write": times.runs / n,
            "all linked after s": linked - wall}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--every-ms", type=float, default=25.0)
    args = parser.parse_args()
    admin = create_engine(POSTGRES)
    modes: list[tuple[str, float | None]] = [("chainer after every commit", None)]
    if hasattr(UnitOfWork, "chain_in_background"):
        modes.append((f"chainer once per batch (at most every {args.every_ms:g} ms)", args.every_ms / 1000))
    rows = []
    for label, every_s in modes:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
            upgrade(make_engine(url))
            rows.append((label, one_run(url, args.threads, args.writes, every_s)))
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load "
          f"average {os.getloadavg()[0]:.1f}; {args.threads} writer threads × {args.writes} writes of 3 records")
    keys = list(rows[0][1])
    print("| mode | " + " | ".join(keys) + " |")
    print("| --- |" + " --- |" * len(keys))
    for label, row in rows:
        print(f"| {label} | " + " | ".join(f"{row[k]:.2f}" for k in keys) + " |")


if __name__ == "__main__":
    main()
