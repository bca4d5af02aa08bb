"""Live fan-out benchmark: N concurrent WebSocket clients on `airwarn serve` nodes; each alert must reach all
of them. Latency is from just before the report is POSTed to the moment a client has the alert's `alert`
event (the report is decided, the signed CAP alert committed with its outbox rows, the issuing node hands
the alert to the bus right after the commit, each node writes it to its sockets). Memory per connection is
the servers' RSS growth from no clients to N idle clients, divided by N.

Clients run in `--procs` processes (one asyncio loop each), half unfiltered and half filtered to the
alert's district. `--nodes N` (N > 1) starts nodes sharing NATS JetStream and a PostgreSQL schema
($AIRWARN_TEST_NATS_URL, $AIRWARN_TEST_POSTGRES_URL) and spreads the client processes over them; reports go
to the first. `--subscribers N` first puts N subscribers (bench/population.py) into the database, so each
alert also writes their outbox rows before the live hand-off; `--region` declares the regime for the whole
Rostov region instead of Millerovsky. Run: python bench/live_fanout.py [--clients 10000] [--procs 2]
[--alerts 5] [--nodes 1] [--subscribers 200000] [--region]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import multiprocessing as mp
import os
import shutil
import statistics
import struct
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench.population; tests.integration.nodes

from bench.population import insert_subscribers  # noqa: E402
from tests.integration.nodes import NATS_URL, Node, add_users, drop_stream, pg_schema, prepare  # noqa: E402

from airwarn.service_layer.bootstrap import build_deps  # noqa: E402
from airwarn.settings import Settings  # noqa: E402

DISTRICT = "RU-ROS-MILLEROVSKY"


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class RawClient(asyncio.Protocol):
    """A minimal RFC 6455 client: handshake, then it timestamps every text frame and answers pings. It
    keeps the bench's own CPU low (the clients share the box with the server) and offers no compression."""

    def __init__(self, path: str, host: str, inbox: list[tuple[float, bytes]], opened: asyncio.Future[None]) -> None:
        self.path, self.host, self.inbox, self.opened = path, host, inbox, opened
        self.buf = b""
        self.upgraded = False
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write((f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
                         f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                        .encode())

    def data_received(self, data: bytes) -> None:
        t = time.monotonic()
        self.buf += data
        if not self.upgraded:
            head, sep, rest = self.buf.partition(b"\r\n\r\n")
            if not sep:
                return
            if not head.startswith(b"HTTP/1.1 101"):
                self.opened.set_exception(RuntimeError(head[:80].decode(errors="replace")))
                return
            self.upgraded, self.buf = True, rest
            self.opened.set_result(None)
        while len(self.buf) >= 2:
            opcode, size, at = self.buf[0] & 0x0F, self.buf[1] & 0x7F, 2
            if size == 126:
                if len(self.buf) < 4:
                    return
                size, at = struct.unpack("!H", self.buf[2:4])[0], 4
            elif size == 127:
                if len(self.buf) < 10:
                    return
                size, at = struct.unpack("!Q", self.buf[2:10])[0], 10
            if len(self.buf) < at + size:
                return
            payload, self.buf = self.buf[at:at + size], self.buf[at + size:]
            if opcode == 0x1:
                self.inbox.append((t, payload))
            elif opcode == 0x9:  # ping → masked pong with the same payload
                mask = os.urandom(4)
                masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + mask + masked)


