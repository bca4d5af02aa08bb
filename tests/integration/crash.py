"""Crash scenario shared by tests/integration/test_crash_recovery.py and bench/delivery_crash.py: N webhook
subscribers, one alert, kill -9 the serving node while deliveries are in flight, restart, wait."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select

from tests.integration.nodes import Node, Recorder, add_users, add_webhook_subscribers, prepare

DISTRICT = "RU-ROS-MILLEROVSKY"


@dataclass
class CrashResult:
    identifier: str
    targets: int
    received_before_kill: int  # webhook requests the receiver had when the node was killed
    pending_after_kill: int  # outbox rows not yet marked delivered in the database after the kill
    recovered_s: float  # from restart (process start) until every target had the alert
    requests: int  # all requests the receiver got (duplicates included)
    duplicates: int  # requests beyond one per target (same identifier: allowed, at-least-once)
    per_target: dict[str, set[str]] = field(repr=False, default_factory=dict)  # path → identifiers


def _pending(db: str) -> int:
    from airwarn.store import tables as t
    from airwarn.store.engine import make_engine

    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.outbox).where(
                (t.outbox.c.channel == "webhook") & (t.outbox.c.state != "delivered"))).scalar_one())
    finally:
        engine.dispose()


def crash_and_recover(db: str, workdir: Path, targets: int, *, delay_s: float = 0.02, concurrency: int = 64,
                      kill_at: float = 0.2, lease_s: float = 2.0, timeout_s: float = 60.0) -> CrashResult:
    """Run the scenario; `kill_at` is the share of targets the receiver has seen when the node is killed."""
    env = {"AIRWARN_DB": db, "AIRWARN_KEYS_DIR": str(workdir / "keys"), "AIRWARN_APPROVAL_SEVERITY": "Extreme",
           "AIRWARN_DISPATCH": "true", "AIRWARN_DISPATCH_CONCURRENCY": str(concurrency),
           "AIRWARN_DISPATCH_LEASE_S": str(lease_s), "AIRWARN_DISPATCH_TIMEOUT_S": str(min(5.0, lease_s / 2)),
           "AIRWARN_BUS": "memory://", "AIRWARN_WEBHOOK_SECRET": "crash-test-webhook-key"}
    receiver = Recorder(delay_s)
    env["AIRWARN_OUTBOUND_ALLOW"] = receiver.base  # the receiver is on loopback: allow-listed for the test
    node = Node(env, workdir / "node.log")
    try:
        prepare(env)
        add_webhook_subscribers(db, [f"{receiver.base}/hook/{i}" for i in range(targets)], DISTRICT)
        node.launch()
        [operator] = add_users(env, ("olga", "operator"))
        node.wait()
        report = {"kind": "interception", "region": "RU-ROS", "districts": ["Millerovsky"],
                  "source": {"type": "official", "name": "Governor of Rostov Region"}}
        posted = httpx.post(f"{node.url}/api/v1/reports", json=report, timeout=120,
                            headers={"Authorization": f"Bearer {operator}"})
        assert posted.status_code == 201, posted.text
        [alert] = posted.json()["alerts"]
        deadline = time.monotonic() + timeout_s
        while receiver.count() < kill_at * targets:
            assert time.monotonic() < deadline, f"deliveries did not start: {node.log()}"
            time.sleep(0.005)
        node.kill()  # SIGKILL: no shutdown code runs
        received_before_kill = receiver.count()
        pending = _pending(db)
        restarted = time.monotonic()
        node.start()
        while len({path for _, path in list(receiver.got)}) < targets or _pending(db):
            assert time.monotonic() < deadline + timeout_s, \
                f"only {len({p for _, p in receiver.got})} of {targets} targets after restart: {node.log()}"
            time.sleep(0.05)
        recovered_s = time.monotonic() - restarted
    finally:
        node.kill()
        receiver.close()
    per_target: dict[str, set[str]] = defaultdict(set)
    for identifier, path in receiver.got:
        per_target[path].add(identifier)
    return CrashResult(identifier=alert["identifier"], targets=targets, received_before_kill=received_before_kill,
                       pending_after_kill=pending, recovered_s=recovered_s, requests=len(receiver.got),
                       duplicates=len(receiver.got) - len(per_target), per_target=dict(per_target))
