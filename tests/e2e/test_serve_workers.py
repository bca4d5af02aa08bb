"""`airwarn serve --workers 2` on PostgreSQL and NATS: reports posted to the shared port are decided by
either process, every issued alert reaches every live client once, and the database and the audit chain
hold each exactly once; without NATS and PostgreSQL the start is refused with a reason."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select

from airwarn.store import tables as t
from airwarn.store.engine import make_engine
from tests.integration.nodes import (
    NATS_URL,
    POSTGRES_URL,
    Node,
    add_users,
    answers,
    cli,
    drop_stream,
    pg_schema,
    prepare,
)

DISTRICTS = ("Millerovsky", "Sholokhovsky", "Chertkovsky", "Verkhnedonskoy")
PER_DISTRICT = 6  # declare, lift, declare…: every report issues one alert
LISTENERS = 6  # several sockets, so both processes have some (the kernel spreads accepted connections)


def test_more_than_one_worker_without_nats_and_postgresql_is_refused(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "airwarn.cli", "serve", "--workers", "2"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path),
                               "AIRWARN_DB": f"sqlite:///{tmp_path / 'a.db'}", "AIRWARN_BUS": "memory://"})
    assert done.returncode == 2
    assert done.stderr.startswith("Error: --workers 2:") and "nats://" in done.stderr and "PostgreSQL" in done.stderr
    assert not (tmp_path / "a.db").exists()  # refused before anything was created


@pytest.mark.postgres
@pytest.mark.timeout(400)
@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL not configured: set AIRWARN_TEST_POSTGRES_URL")
@pytest.mark.skipif(not answers(NATS_URL, 4222), reason=f"no NATS server at {NATS_URL} (AIRWARN_TEST_NATS_URL)")
def test_two_workers_share_the_port_and_every_alert_arrives_once(tmp_path: Path) -> None:
    stream = f"AWWRK_{uuid.uuid4().hex[:10]}"
    with pg_schema() as db:
        env = {"AIRWARN_DB": db, "AIRWARN_KEYS_DIR": str(tmp_path / "keys"), "AIRWARN_APPROVAL_SEVERITY": "Extreme",
               "AIRWARN_BUS": f"{NATS_URL}?stream={stream}", "AIRWARN_PUBLIC_URL": "http://127.0.0.1"}
        prepare(env)
        [operator] = add_users(env, ("olga", "operator"))
        node = Node(env, tmp_path / "node.log", args=("--workers", "2"))
        pids: list[int] = []
        try:
            node.start(180)  # three processes import and start on a shared, loaded machine
            assert node.proc is not None
            pids = workers_of(node.proc.pid)
            assert len(pids) == 2
            issued, heard = asyncio.run(asyncio.wait_for(_scenario(node, operator), 120))
        except BaseException:
            print("node log:\n", node.log())
            raise
        finally:
            if node.proc is not None and node.proc.poll() is None:
                node.proc.terminate()  # uvicorn's supervisor stops its workers
                try:
                    node.proc.wait(20)
                except subprocess.TimeoutExpired:
                    node.kill()
            for pid in pids:  # any worker still there after its parent went
                subprocess.run(["kill", "-9", str(pid)], check=False, capture_output=True)
            asyncio.run(drop_stream(stream))
        assert len(issued) == len(DISTRICTS) * PER_DISTRICT
        for got in heard:
            assert sorted(got) == sorted(issued)  # each alert once on every socket, none missing, no repeat
        engine = make_engine(db)
        with engine.connect() as conn:
            stored = conn.execute(select(t.alerts.c.identifier, t.alerts.c.state)).all()
            live = conn.execute(select(t.outbox.c.alert_id, t.outbox.c.state).where(t.outbox.c.channel == "live")).all()
        engine.dispose()
        assert sorted(i for i, _ in stored) == sorted(issued) and {s for _, s in stored} == {"issued"}
        assert sorted(a for a, _ in live) == sorted(issued) and {s for _, s in live} == {"delivered"}
        cli(["audit", "verify"], env)  # exits non-zero on a bad link: one chain, written by two processes, unforked


def workers_of(pid: int) -> list[int]:
    """The uvicorn worker processes (multiprocessing spawn children) of `pid`."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = (proc / "status").read_text()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        ppid = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:")), 0)
        if ppid == pid and b"spawn_main" in cmdline:
            found.append(int(proc.name))
    return found


async def _scenario(node: Node, operator: str) -> tuple[list[str], list[list[str]]]:
    url = node.url.replace("http://", "ws://") + "/api/v1/live?topics=alert"
    sockets = [await websockets.connect(url) for _ in range(LISTENERS)]
    try:
        async with httpx.AsyncClient(base_url=node.url, timeout=60,
                                     headers={"Authorization": f"Bearer {operator}"}) as http:
            async def district(name: str) -> list[str]:
                out = []
                for n in range(PER_DISTRICT):
                    body = {"kind": "regime_declared" if n % 2 == 0 else "regime_lifted", "region": "RU-ROS",
                            "districts": [name], "regime": "drone_hazard",
                            "source": {"type": "official", "name": "e2e"}}
                    posted = await http.post("/api/v1/reports", json=body)
                    assert posted.status_code == 201, posted.text
                    [alert] = posted.json()["alerts"]
                    assert alert["state"] == "issued"
                    out.append(alert["identifier"])
                return out

            issued = [i for chunk in await asyncio.gather(*(district(d) for d in DISTRICTS)) for i in chunk]
        heard = await asyncio.gather(*(_listen(ws, len(issued)) for ws in sockets))
        return issued, heard
    finally:
        for ws in sockets:
            await ws.close()


async def _listen(ws: Any, expected: int) -> list[str]:
    """Issued alerts heard on one socket: until `expected` arrived, then 2 s more to catch any repeat."""
    got: list[str] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while True:
        left = deadline - loop.time() if len(got) < expected else min(2.0, deadline - loop.time())
        if left <= 0:
            return got
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), left))
        except TimeoutError:
            return got
        if message.get("topic") == "alert" and message["payload"].get("delivery") == "issued":
            got.append(message["payload"]["identifier"])
        if len(got) >= expected:
            deadline = min(deadline, loop.time() + 2.0)
