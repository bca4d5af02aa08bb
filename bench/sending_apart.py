"""Issuing while a fan-out is being sent: does the sending hold up the next alert, and how fast do one or two
sending processes hand a region-wide alert's targets to their channels?

N subscribers in PostgreSQL, local stub receivers (bench/stub_receivers.py) in another process. A region-wide
alert is issued through the real use case in this process; then, every `--every` seconds while its targets are
being sent, `--alerts` more (lift, declare, …), each timed: the use case and its transaction (BEGIN to COMMIT
done). The sending runs either in a thread of this process (`--dispatch thread`: what `airwarn serve` does by
default) or in `--dispatchers K` separate `airwarn dispatch` processes (`--dispatch process`: the nodes that
take reports run with AIRWARN_DISPATCH=false). Reported: the transactions, and the subscriber targets handed
per second from the first alert's commit until every target of every alert is delivered (or `--follow` s).
Run: python bench/sending_apart.py --db postgresql+psycopg://… [--n 100000] [--dispatch thread|process]
     [--dispatchers 1] [--alerts 6] [--every 4] [--follow 120]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # issuing_scale; bench.* and tests.*

from bench.population import insert_subscribers  # noqa: E402
from issuing_scale import REGION, cpu_s, database, receivers, stats, timed_issue  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from tests.integration.nodes import drop_stream  # noqa: E402

from airwarn.delivery.channels.webpush import generate_vapid  # noqa: E402
from airwarn.domain.targeting import SUBSCRIBER_CHANNELS  # noqa: E402
from airwarn.keyring import init_keys  # noqa: E402
from airwarn.service_layer.bootstrap import build_deps  # noqa: E402
from airwarn.settings import Settings  # noqa: E402
from airwarn.store import tables as t  # noqa: E402


def delivered_and_total(engine: object, alert_ids: list[str]) -> tuple[int, int]:
    """(subscriber rows delivered, subscriber rows written) of these alerts."""
    subscriber = t.outbox.c.channel.in_(sorted(SUBSCRIBER_CHANNELS)) & t.outbox.c.alert_id.in_(alert_ids)
    with engine.connect() as conn:  # type: ignore[attr-defined]
        rows = dict(conn.execute(select(t.outbox.c.state, func.count()).where(subscriber)
                                 .group_by(t.outbox.c.state)).all())
    return int(rows.get("delivered", 0)), int(sum(rows.values()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True, help="a PostgreSQL URL")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dispatch", choices=("thread", "process"), default="process")
    ap.add_argument("--dispatchers", type=int, default=1, help="`airwarn dispatch` processes (--dispatch process)")
    ap.add_argument("--alerts", type=int, default=6, help="alerts issued while the first one's targets are sent")
    ap.add_argument("--every", type=float, default=4.0, help="seconds between them")
    ap.add_argument("--follow", type=float, default=120.0, help="follow the sending at most this long (s)")
    ap.add_argument("--sms-batch", type=int, default=100)
    ap.add_argument("--nats", default=os.environ.get("AIRWARN_TEST_NATS_URL", "nats://127.0.0.1:4222"))
    args = ap.parse_args()
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(database(args.db))
        keys = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        base = stack.enter_context(receivers())
        init_keys(keys)
        extra = {"sms_url": f"{base}/sms", "webhook_secret": "bench-webhook-secret-key", "outbound_allow": base,
                 "vapid_private_key": generate_vapid()[0], "sms_batch": args.sms_batch,
                 "approval_severity": "Extreme"}
        if args.dispatch == "process":  # they hear the alerts on NATS (a private stream, dropped at the end)
            stream = f"BENCH_{uuid.uuid4().hex[:8]}"
            stack.callback(lambda: asyncio.run(drop_stream(stream)))
            extra["bus"] = f"{args.nats}?stream={stream}"
        settings = Settings(db=url, keys_dir=keys, **extra)
        deps = build_deps(settings)
        if args.dispatch == "process":
            serve_bus(stack, deps)
        insert_subscribers(deps.uow.engine, deps.territory, args.n, base_url=base)
        deps.fanout.warm(deps.uow)  # as a starting node does, in the background
        deps.territory.shape_ahead()
        senders = start_sending(stack, settings, deps, args)
        time.sleep(3)  # the dispatch processes load their subscriber copy
        ids, txn_ms, use_ms = [], [], []
        first_commit = time.time()
        for i in range(args.alerts + 1):
            kind = "regime_declared" if i % 2 == 0 else "regime_lifted"
            ms, issued, _, watch = timed_issue(deps, replace(REGION[1], kind=kind))
            if i == 0:
                first_commit = time.time()
            ids += issued
            delivered, total = delivered_and_total(deps.uow.engine, ids)
            print(f"alert {i} ({kind}): use case {ms:,.0f} ms, transaction {watch.ms['transaction']:,.0f} ms; "
                  f"{delivered:,} of {total:,} targets delivered so far", flush=True)
            if i:
                txn_ms.append(watch.ms["transaction"])
                use_ms.append(ms)
            time.sleep(args.every)
        cpu0 = {pid: cpu_s(pid) for pid in senders}
        deadline = first_commit + args.follow
        while time.time() < deadline:
            delivered, total = delivered_and_total(deps.uow.engine, ids)
            if delivered == total:
                break
            time.sleep(1.0)
        took = time.time() - first_commit
        delivered, total = delivered_and_total(deps.uow.engine, ids)
        got = stats(base)
        where = (f"{args.dispatchers} `airwarn dispatch` process(es)" if args.dispatch == "process"
                 else "a thread of the issuing process")
        print(f"sending in {where}, {args.n:,} subscribers, load {os.getloadavg()[0]:.2f}")
        print(f"transactions of the {len(txn_ms)} alerts issued while sending: median "
              f"{statistics.median(txn_ms):,.0f} ms, max {max(txn_ms):,.0f} ms (use cases: median "
              f"{statistics.median(use_ms):,.0f} ms, max {max(use_ms):,.0f} ms)")
        print(f"{delivered:,} of {total:,} targets of {len(ids)} alerts delivered {took:,.1f} s after the first "
              f"commit: {delivered / took:,.0f} per s; requests at the receivers: {got['counts']}")
        if senders:
            print("CPU of the sending processes after the last alert: "
                  + ", ".join(f"{cpu_s(pid) - cpu0[pid]:.1f} s" for pid in senders))


def serve_bus(stack: contextlib.ExitStack, deps: object) -> None:
    """Start the NATS bus on a loop of its own, as a serving node does, so this process's alerts reach the
    dispatch processes (and its live hand-offs go out)."""
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    bus = deps.events  # type: ignore[attr-defined]
    asyncio.run_coroutine_threadsafe(bus.start(), loop).result(30)
    stack.callback(lambda: (asyncio.run_coroutine_threadsafe(bus.stop(), loop).result(30),
                            loop.call_soon_threadsafe(loop.stop)))


def start_sending(stack: contextlib.ExitStack, settings: Settings, deps: object, args: argparse.Namespace
                  ) -> list[int]:
    """The dispatcher in a thread here, or `airwarn dispatch` processes; returns the processes' pids."""
    if args.dispatch == "thread":
        from airwarn.delivery.wiring import dispatcher_from_settings

        dispatcher = dispatcher_from_settings(settings, deps)  # type: ignore[arg-type]
        loop, stop = asyncio.new_event_loop(), asyncio.Event()
        runner = threading.Thread(target=loop.run_until_complete, args=(dispatcher.run(stop),), daemon=True)
        runner.start()
        stack.callback(lambda: (loop.call_soon_threadsafe(stop.set), runner.join(30)))
        return []
    env = os.environ | {f"AIRWARN_{k.upper()}": str(v) for k, v in {
        "db": settings.db, "keys_dir": settings.keys_dir, "sms_url": settings.sms_url,
        "webhook_secret": settings.webhook_secret, "outbound_allow": settings.outbound_allow,
        "vapid_private_key": settings.vapid_private_key, "sms_batch": settings.sms_batch,
        "bus": settings.bus}.items()}
    procs = [subprocess.Popen([sys.executable, "-m", "airwarn.cli", "dispatch"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for _ in range(args.dispatchers)]
    for proc in procs:
        stack.callback(lambda p=proc: (p.terminate(), p.wait(30)))
    return [p.pid for p in procs]


if __name__ == "__main__":
    main()