def client_proc(kind: str, url: str, n: int, offset: int, ready: Any, got: Any, done: Any, out: Any) -> None:
    """One client process: open `n` sockets; keep (receipt time, frame) of every message; count alerts."""
    inbox: list[tuple[float, bytes]] = []
    marker = b'"delivery": "issued"'

    async def open_raw(i: int, gate: asyncio.Semaphore) -> Any:
        parts = urlsplit(url)
        path = f"{parts.path}?{parts.query}" + (f"&district={DISTRICT}" if (offset + i) % 2 else "")
        async with gate:
            for attempt in range(20):
                opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                try:
                    transport, _ = await asyncio.get_running_loop().create_connection(
                        lambda f=opened: RawClient(path, parts.netloc, inbox, f), parts.hostname, parts.port)
                    await asyncio.wait_for(opened, 60)
                    return transport
                except (OSError, TimeoutError, RuntimeError):
                    await asyncio.sleep(0.2 * (attempt + 1))
        raise RuntimeError("could not connect")

    async def open_lib(i: int, gate: asyncio.Semaphore) -> Any:
        import websockets

        query = f"&district={DISTRICT}" if (offset + i) % 2 else ""
        async with gate:
            for attempt in range(20):
                try:
                    ws = await websockets.connect(f"{url}{query}", ping_interval=None, open_timeout=60)
                except (OSError, TimeoutError, websockets.exceptions.WebSocketException):
                    await asyncio.sleep(0.2 * (attempt + 1))
                    continue

                async def read(sock: Any) -> None:
                    async for raw in sock:
                        inbox.append((time.monotonic(), raw.encode() if isinstance(raw, str) else raw))

                asyncio.get_running_loop().create_task(read(ws))
                return ws
        raise RuntimeError("could not connect")

    async def main() -> None:
        gate = asyncio.Semaphore(200)
        opener = open_raw if kind == "raw" else open_lib
        conns = await asyncio.gather(*(opener(i, gate) for i in range(n)))
        ready.put(len(conns))
        seen = 0
        while not done.is_set():  # count alert frames as they come (one writer per counter)
            fresh = inbox[seen:]
            seen += len(fresh)
            got.value += sum(1 for _, frame in fresh if marker in frame)
            await asyncio.sleep(0.005)
        records = []
        for t, frame in inbox:
            message = json.loads(frame)
            payload = message["payload"]
            if message["topic"] == "alert" and payload.get("delivery") == "issued":
                records.append(("alert", payload["identifier"], t))
            elif message["topic"] == "report":
                records += [("report", a["identifier"], t) for a in payload.get("alerts", [])]
        for conn in conns:
            closing = conn.close()
            if asyncio.iscoroutine(closing):
                closing.close()  # the library's close handshake is not needed: the process ends
        out.put(records)

    asyncio.run(main())


def populate(env: dict[str, str], n: int) -> None:
    """Put N subscribers into the node's (prepared) database before it starts."""
    deps = build_deps(Settings(db=env["AIRWARN_DB"], keys_dir=Path(env["AIRWARN_KEYS_DIR"])))
    t0 = time.monotonic()
    insert_subscribers(deps.uow.engine, deps.territory, n)
    deps.uow.engine.dispose()
    print(f"{n:,} subscribers inserted in {time.monotonic() - t0:.1f} s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=10_000)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--alerts", type=int, default=5)
    ap.add_argument("--topics", default="", help="e.g. alert: clients ask for alert events only")
    ap.add_argument("--client", choices=("raw", "websockets"), default="raw",
                    help="raw: a minimal client, no compression; websockets: the library, offering "
                         "permessage-deflate as browsers do (costs the server a compressor per socket)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for one alert to reach all")
    ap.add_argument("--subscribers", type=int, default=0, help="subscribers in the node's database")
    ap.add_argument("--region", action="store_true", help="region-wide alerts (Rostov) instead of Millerovsky")
    ap.add_argument("--nodes", type=int, default=1,
                    help="API nodes; more than one share NATS JetStream ($AIRWARN_TEST_NATS_URL) and a PostgreSQL "
                         "schema ($AIRWARN_TEST_POSTGRES_URL); clients spread over them, reports go to the first")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="airwarn-live-"))
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, work, ignore_errors=True)  # a run with --subscribers leaves hundreds of MB
        env = {"AIRWARN_DB": f"sqlite:///{work / 'live.db'}", "AIRWARN_KEYS_DIR": str(work / "keys"),
               "AIRWARN_APPROVAL_SEVERITY": "Extreme", "AIRWARN_BUS": "memory://",
               # every bench client comes from 127.0.0.1: lift the per-address caps meant for the internet
               "AIRWARN_CONN_PER_ADDRESS": "100000", "AIRWARN_LIVE_PER_ADDRESS": "100000",
               "AIRWARN_CONN_TOTAL": "100000", "AIRWARN_LIVE_TOTAL": "100000", "AIRWARN_RATE_ADDRESS": "unlimited"}
        if args.nodes > 1:
            stream = f"AWBENCH_{uuid.uuid4().hex[:10]}"
            env["AIRWARN_DB"] = stack.enter_context(pg_schema())
            env["AIRWARN_BUS"] = f"{NATS_URL}?stream={stream}"
            stack.callback(lambda: asyncio.run(drop_stream(stream)))
        rounds, records, connected = run(args, env, work)
    report_latencies(rounds, records, connected)


