"""Crash through fan-out jobs, shared by tests/integration/test_fanout_crash.py and `bench/delivery_crash.py
--fanout N`: N subscribers of the realistic mix (bench/population.py: SMS, Web Push, webhooks) whose receivers
are local stubs (bench/stub_receivers.py, its own process), one region-wide alert through a real `airwarn serve`,
kill -9 of that node while its fan-out jobs are being expanded and sent, a restart, and then the checks:

- nothing lost: every job expanded, and the outbox rows are exactly the targets a fresh copy of the
  subscribers gives for the alert, every one delivered, and every one reached its receiver;
- nothing sent twice under different ids: one outbox row per (channel, target), and no receiver got
  two delivery ids for one target (SMS and webhooks carry it in the clear; a push payload is encrypted for
  its browser, so a push target's requests are counted and its row is checked in the database).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from tests.integration.nodes import Node, add_users, prepare

ROOT = Path(__file__).resolve().parents[2]
REGION_WIDE = {"kind": "regime_declared", "region": "RU-ROS", "regime": "drone_hazard",
               "source": {"type": "official", "name": "Governor of Rostov Region"}}
SUBSCRIBER_CHANNELS = ("sms", "webhook", "webpush")


@dataclass
class FanoutCrash:
    subscribers: int
    targets: int  # subscriber outbox rows of the alert (= the reference expansion)
    jobs: int
    expanded_at_kill: int  # jobs expanded when the node was killed
    received_at_kill: int  # messages the receivers had then
    recovered_s: float  # restart → every job expanded and every row delivered
    requests: int  # messages the receivers got in all (repeats included)
    repeats: int  # messages beyond one per target: the same delivery id again (at-least-once)
    two_ids: int  # targets that got two delivery ids (must be 0)
    missing: int  # rows delivered in the database that no receiver saw (must be 0)
    extra_rows: int  # rows beyond one per (channel, target), and rows not in the reference (must be 0)
    lost: int  # reference targets without a row (must be 0)
    notes: dict[str, Any] = field(default_factory=dict)


def received(base: str) -> int:
    counts = httpx.get(f"{base}/stats", timeout=30).json()["counts"]
    return int(sum(n for kind, n in counts.items() if kind in ("sms", "hook", "push")))


def _progress(engine: Any, alert_id: str) -> tuple[int, int, int]:
    """(jobs, jobs expanded, subscriber rows not delivered) of the alert."""
    from airwarn.store import tables as t
    from airwarn.store.fanout_tables import fanout_jobs as jobs_t

    with engine.connect() as conn:
        states = dict(conn.execute(select(jobs_t.c.state, func.count()).where(jobs_t.c.alert_id == alert_id)
                                   .group_by(jobs_t.c.state)).all())
        undelivered = conn.execute(select(func.count()).select_from(t.outbox).where(
            (t.outbox.c.alert_id == alert_id) & (t.outbox.c.state != "delivered")
            & t.outbox.c.channel.in_(SUBSCRIBER_CHANNELS))).scalar_one()
    return sum(states.values()), int(states.get("expanded", 0)), int(undelivered)


def _reference(engine: Any, territory: Any, alert_id: str) -> set[tuple[str, str]]:
    """(channel, subscription) pairs a fresh copy of the subscribers gives for the alert, every shard."""
    from airwarn.delivery.fanout import covered_districts, subscriber_columns
    from airwarn.delivery.subscriber_cache import SubscriberCache
    from airwarn.store import tables as t
    from airwarn.store.codec import alert_from_dict
    from airwarn.store.fanout_tables import fanout_jobs as jobs_t

    with engine.connect() as conn:
        alert = alert_from_dict(conn.execute(select(t.alerts.c.body).where(t.alerts.c.identifier == alert_id))
                                .scalar_one())
        shards, restricted = conn.execute(select(jobs_t.c.shards, jobs_t.c.restricted)
                                          .where(jobs_t.c.alert_id == alert_id).limit(1)).one()
        matched = SubscriberCache().match(conn, alert, covered_districts(alert, territory))
    return {(channel, target) for channel in SUBSCRIBER_CHANNELS for shard in range(shards)
            for target in subscriber_columns(matched, alert, restricted, channel, shard, shards).targets}


def warm_up(engine: Any, node: Node, auth: dict[str, str], base: str, timeout_s: float) -> None:
    """A district alert first, sent to the end: its expansion loads the node's subscriber copy, so the
    region-wide alert gets its shards from the whole population (1 per 5,000); then the receivers forget it."""
    posted = httpx.post(f"{node.url}/api/v1/reports", headers=auth, timeout=300, json={
        "kind": "interception", "region": "RU-ROS", "districts": ["Millerovsky"],
        "source": {"type": "official", "name": "Governor of Rostov Region"}})
    assert posted.status_code == 201, posted.text
    deadline = time.monotonic() + timeout_s
    for alert in posted.json()["alerts"]:
        while (progress := _progress(engine, str(alert["identifier"])))[1] < progress[0] or progress[2]:
            assert time.monotonic() < deadline, f"the warm-up alert was not sent: {node.log()}"
            time.sleep(0.2)
    httpx.post(f"{base}/reset", timeout=30)


def crash_fanout(db: str, workdir: Path, subscribers: int, *, kill_after: int = 1, sms_batch: int = 100,
                 concurrency: int = 256, lease_s: float = 5.0, timeout_s: float = 600.0) -> FanoutCrash:
    """Run the scenario. The node is killed once at least one job is expanded, `kill_after` messages have
    reached the receivers and jobs are still pending (mid-expansion and mid-send), or, if the expansion is
    done by then, as soon as `kill_after` messages arrived (mid-send)."""
    sys.path.insert(0, str(ROOT))
    from bench.population import insert_subscribers
    from bench.stub_receivers import running

    from airwarn.delivery.channels.webpush import generate_vapid
    from airwarn.service_layer.bootstrap import build_deps
    from airwarn.settings import Settings
    from airwarn.store import tables as t

    with running() as (base, _pid):
        env = {"AIRWARN_DB": db, "AIRWARN_KEYS_DIR": str(workdir / "keys"), "AIRWARN_APPROVAL_SEVERITY": "Extreme",
               "AIRWARN_DISPATCH": "true", "AIRWARN_DISPATCH_CONCURRENCY": str(concurrency),
               "AIRWARN_DISPATCH_LEASE_S": str(lease_s), "AIRWARN_DISPATCH_TIMEOUT_S": str(min(5.0, lease_s / 2)),
               "AIRWARN_BUS": "memory://", "AIRWARN_WEBHOOK_SECRET": "crash-test-webhook-key",
               "AIRWARN_SMS_URL": f"{base}/sms", "AIRWARN_SMS_BATCH": str(sms_batch),
               "AIRWARN_VAPID_PRIVATE_KEY": generate_vapid()[0], "AIRWARN_OUTBOUND_ALLOW": base}
        prepare(env)
        deps = build_deps(Settings(db=db, keys_dir=workdir / "keys"))
        engine, territory = deps.uow.engine, deps.territory
        insert_subscribers(engine, territory, subscribers, base_url=base)
        node = Node(env, workdir / "node.log")
        try:
            node.launch()
            [operator] = add_users(env, ("olga", "operator"))
            node.wait(180)
            auth = {"Authorization": f"Bearer {operator}"}
            warm_up(engine, node, auth, base, timeout_s)
            posted = httpx.post(f"{node.url}/api/v1/reports", json=REGION_WIDE, timeout=300, headers=auth)
            assert posted.status_code == 201, posted.text
            [alert] = [a for a in posted.json()["alerts"] if a["state"] == "issued"]
            alert_id = str(alert["identifier"])
            deadline = time.monotonic() + timeout_s
            while True:
                jobs, expanded, _ = _progress(engine, alert_id)
                got = received(base)
                if got >= kill_after and expanded:
                    break
                assert time.monotonic() < deadline, f"no fan-out before the deadline: {node.log()}"
                time.sleep(0.01)
            node.kill()  # SIGKILL: no shutdown code runs, open transactions just drop
            time.sleep(0.5)  # requests already on the wire land
            received_at_kill = received(base)
            expanded_at_kill = _progress(engine, alert_id)[1]
            restarted = time.monotonic()
            node.start(180)
            while True:
                jobs, expanded, undelivered = _progress(engine, alert_id)
                if expanded == jobs and not undelivered:
                    break
                assert time.monotonic() < deadline + timeout_s, \
                    f"{expanded}/{jobs} jobs, {undelivered} rows undelivered after restart: {node.log()}"
                time.sleep(1.0)  # each look counts the alert's rows: not too often beside a busy node
            recovered_s = time.monotonic() - restarted
        finally:
            node.kill()
        seen = httpx.get(f"{base}/seen", timeout=120).json()
        with engine.connect() as conn:
            rows = conn.execute(select(t.outbox.c.id, t.outbox.c.channel, t.outbox.c.target).where(
                (t.outbox.c.alert_id == alert_id) & t.outbox.c.channel.in_(SUBSCRIBER_CHANNELS))).all()
        reference = _reference(engine, territory, alert_id)
        engine.dispose()
    pairs = [(r.channel, r.target) for r in rows]
    ids, requests = seen["ids"], seen["requests"]
    address = {"sms": lambda i: f"sms:+7999{i:07d}", "webhook": lambda i: f"/hook/{i}",
               "webpush": lambda i: f"/push/{i}"}
    missing = 0
    for r in rows:  # population ids are sub-<i>: the receiver's key for that target
        key = address[r.channel](int(r.target.removeprefix("sub-")))
        if r.channel == "webpush":
            missing += requests.get(key, 0) == 0
        else:
            missing += str(r.id) not in ids.get(key, [])
    return FanoutCrash(
        subscribers=subscribers, targets=len(rows), jobs=jobs, expanded_at_kill=expanded_at_kill,
        received_at_kill=received_at_kill, recovered_s=recovered_s, requests=sum(requests.values()),
        repeats=sum(requests.values()) - len(requests), two_ids=sum(1 for v in ids.values() if len(v) > 1),
        missing=missing, extra_rows=len(pairs) - len(set(pairs) & reference), lost=len(reference - set(pairs)))
