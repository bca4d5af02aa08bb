"""Issuing at scale: N subscribers in the database, then a district and a region-wide alert through the real
use case (`services.submit_report`, an official report, issued without a second person).

Subscribers: the realistic mix of bench/population.py. Reported per alert: the whole use case, its transaction
(BEGIN to COMMIT done), the time inside the fan-out, the inserts inside the transaction (outbox rows and fan-out
jobs), the rows the transaction wrote, and then the expansion of its fan-out jobs into per-target outbox rows
(the work that used to be inside the transaction): time to the first shard committed, to all, and the rows.

With `--deliver S`, a node's real dispatcher (`dispatcher_from_settings`: expander + SMS, webhook and Web Push
channels) runs in this process against local stub receivers (bench/stub_receivers.py, another process), and
the region-wide alert is followed for up to S seconds: commit → first SMS / push / webhook request at the
receivers, all jobs expanded, and rows handed to their channels (delivered) over time.

With `--simulate N` (no database for subscribers), N subscribers are built straight into one node's
subscriber copy; reported: memory, and the time to expand a region-wide alert's 96 jobs into target columns.
Run: python bench/issuing_scale.py [--n 200000] [--db postgresql+psycopg://postgres@127.0.0.1:5432/test]
     [--deliver 120] | --simulate 10000000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench.population; tests.integration.nodes: pg_schema

import httpx  # noqa: E402
from bench.population import insert_subscribers, subscriber_rows  # noqa: E402
from bench.stub_receivers import running  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

from airwarn.delivery.channels.webpush import generate_vapid  # noqa: E402
from airwarn.delivery.expansion import Expander  # noqa: E402
from airwarn.delivery.fanout import ChannelFanout, covered_districts, subscriber_columns  # noqa: E402
from airwarn.delivery.subscriber_cache import SubscriberCache  # noqa: E402
from airwarn.domain.targeting import SUBSCRIBER_CHANNELS  # noqa: E402
from airwarn.domain.users import Role, User  # noqa: E402
from airwarn.keyring import init_keys  # noqa: E402
from airwarn.service_layer import services  # noqa: E402
from airwarn.service_layer.bootstrap import build_deps  # noqa: E402
from airwarn.service_layer.deps import Deps  # noqa: E402
from airwarn.service_layer.intake import ReportDraft  # noqa: E402
from airwarn.settings import Settings  # noqa: E402
from airwarn.store import tables as t  # noqa: E402
from airwarn.store.fanout_tables import fanout_jobs  # noqa: E402
from airwarn.store.repository import Repository  # noqa: E402


class Stopwatch:
    """Adds up the time spent in wrapped calls, per label."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.ms[label] = self.ms.get(label, 0.0) + (time.perf_counter() - t0) * 1000

        return timed


@contextlib.contextmanager
def transactions_ms(engine: Any) -> Iterator[list[float]]:
    """Durations of the transactions this thread runs meanwhile: from BEGIN to the connection's return to the
    pool, which follows the COMMIT (the use case's after-commit work, e.g. the live hand-off, comes later)."""
    me, began, spans = threading.get_ident(), {}, []

    def on_begin(conn: Any) -> None:
        if threading.get_ident() == me:
            began[id(conn.connection.dbapi_connection)] = time.perf_counter()

    def on_checkin(dbapi_connection: Any, _record: Any) -> None:
        t0 = began.pop(id(dbapi_connection), None)
        if t0 is not None:
            spans.append((time.perf_counter() - t0) * 1000)

    event.listen(engine, "begin", on_begin)
    event.listen(engine.pool, "checkin", on_checkin)
    try:
        yield spans
    finally:
        event.remove(engine, "begin", on_begin)
        event.remove(engine.pool, "checkin", on_checkin)


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str]:
    """The given PostgreSQL in a private schema (dropped afterwards), or a fresh SQLite file."""
    if url:
        os.environ["AIRWARN_TEST_POSTGRES_URL"] = url
        from tests.integration import nodes

        nodes.POSTGRES_URL = url
        with nodes.pg_schema() as schema_url:
            yield schema_url
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"