def run(args: argparse.Namespace, env: dict[str, str], work: Path
        ) -> tuple[list[tuple[float, float, str]], list[tuple[str, str, float]], int]:
    """Start the nodes and the clients, send the alerts; (rounds, client records, clients connected)."""
    prepare(env)
    if args.subscribers:
        populate(env, args.subscribers)
    nodes = [Node(env, work / f"node{i}.log").launch() for i in range(args.nodes)]
    try:
        [token] = add_users(env, ("bench", "operator"))
        for node in nodes:
            node.wait()
        query = "/api/v1/live?" + (f"topics={args.topics}" if args.topics else "")
        ws_urls = [node.url.replace("http://", "ws://") + query for node in nodes]
        http = httpx.Client(base_url=nodes[0].url, headers={"Authorization": f"Bearer {token}"}, timeout=60)

        def report(kind: str) -> tuple[float, float, str]:
            body = {"kind": kind, "region": "RU-ROS", "districts": [] if args.region else ["Millerovsky"],
                    "regime": "drone_hazard", "source": {"type": "official", "name": "bench"}}
            t0 = time.monotonic()
            r = http.post("/api/v1/reports", json=body)
            assert r.status_code == 201, r.text
            return t0, time.monotonic(), r.json()["alerts"][0]["identifier"]

        report("regime_declared")  # warm the code paths, then quiet nodes
        report("regime_lifted")
        time.sleep(1.0)
        pids = [node.proc.pid for node in nodes if node.proc is not None]
        base_kb = sum(rss_kb(pid) for pid in pids)
        ctx = mp.get_context("spawn")
        ready, out, done = ctx.Queue(), ctx.Queue(), ctx.Event()
        counters = [ctx.Value("i", 0, lock=False) for _ in range(args.procs)]
        shares = [args.clients // args.procs + (1 if i < args.clients % args.procs else 0) for i in range(args.procs)]
        t_conn = time.monotonic()
        procs = [ctx.Process(target=client_proc, args=(args.client, ws_urls[i % len(ws_urls)], n, sum(shares[:i]),
                                                       ready, counters[i], done, out))
                 for i, n in enumerate(shares)]
        try:
            for p in procs:
                p.start()
            connected = sum(ready.get(timeout=600) for _ in procs)
            connect_s = time.monotonic() - t_conn
            time.sleep(2.0)
            conn_kb = sum(rss_kb(pid) for pid in pids)
            mode = "websockets library, permessage-deflate" if args.client == "websockets" else "raw, no compression"
            mode += f", topics={args.topics}" if args.topics else ", all topics"
            where = f"{len(nodes)} nodes on NATS + PostgreSQL" if len(nodes) > 1 else "one node"
            print(f"{connected:,} clients ({mode}, {where}) connected in {connect_s:.1f} s; "
                  f"server RSS {base_kb / 1024:.0f} MiB -> "
                  f"{conn_kb / 1024:.0f} MiB = {(conn_kb - base_kb) / connected:.1f} KiB per connection")
            rounds: list[tuple[float, float, str]] = []
            for i in range(args.alerts):
                expected = connected * (i + 1)
                rounds.append(report("regime_declared" if i % 2 == 0 else "regime_lifted"))
                deadline = time.monotonic() + args.timeout
                while sum(c.value for c in counters) < expected and time.monotonic() < deadline:
                    time.sleep(0.01)
                print(f"alert {i + 1}: {sum(c.value for c in counters) - connected * i:,}/{connected:,} clients "
                      f"in {time.monotonic() - rounds[-1][0]:.2f} s (POST answered in "
                      f"{(rounds[-1][1] - rounds[-1][0]) * 1000:.0f} ms)")
                time.sleep(0.5)
            peak_kb = sum(rss_kb(pid) for pid in pids)
            done.set()
            records = [r for _ in procs for r in out.get(timeout=120)]
        finally:
            done.set()
            for p in procs:
                p.join(timeout=30)
                if p.is_alive():
                    p.kill()
        print(f"server RSS after the alerts: {peak_kb / 1024:.0f} MiB; machine: {os.cpu_count()} cores")
        return rounds, records, connected
    finally:
        for node in nodes:
            node.kill()


def report_latencies(rounds: list[tuple[float, float, str]], records: list[tuple[str, str, float]],
                     connected: int) -> None:
    sent_at = {identifier: t0 for t0, _, identifier in rounds}
    lat = {"alert": [], "report": []}  # type: dict[str, list[float]]
    for topic, identifier, t in records:
        if identifier in sent_at:
            lat[topic].append((t - sent_at[identifier]) * 1000)
    reached = len(lat["alert"])
    print(f"alerts: {len(rounds)}; deliveries {reached:,}/{connected * len(rounds):,}")
    for topic, values in lat.items():
        if values:
            print(f"  {topic:6} event: p50 {percentile(values, 0.5):.0f} ms, p99 {percentile(values, 0.99):.0f} ms, "
                  f"max {max(values):.0f} ms, mean {statistics.fmean(values):.0f} ms")


if __name__ == "__main__":
    main()
