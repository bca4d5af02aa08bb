"""Fan-out jobs (SQLite and PostgreSQL): the issuing transaction writes a bounded number of rows, and any
number of expanders — threads, nodes, a process killed mid-shard — write every subscriber target once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from airwarn.api.app import create_app
from airwarn.delivery.expansion import INTERLEAVE_ROWS, Expander
from airwarn.delivery.fanout import FANOUT_SHARDS, make_fanout
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from airwarn.store.engine import make_engine
from airwarn.store.fanout_tables import fanout_jobs as jobs_t
from tests.fixtures.policies import IssueAlone
from tests.integration.subscribing import settings_for
from tests.integration.test_subscriber_cache import population, reference

SUBSCRIBER_CHANNELS = ("sms", "webhook", "webpush")


def region_alert(deps: Deps, operator: User, n: int = 600) -> str:
    """`n` mixed subscribers in the Rostov region, then a region-wide Severe alert, not yet expanded."""
    deps.fanout = make_fanout(deps.territory, shards=FANOUT_SHARDS)  # every shard, however few subscribers
    deps.approval = IssueAlone()
    population(deps, n, seed=7)
    draft = ReportDraft(kind="regime_declared", region="RU-ROS", source_type="official", regime="drone_hazard")
    alert = services.submit_report(deps, draft, operator).alerts[0]
    assert alert["state"] == "issued"
    return str(alert["identifier"])


def subscriber_rows(deps: Deps, alert_id: str) -> list[tuple[str, str, str]]:
    with deps.uow.read() as repo:
        return [(r["channel"], r["target"], r["reason"]) for r in repo.outbox_rows(alert_id)
                if r["channel"] in SUBSCRIBER_CHANNELS]


def jobs(deps: Deps, alert_id: str) -> list[dict[str, object]]:
    with deps.uow.read() as repo:
        return [dict(r) for r in repo.conn.execute(select(jobs_t).where(jobs_t.c.alert_id == alert_id)
                                                   .order_by(jobs_t.c.id)).mappings()]


def assert_every_target_once(deps: Deps, alert_id: str) -> None:
    rows = subscriber_rows(deps, alert_id)
    assert len(rows) == len(set(rows)) > 0
    with deps.uow.read() as repo:
        found = repo.alert(alert_id)
    assert found is not None and set(rows) == reference(deps, found[0])
    done = jobs(deps, alert_id)
    assert {j["state"] for j in done} == {"expanded"} and sum(int(str(j["targets"])) for j in done) == len(rows)


def test_the_issuing_transaction_writes_jobs_not_a_row_per_subscriber(deps: Deps, operator: User) -> None:
    alert_id = region_alert(deps, operator)
    assert subscriber_rows(deps, alert_id) == []  # nothing per subscriber inside the issuing transaction
    written = jobs(deps, alert_id)
    assert len(written) == len(SUBSCRIBER_CHANNELS) * FANOUT_SHARDS  # bounded, whatever the number of subscribers
    assert {(j["channel"], j["shard"]) for j in written} == {
        (c, s) for c in SUBSCRIBER_CHANNELS for s in range(FANOUT_SHARDS)}
    assert [j["shard"] for j in written[:3]] == [0, 0, 0]  # every channel's first shard is claimed first
    assert {j["state"] for j in written} == {"pending"}
    Expander(deps.uow.engine).run_until_idle()
    assert_every_target_once(deps, alert_id)
    with deps.uow.read() as repo:  # the dispatcher claims in id order: every channel is in its first claim
        first = [r["channel"] for r in repo.outbox_rows(alert_id) if r["channel"] in SUBSCRIBER_CHANNELS]
    assert set(first[:len(SUBSCRIBER_CHANNELS) * INTERLEAVE_ROWS]) == set(SUBSCRIBER_CHANNELS)


def test_a_node_with_few_subscribers_writes_one_job_per_channel(deps: Deps, operator: User) -> None:
    deps.fanout = make_fanout(deps.territory)  # shards from the node's subscriber count
    deps.approval = IssueAlone()
    population(deps, 600, seed=7)
    deps.fanout.warm(deps.uow)  # type: ignore[attr-defined]  # the node's copy, as a serving node loads it
    draft = ReportDraft(kind="regime_declared", region="RU-ROS", source_type="official", regime="drone_hazard")
    alert_id = str(services.submit_report(deps, draft, operator).alerts[0]["identifier"])
    written = jobs(deps, alert_id)
    assert sorted(str(j["channel"]) for j in written) == sorted(SUBSCRIBER_CHANNELS)
    assert {j["shards"] for j in written} == {1}
    Expander(deps.uow.engine).run_until_idle()
    assert_every_target_once(deps, alert_id)


def test_two_dispatchers_expanding_the_same_alert_write_every_target_once(
    deps: Deps, operator: User, db_url: str
) -> None:
    alert_id = region_alert(deps, operator)
    nodes = [Expander(make_engine(db_url)) for _ in range(2)]  # two nodes: own engines, own subscriber copies
    both_hold_jobs = threading.Barrier(2, timeout=60)
    errors: list[BaseException] = []

    def work(expander: Expander) -> None:
        try:
            first = expander.claim(4)
            both_hold_jobs.wait()  # each holds a lease on different jobs at the same time
            expander.expand(first)
            expander.run_until_idle(limit=2)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in nodes]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert not errors, errors
    assert_every_target_once(deps, alert_id)
    by_worker = Counter(str(j["worker"]) for j in jobs(deps, alert_id))
    assert set(by_worker) == {n.worker for n in nodes}  # both expanded some of it
    for n in nodes:
        n.engine.dispose()


def test_a_lease_taken_over_is_not_written_twice(deps: Deps, operator: User) -> None:
    alert_id = region_alert(deps, operator)
    now = [datetime.now(UTC)]
    stalled = Expander(deps.uow.engine, lease_s=5, clock=lambda: now[0])
    held = stalled.claim(len(SUBSCRIBER_CHANNELS) * FANOUT_SHARDS)  # …and it stalls before writing anything
    other = Expander(deps.uow.engine, lease_s=5, clock=lambda: now[0])
    assert other.claim() == []  # leased: nobody expands them while the lease holds
    now[0] += timedelta(seconds=6)
    assert other.run_until_idle() == len(held)
    assert stalled.expand(held) == 0  # it wakes up: its lease was taken over, it writes nothing
    assert_every_target_once(deps, alert_id)
    held_ids = {j.id for j in held}
    for j in jobs(deps, alert_id):  # the leased ones were claimed twice; a shard nobody is in ended in the claim
        assert (j["attempts"], j["targets"] == 0) == ((2, False) if j["id"] in held_ids else (1, True))


CHILD = """
import sys, time
from airwarn.delivery import expansion
from airwarn.store.engine import make_engine