def rss_mb() -> float:
    """This process's resident memory now (MiB)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


RECEIVER_PID: list[int] = []


@contextlib.contextmanager
def receivers() -> Iterator[str]:
    """The stub receivers in their own process; yields their base URL (its pid in RECEIVER_PID)."""
    with running() as (base, pid):
        RECEIVER_PID[:] = [pid]
        yield base


def stats(base: str) -> dict[str, Any]:
    return dict(httpx.get(f"{base}/stats", timeout=10).json())


def job_progress(deps: Deps, alert_id: str) -> tuple[int, int, int]:
    """(jobs, jobs expanded, subscriber outbox rows delivered) of one alert."""
    with deps.uow.engine.connect() as conn:
        states = dict(conn.execute(select(fanout_jobs.c.state, func.count()).where(
            fanout_jobs.c.alert_id == alert_id).group_by(fanout_jobs.c.state)).all())
        delivered = conn.execute(select(func.count()).select_from(t.outbox).where(
            (t.outbox.c.alert_id == alert_id) & (t.outbox.c.state == "delivered")
            & t.outbox.c.channel.in_(sorted(SUBSCRIBER_CHANNELS)))).scalar_one()
    return sum(states.values()), states.get("expanded", 0), int(delivered)


def subscriber_row_count(deps: Deps, alert_id: str) -> int:
    with deps.uow.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.outbox).where(
            (t.outbox.c.alert_id == alert_id) & t.outbox.c.channel.in_(sorted(SUBSCRIBER_CHANNELS)))).scalar_one())


def outbox_count(deps: Deps, alert_id: str) -> int:
    with deps.uow.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.outbox)
                                .where(t.outbox.c.alert_id == alert_id)).scalar_one())


def expand_timed(deps: Deps, cache: SubscriberCache | None) -> tuple[float, float]:
    """Expand every due job in this process as a dispatcher does: (s to the first commit, s to all)."""
    t0 = time.perf_counter()
    first: list[float] = []
    expander = Expander(deps.uow.engine, cache, on_expanded=lambda _rows: first.append(time.perf_counter() - t0))
    expander.run_until_idle()
    return (first[0] if first else 0.0), time.perf_counter() - t0


DRAFTS = (
    ("first alert (district, cold)", ReportDraft(kind="interception", region="RU-ROS", source_type="official",
                                                 districts=["Sholokhovsky"])),
    ("district (Millerovsky)", ReportDraft(kind="interception", region="RU-ROS", source_type="official",
                                           districts=["Millerovsky"])),
)
REGION = ("region-wide (Rostov)", ReportDraft(kind="regime_declared", region="RU-ROS", source_type="official",
                                              regime="drone_hazard"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--db", default=None, help="a PostgreSQL URL; default: a fresh SQLite file")
    ap.add_argument("--deliver", type=float, default=0.0,
                    help="run a dispatcher against local stub receivers and follow the region-wide alert this long (s)")
    ap.add_argument("--simulate", type=int, default=0, help="N subscribers in one node's copy only (no database)")
    ap.add_argument("--sms-batch", type=int, default=1, help="AIRWARN_SMS_BATCH: SMS per request to the gateway")
    ap.add_argument("--concurrency", type=int, default=256, help="AIRWARN_DISPATCH_CONCURRENCY")
    ap.add_argument("--empty", type=int, default=0,
                    help="K alerts with no subscriber at all: CPU, statements and transactions of their expansion")
    args = ap.parse_args()
    console = Console()
    if args.empty:
        empty_cost(console, args.db, args.empty)
        return
    if args.simulate:
        simulate(console, args.simulate)
        return
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(database(args.db))
        keys = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        base = stack.enter_context(receivers()) if args.deliver else None
        init_keys(keys)
        extra: dict[str, Any] = {}
        if base:
            extra = {"sms_url": f"{base}/sms", "webhook_secret": "bench-webhook-secret-key", "outbound_allow": base,
                     "vapid_private_key": generate_vapid()[0], "dispatch_concurrency": args.concurrency}
            if args.sms_batch > 1:
                extra["sms_batch"] = args.sms_batch
        settings = Settings(db=url, keys_dir=keys, approval_severity="Extreme", **extra)
        deps = build_deps(settings)
        t0 = time.perf_counter()
        insert_subscribers(deps.uow.engine, deps.territory, args.n, base_url=base)
        console.print(f"{args.n:,} subscribers inserted in {time.perf_counter() - t0:.1f} s ({url.split('?')[0]})")
        assert isinstance(deps.fanout, ChannelFanout)
        cache = deps.fanout.subscribers
        rss0, t0 = rss_mb(), time.perf_counter()
        deps.fanout.warm(deps.uow)  # as a starting node does, in the background
        deps.territory.shape_ahead()  # likewise
        console.print(f"subscriber copy loaded in {time.perf_counter() - t0:.1f} s, +{rss_mb() - rss0:,.0f} MiB "
                      f"(process {rss_mb():,.0f} MiB)")
        table = issue_table(console, deps, cache, args)
        if base:
            follow(console, deps, settings, base, args.deliver)
        else:
            issue_one(deps, table, cache, *REGION)
        console.print(table)
        console.print(json.dumps({"load_avg_1m": os.getloadavg()[0], "cpus": os.cpu_count()}))
        deps.uow.engine.dispose()


def issue_table(console: Console, deps: Deps, cache: SubscriberCache, args: argparse.Namespace) -> Table:
    """Issue the district alerts (expanded right away) into a table the region-wide one joins."""
    table = Table(title=f"issuing with {args.n:,} subscribers, load {os.getloadavg()[0]:.2f}")
    for col in ("alert", "use case", "its transaction", "fan-out", "inserts in txn", "rows in txn (outbox + jobs)",
                "expand: first shard / all", "outbox rows after"):
        table.add_column(col, justify="left" if col == "alert" else "right")
    for label, draft in DRAFTS:
        issue_one(deps, table, cache, label, draft)
    return table


def issue_one(deps: Deps, table: Table, cache: SubscriberCache, label: str, draft: ReportDraft) -> str:
    ms, ids, rows_in_txn, watch = timed_issue(deps, draft)
    first_s, all_s = expand_timed(deps, cache)
    rows = sum(outbox_count(deps, i) for i in ids)
    table.add_row(label, f"{ms:,.0f} ms", f"{watch.ms['transaction']:,.0f} ms", f"{watch.ms.get('fanout', 0):,.1f} ms",
                  f"{watch.ms.get('insert', 0):,.1f} ms", f"{rows_in_txn:,}",
                  f"{first_s * 1000:,.0f} ms / {all_s:,.2f} s", f"{rows:,}")
    return ids[0] if ids else ""


def timed_issue(deps: Deps, draft: ReportDraft) -> tuple[float, list[str], int, Stopwatch]:
    """Issue through the use case with the fan-out and the inserts timed; the rows its transaction wrote."""
    watch = Stopwatch()
    fanout = deps.fanout
    deps.fanout = watch.wrap("fanout", fanout)
    originals = {m: getattr(Repository, m) for m in dir(Repository) if m.startswith("add_outbox")}
    for name, fn in originals.items():
        setattr(Repository, name, watch.wrap("insert", fn))
    try:
        with transactions_ms(deps.uow.engine) as spans:
            t0 = time.perf_counter()
            outcome = services.submit_report(deps, draft, User("bench", Role.OPERATOR))
            ms = (time.perf_counter() - t0) * 1000
        watch.ms["transaction"] = spans[0]  # the decision's; the chainer's own follows it
    finally:
        deps.fanout = fanout
        for name, fn in originals.items():
            setattr(Repository, name, fn)
    ids = [a["identifier"] for a in outcome.alerts if a["state"] == "issued"]
    in_txn = 0
    with deps.uow.engine.connect() as conn:
        for i in ids:
            in_txn += int(conn.execute(select(func.count()).select_from(fanout_jobs)
                                       .where(fanout_jobs.c.alert_id == i)).scalar_one())
    return ms, ids, in_txn + sum(outbox_count(deps, i) for i in ids), watch


def follow(console: Console, deps: Deps, settings: Settings, base: str, seconds: float) -> None:
    """A node's dispatcher in a thread of this process; the region-wide alert issued, then followed."""
    from airwarn.delivery.wiring import dispatcher_from_settings

    dispatcher = dispatcher_from_settings(settings, deps)
    expand_cpu = [0.0]  # CPU of the expander's runs (each in one worker thread): left out of the sending's
    run_once = dispatcher.expander.run_once

    def timed_run_once(*args: Any, **kwargs: Any) -> int:
        t0 = time.thread_time()
        try:
            return run_once(*args, **kwargs)
        finally:
            expand_cpu[0] += time.thread_time() - t0

    dispatcher.expander.run_once = timed_run_once  # type: ignore[method-assign]
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    runner = threading.Thread(target=loop.run_until_complete, args=(dispatcher.run(stop),), daemon=True)
    runner.start()
    while True:  # the district alerts' rows are sent first; then the receivers start counting afresh
        time.sleep(1.0)
        with deps.uow.engine.connect() as conn:
            left = conn.execute(select(func.count()).select_from(t.outbox).where(
                (t.outbox.c.state == "pending") & t.outbox.c.channel.in_(sorted(SUBSCRIBER_CHANNELS)))).scalar_one()
        if not left:
            break
    httpx.post(f"{base}/reset", timeout=10)
    before: dict[str, int] = {}
    cpu0, rcpu0, load0 = time.process_time(), cpu_s(RECEIVER_PID[0]), os.getloadavg()[0]
    main0, expand_cpu[0] = time.thread_time(), 0.0
    started = time.time()
    ms, ids, rows_in_txn, watch = timed_issue(deps, REGION[1])
    committed = time.time()
    console.print(f"region-wide alert: use case {ms:,.0f} ms, its transaction {watch.ms['transaction']:,.0f} ms "
                  f"with {rows_in_txn:,} rows")
    alert_id, expanded_at, t_end = ids[0], None, committed + seconds
    samples: list[tuple[float, int, int]] = []
    while time.time() < t_end:
        time.sleep(1.0)
        jobs, expanded, delivered = job_progress(deps, alert_id)
        now = time.time() - committed
        samples.append((now, expanded, delivered))
        if expanded == jobs and expanded_at is None:
            expanded_at = now
            rows = outbox_count(deps, alert_id)
            console.print(f"all {jobs} jobs expanded {now:.1f} s after commit: {rows:,} outbox rows")
        if expanded == jobs and delivered >= subscriber_row_count(deps, alert_id):  # (siren rows wait: no MQTT here)
            break
    cpu, rcpu = time.process_time() - cpu0, cpu_s(RECEIVER_PID[0]) - rcpu0
    sending = cpu - expand_cpu[0] - (time.thread_time() - main0)  # the bench's own polling left out too
    handed_rates(console, deps, alert_id, committed, (cpu, sending), rcpu, (load0, os.getloadavg()[0]))
    with deps.uow.engine.connect() as conn:
        states = conn.execute(select(t.outbox.c.channel, t.outbox.c.state, func.count()).where(
            t.outbox.c.alert_id == alert_id).group_by(t.outbox.c.channel, t.outbox.c.state)).all()
    with deps.uow.engine.connect() as conn:
        first_shard = conn.execute(select(func.min(fanout_jobs.c.expanded_at)).where(
            (fanout_jobs.c.alert_id == alert_id) & (fanout_jobs.c.targets > 0))).scalar_one()
    if first_shard is not None:
        console.print(f"first shard with targets committed {(first_shard.timestamp() - committed) * 1000:,.0f} ms "
                      "after the use case returned")
    console.print("outbox rows by channel and state: " + ", ".join(f"{c}/{s}: {k:,}" for c, s, k in states))
    got = stats(base)
    for kind in ("sms", "push", "hook"):
        first = got["first"].get(kind)
        lag = f"{(first - committed) * 1000:,.0f} ms after the use case returned " \
              f"({(first - started) * 1000:,.0f} ms after it began)" if first else "none"
        console.print(f"first {kind} request: {lag}; {got['counts'].get(kind, 0) - before.get(kind, 0):,} requests")
    for at, expanded, delivered in samples[:: max(1, len(samples) // 12)] + samples[-1:]:
        console.print(f"  {at:6.1f} s: {expanded} jobs expanded, {delivered:,} subscriber rows delivered")
    loop.call_soon_threadsafe(stop.set)
    runner.join(60)


def empty_cost(console: Console, db: str | None, k: int) -> None:
    """K district alerts on a node with no subscriber (as bench/ingest.py): after each, the node's expander
    runs as its loop does after the alert's event (until a batch comes back empty or short); its process CPU
    time, SQL statements and transactions per alert. The first alert (cold: copy load) is left out."""
    from sqlalchemy import event

    with contextlib.ExitStack() as stack:
        url = stack.enter_context(database(db))
        keys = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        init_keys(keys)
        deps = build_deps(Settings(db=url, keys_dir=keys, approval_severity="Extreme"))
        assert isinstance(deps.fanout, ChannelFanout)
        deps.fanout.warm(deps.uow)
        expander = Expander(deps.uow.engine, deps.fanout.subscribers)
        counts = {"statements": 0, "transactions": 0}

        def statement(*_args: Any) -> None:
            counts["statements"] += 1

        def transaction(*_args: Any) -> None:
            counts["transactions"] += 1

        event.listen(deps.uow.engine, "before_cursor_execute", statement)
        event.listen(deps.uow.engine, "begin", transaction)
        codes = [d.name_en for d in deps.territory.districts_of("RU-ROS")]
        cpu, alerts, jobs = 0.0, 0, 0
        spent = {"statements": 0, "transactions": 0}
        for i in range(k + 1):
            draft = ReportDraft(kind="interception", region="RU-ROS", source_type="official",
                                districts=[codes[i % len(codes)]])
            issued = [a for a in services.submit_report(deps, draft, User("bench", Role.OPERATOR)).alerts
                      if a["state"] == "issued"]
            if i == 0:
                expander.run_until_idle()
                continue
            before, t0 = dict(counts), time.process_time()
            jobs += expander.run_until_idle()
            cpu += time.process_time() - t0
            for key in counts:
                spent[key] += counts[key] - before[key]
            alerts += len(issued)
        event.remove(deps.uow.engine, "before_cursor_execute", statement)
        event.remove(deps.uow.engine, "begin", transaction)
        with deps.uow.engine.connect() as conn:
            left = conn.execute(select(func.count()).select_from(fanout_jobs)
                                .where(fanout_jobs.c.state == "pending")).scalar_one()
        console.print(json.dumps({
            "alerts": alerts, "jobs": jobs, "pending_left": left, "db": url.split(":")[0],
            "expansion_cpu_ms_per_alert": round(cpu * 1000 / max(alerts, 1), 3),
            "statements_per_alert": round(spent["statements"] / max(alerts, 1), 2),
            "transactions_per_alert": round(spent["transactions"] / max(alerts, 1), 2),
            "load_avg_1m": os.getloadavg()[0]}))
        deps.uow.engine.dispose()


def handed_rates(console: Console, deps: Deps, alert_id: str, committed: float, cpu: tuple[float, float],
                 rcpu: float, load: tuple[float, float]) -> None:
    """Rows handed (delivered) per channel: count, seconds from commit to the last, targets/s; and CPU: the
    node's process (expansion included), its sending alone (claims, requests, records), the receivers'."""
    with deps.uow.engine.connect() as conn:
        found = conn.execute(select(t.outbox.c.channel, func.count(), func.max(t.outbox.c.delivered_at)).where(
            (t.outbox.c.alert_id == alert_id) & (t.outbox.c.state == "delivered")
            & t.outbox.c.channel.in_(sorted(SUBSCRIBER_CHANNELS))).group_by(t.outbox.c.channel)).all()
    total, last_all = 0, 0.0
    rates = {}
    for channel, n, last in found:
        span = max(1e-3, last.timestamp() - committed)
        total, last_all = total + n, max(last_all, span)
        rates[channel] = {"handed": n, "last_s": round(span, 1), "per_s": round(n / span)}
    summary = {"handed": total, "last_s": round(last_all, 1), "per_s": round(total / max(last_all, 1e-3)),
               "node_cpu_s": round(cpu[0], 1), "node_cpu_us_per_target": round(cpu[0] * 1e6 / max(total, 1)),
               "sending_cpu_us_per_target": round(cpu[1] * 1e6 / max(total, 1)),
               "receiver_cpu_s": round(rcpu, 1), "load_1m_start_end": load}
    print("handed per channel: " + json.dumps(rates), flush=True)  # one line each, unwrapped
    print("handed, all channels: " + json.dumps(summary), flush=True)


def simulate(console: Console, n: int) -> None:
    """N subscribers in one node's copy (built from the population rows, as a load from the database would),
    and a region-wide alert's jobs expanded into target columns. Writing them is measured at 1,000,000."""
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as keys:
        init_keys(Path(keys))
        deps = build_deps(Settings(db=f"sqlite:///{Path(tmp) / 'sim.db'}", keys_dir=Path(keys),
                                   approval_severity="Extreme"))
        deps.fanout = ChannelFanout(deps.territory)  # subscribers come only from the simulated copy
        rss0, t0 = rss_mb(), time.perf_counter()
        cache = SubscriberCache()
        rows = []
        for chunk in subscriber_rows(deps.territory, n):
            rows += [(r["id"], r["lat"], r["lon"], json.dumps(r["districts"]),
                      ",".join(c["channel"] for c in r["channels"]), json.dumps(r["threat_kinds"]), r["min_severity"],
                      r["quiet_start"], r["quiet_end"], r["timezone"], "false", r["state"], 0)
                     for r in chunk if r["state"] == "active"]
        built_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        cache._base = cache._segment(rows)  # what SubscriberCache.refresh builds from the database rows
        cache._base_row = {sub_id: i for i, sub_id in enumerate(cache._base.ids.tolist())}
        cache.mark = 0
        del rows
        console.print(f"{n:,} subscribers ({len(cache):,} active): rows made in {built_s:.0f} s, copy built in "
                      f"{time.perf_counter() - t0:.0f} s; copy {rss_mb() - rss0:,.0f} MiB "
                      f"(process {rss_mb():,.0f} MiB)")
        outcome = services.submit_report(deps, REGION[1], User("bench", Role.OPERATOR))
        alert_id = outcome.alerts[0]["identifier"]
        with deps.uow.read() as repo:
            alert = repo.alert(alert_id)[0]  # type: ignore[index]
            districts = covered_districts(alert, deps.territory)
            t0 = time.perf_counter()
            matched = cache.match(repo.conn, alert, districts)
        match_s = time.perf_counter() - t0
        t0, total, first = time.perf_counter(), 0, 0.0
        for shard in range(32):
            for channel in sorted(SUBSCRIBER_CHANNELS):
                total += len(subscriber_columns(matched, alert, False, channel, shard, 32).targets)
                first = first or time.perf_counter() - t0
        console.print(f"region-wide alert: match {match_s:.1f} s (once per node and alert), first job's column "
                      f"{first * 1000:.0f} ms, all 96 columns {time.perf_counter() - t0:.1f} s: {total:,} targets; "
                      f"process {rss_mb():,.0f} MiB")
        console.print(json.dumps({"load_avg_1m": os.getloadavg()[0], "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()
