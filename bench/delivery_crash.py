"""Crash benchmark: 10,000 webhook subscribers, one alert, kill -9 the serving node while deliveries are in
flight, restart it, and check that every target has the alert and none has it under two identifiers.

`--fanout N`: through fan-out jobs instead (tests/integration/fanout_crash.py): N subscribers of the realistic
mix (SMS, Web Push, webhooks) to local stub receivers, a region-wide alert, kill -9 of the node while it
expands and sends, restart; nothing lost, nothing sent under two delivery ids. PostgreSQL when
AIRWARN_TEST_POSTGRES_URL is set, else SQLite.

The receiver is a local threaded HTTP server that records (X-Airwarn-Identifier, path) per request and
answers after `--delay-ms`. Runs on SQLite, and on PostgreSQL when AIRWARN_TEST_POSTGRES_URL is set.
Run: python bench/delivery_crash.py [--targets 10000] [--kill-at 0.3] | --fanout 100000 [--kill-after 20000]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the crash scenario lives with the tests

from tests.integration.crash import CrashResult, crash_and_recover  # noqa: E402
from tests.integration.fanout_crash import crash_fanout  # noqa: E402
from tests.integration.nodes import POSTGRES_URL, pg_schema  # noqa: E402


def report(label: str, r: CrashResult, total_s: float) -> None:
    twice = sum(1 for ids in r.per_target.values() if len(ids) > 1)
    print(f"{label}: {r.targets:,} targets; killed after {r.received_before_kill:,} receipts with "
          f"{r.pending_after_kill:,} rows not marked delivered; after restart all {len(r.per_target):,} targets "
          f"had it in {r.recovered_s:.1f} s (run {total_s:.1f} s); {r.requests:,} requests, "
          f"{r.duplicates:,} repeats under the same identifier, {twice} targets with two identifiers")
    assert len(r.per_target) == r.targets and twice == 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--targets", type=int, default=10_000)
    ap.add_argument("--kill-at", type=float, default=0.3, help="share of targets reached when killed")
    ap.add_argument("--delay-ms", type=float, default=20.0, help="receiver's answer time")
    ap.add_argument("--concurrency", type=int, default=256, help="AIRWARN_DISPATCH_CONCURRENCY")
    ap.add_argument("--fanout", type=int, default=0, help="N subscribers, through fan-out jobs")
    ap.add_argument("--kill-after", type=int, default=20_000, help="--fanout: messages received before the kill")
    ap.add_argument("--sms-batch", type=int, default=100, help="--fanout: AIRWARN_SMS_BATCH")
    args = ap.parse_args()
    if args.fanout:
        fanout(args)
        return
    opts = {"delay_s": args.delay_ms / 1000, "concurrency": args.concurrency, "kill_at": args.kill_at,
            "lease_s": 5.0, "timeout_s": 600.0}
    work = Path(tempfile.mkdtemp(prefix="airwarn-crash-"))
    print(f"machine: {os.cpu_count()} cores; receiver delay {args.delay_ms:g} ms; dispatch concurrency "
          f"{args.concurrency}; lease 5 s")
    t0 = time.monotonic()
    report("SQLite", crash_and_recover(f"sqlite:///{work / 'crash.db'}", work / "sqlite", args.targets, **opts),
           time.monotonic() - t0)
    if POSTGRES_URL:
        with pg_schema() as db:
            t0 = time.monotonic()
            report("PostgreSQL", crash_and_recover(db, work / "pg", args.targets, **opts), time.monotonic() - t0)


def fanout(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="airwarn-fanout-crash-"))
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()}; {args.fanout:,} subscribers; SMS batch "
          f"{args.sms_batch}; dispatch concurrency {args.concurrency}; lease 5 s; kill after {args.kill_after:,}")
    with contextlib.ExitStack() as stack:
        db = stack.enter_context(pg_schema()) if POSTGRES_URL else f"sqlite:///{work / 'crash.db'}"
        t0 = time.monotonic()
        r = crash_fanout(db, work, args.fanout, kill_after=args.kill_after, sms_batch=args.sms_batch,
                         concurrency=args.concurrency, lease_s=5.0, timeout_s=1800.0)
    print(f"{'PostgreSQL' if POSTGRES_URL else 'SQLite'}: {r.targets:,} targets in {r.jobs} jobs; killed with "
          f"{r.expanded_at_kill} jobs expanded and {r.received_at_kill:,} messages received; after restart all "
          f"delivered in {r.recovered_s:.1f} s (run {time.monotonic() - t0:.1f} s); {r.requests:,} messages, "
          f"{r.repeats:,} repeats under the same delivery id; targets with two ids {r.two_ids}, rows delivered "
          f"but not received {r.missing}, rows beyond one per target {r.extra_rows}, targets lost {r.lost}; "
          f"load {os.getloadavg()}")
    assert (r.two_ids, r.missing, r.extra_rows, r.lost) == (0, 0, 0, 0)


if __name__ == "__main__":
    main()
