"""`airwarn dispatch`: a process that only sends. A node takes reports with its own dispatcher off (and keeps
no subscriber copy, so its alerts get every fan-out shard); the alert's webhook deliveries are expanded and
sent by the dispatch process (its attempts carry its worker id), woken by the node's events over NATS;
SIGTERM stops it cleanly. Without PostgreSQL and NATS it is refused with a reason."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from airwarn.delivery.fanout import FANOUT_SHARDS
from airwarn.store import tables as t
from airwarn.store.delivery_tables import delivery_attempts
from airwarn.store.engine import make_engine
from airwarn.store.fanout_tables import fanout_jobs
from tests.integration.nodes import (
    NATS_URL,
    POSTGRES_URL,
    Node,
    Recorder,
    add_users,
    add_webhook_subscribers,
    answers,
    drop_stream,
    pg_schema,
    prepare,
)

SUBSCRIBERS = 20


def test_dispatch_on_sqlite_is_refused_before_anything_is_created(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "airwarn.cli", "dispatch"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path),
                               "AIRWARN_DB": f"sqlite:///{tmp_path / 'a.db'}", "AIRWARN_BUS": "memory://"})
    assert done.returncode == 2
    assert done.stderr.startswith("Error: airwarn dispatch") and "PostgreSQL" in done.stderr and "nats://" in done.stderr
    assert not (tmp_path / "a.db").exists()


@pytest.mark.postgres
@pytest.mark.timeout(240)
@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL not configured: set AIRWARN_TEST_POSTGRES_URL")
@pytest.mark.skipif(not answers(NATS_URL, 4222), reason=f"no NATS server at {NATS_URL} (AIRWARN_TEST_NATS_URL)")
def test_a_node_that_does_not_send_leaves_its_alerts_deliveries_to_the_dispatch_process(tmp_path: Path) -> None:
    stream = f"AWDSP_{uuid.uuid4().hex[:10]}"
    receiver = Recorder()
    with pg_schema() as db:
        env = {"AIRWARN_DB": db, "AIRWARN_KEYS_DIR": str(tmp_path / "keys"), "AIRWARN_APPROVAL_SEVERITY": "Extreme",
               "AIRWARN_BUS": f"{NATS_URL}?stream={stream}", "AIRWARN_WEBHOOK_SECRET": "dispatch-test-webhook-key",
               "AIRWARN_OUTBOUND_ALLOW": receiver.base}  # the receiver is on loopback: allow-listed here
        prepare(env)
        add_webhook_subscribers(db, [f"{receiver.base}/hook/{i}" for i in range(SUBSCRIBERS)], "RU-ROS-MILLEROVSKY")
        [operator] = add_users(env, ("olga", "operator"))
        sender = None
        try:
            with Node(env | {"AIRWARN_DISPATCH": "false"}, tmp_path / "node.log") as node, \
                    (tmp_path / "dispatch.log").open("wb") as log:
                sender = subprocess.Popen([sys.executable, "-m", "airwarn.cli", "dispatch"], env=os.environ | env,
                                          stdout=log, stderr=subprocess.STDOUT)
                report = {"kind": "regime_declared", "region": "RU-ROS", "districts": ["Millerovsky"],
                          "regime": "drone_hazard", "source": {"type": "official", "name": "Governor"}}
                posted = httpx.post(f"{node.url}/api/v1/reports", json=report, timeout=60,
                                    headers={"Authorization": f"Bearer {operator}"})
                assert posted.status_code == 201, posted.text
                [alert] = posted.json()["alerts"]
                deadline = time.monotonic() + 120
                while len({path for _, path in list(receiver.got)}) < SUBSCRIBERS:
                    assert sender.poll() is None, (tmp_path / "dispatch.log").read_text()
                    assert time.monotonic() < deadline, f"{receiver.count()} of {SUBSCRIBERS} webhooks arrived"
                    time.sleep(0.05)
                sender.send_signal(signal.SIGTERM)
                assert sender.wait(timeout=60) == 0, (tmp_path / "dispatch.log").read_text()
        finally:
            if sender is not None and sender.poll() is None:
                sender.kill()
            receiver.close()
            asyncio.run(drop_stream(stream))
        engine = make_engine(db)
        try:
            with engine.connect() as conn:
                workers = set(conn.execute(select(delivery_attempts.c.worker).join(
                    t.outbox, t.outbox.c.id == delivery_attempts.c.outbox_id).where(
                    (t.outbox.c.alert_id == alert["identifier"]) & (t.outbox.c.channel == "webhook"))).scalars())
                states = set(conn.execute(select(t.outbox.c.state).where(
                    (t.outbox.c.alert_id == alert["identifier"]) & (t.outbox.c.channel == "webhook"))).scalars())
                shards = set(conn.execute(select(fanout_jobs.c.shards).where(
                    fanout_jobs.c.alert_id == alert["identifier"])).scalars())
        finally:
            engine.dispose()
    assert {identifier for identifier, _ in receiver.got} == {alert["identifier"]}
    assert states == {"delivered"}
    # the node keeps no subscriber copy, so it cannot size the fan-out: every shard, for any number of senders
    assert shards == {FANOUT_SHARDS}
    assert workers == {f"{socket.gethostname()}-{sender.pid}"}  # the dispatch process sent every one
    assert "dispatcher stopped" in (tmp_path / "dispatch.log").read_text()