write = expansion.write_outbox
def write_then_hang(*args, **kwargs):  # the shard's rows are written, the transaction is not committed yet
    write(*args, **kwargs)
    print("written", flush=True)
    time.sleep(600)
expansion.write_outbox = write_then_hang
expansion.Expander(make_engine(sys.argv[1]), lease_s=float(sys.argv[2])).run_once(limit=int(sys.argv[3]))
"""


def test_a_node_killed_mid_shard_leaves_the_job_to_the_next_and_nothing_is_written_twice(
    deps: Deps, operator: User, db_url: str
) -> None:
    alert_id = region_alert(deps, operator)
    claim = 6  # shards 0 and 1 of every channel: some of them have targets
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2] / "src"),
                                                         os.environ.get("PYTHONPATH", "")])}
    child = subprocess.Popen([sys.executable, "-c", CHILD, db_url, "2", str(claim)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = child.stdout.readline() if child.stdout else ""
        assert line.strip() == "written", child.stderr.read() if child.stderr else ""
    finally:
        os.kill(child.pid, signal.SIGKILL)  # no shutdown code, no rollback sent: the connection just drops
        child.wait(30)
    assert subscriber_rows(deps, alert_id) == []  # the uncommitted shard is gone with the process
    claimed = [j for j in jobs(deps, alert_id) if j["attempts"] == 1]
    assert len(claimed) == claim  # a shard nobody is in ended in the claim; the others are still leased
    leased = [j for j in claimed if j["state"] == "pending"]
    assert leased and all(j["state"] == "expanded" and j["targets"] == 0 for j in claimed if j not in leased)
    later = datetime.now(UTC) + timedelta(seconds=3)  # after the killed node's lease
    survivor = Expander(deps.uow.engine, clock=lambda: later)
    deadline = time.monotonic() + 60  # a bound, not a measurement: PostgreSQL ends the dead session's locks
    while survivor.run_until_idle() or any(j["state"] == "pending" for j in jobs(deps, alert_id)):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert_every_target_once(deps, alert_id)
    assert sum(int(str(j["targets"])) for j in jobs(deps, alert_id) if j["id"] in {x["id"] for x in leased}) > 0


def test_a_job_that_cannot_be_expanded_ends_dead_and_operators_see_it_beside_dead_rows(
    deps: Deps, operator: User
) -> None:
    alert_id = region_alert(deps, operator)
    Expander(deps.uow.engine).run_until_idle()
    assert_every_target_once(deps, alert_id)
    with deps.uow.engine.begin() as conn:  # a job another tool wrote with an impossible shard count
        poison = int(conn.execute(insert(jobs_t).values(
            alert_id=alert_id, channel="sms", shard=99, shards=-1, districts=[], restricted=False, state="pending",
            attempts=0, created_at=datetime.now(UTC), next_attempt_at=datetime.now(UTC))).inserted_primary_key[0])
    now = [datetime.now(UTC)]
    expander = Expander(deps.uow.engine, lease_s=5, clock=lambda: now[0])
    for _ in range(9):  # each claim fails to expand it; the ninth finds it spent
        expander.run_once()
        now[0] += timedelta(seconds=6)
    [dead] = [j for j in jobs(deps, alert_id) if j["id"] == poison]
    assert dead["state"] == "dead" and dead["attempts"] == 8
    assert "claimed 8 times without being expanded" in str(dead["last_error"])
    assert "OverflowError" in str(dead["last_error"])  # the expansion's own error is kept as the reason

    client = TestClient(create_app(deps, settings=settings_for()))
    observer = services.add_user(deps, "watcher", "observer")
    assert client.get("/api/v1/deliveries?state=dead").status_code == 401
    listed = client.get("/api/v1/deliveries?state=dead", headers={"Authorization": f"Bearer {observer}"}).json()
    assert listed["deliveries"] == []  # no outbox row is dead …
    [job] = listed["fanout_jobs"]  # … but the job is, beside them, with its reason
    assert (job["id"], job["alert_id"], job["channel"], job["shard"]) == (poison, alert_id, "sms", 99)
    assert job["last_error"] == dead["last_error"] and job["dead_at"]
    assert client.get("/api/v1/deliveries?state=pending", headers={"Authorization": f"Bearer {observer}"}
                      ).json()["fanout_jobs"] == []  # jobs are listed with state=dead only
    metrics = client.get("/metrics").text
    assert "airwarn_fanout_dead_jobs 1.0" in metrics
    assert 'airwarn_fanout_jobs_dead_total{channel="sms"}' in metrics
