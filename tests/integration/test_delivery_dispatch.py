"""The outbox dispatcher against a real database: retries, attempts, crash recovery, slow receivers."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from airwarn.bus import MemoryBus
from airwarn.delivery.channels.base import MemoryChannel
from airwarn.delivery.dispatcher import Dispatcher, RetryPolicy
from airwarn.delivery.fanout import make_fanout
from airwarn.delivery.subscriptions import SubscriptionDraft
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from airwarn.store.delivery_tables import delivery_attempts
from tests.fixtures.fanout import expand
from tests.integration.subscribing import active


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def issue_alert(deps: Deps, operator: User, approver: User, phones: int = 2, *, expanded: bool = True) -> str:
    """Issue an alert to `phones` SMS subscribers; with `expanded`, its fan-out jobs are expanded into outbox
    rows (as the node's dispatcher does right after commit)."""
    deps.fanout = make_fanout(deps.territory)
    for i in range(phones):
        active(deps, SubscriptionDraft(lat=48.7, lon=40.2, channels=[
            {"channel": "sms", "address": f"+7999000{i:04d}"}]))
    draft = ReportDraft(kind="interception", region="RU-ROS", source_type="official", districts=["Millerovsky"])
    pending = services.submit_report(deps, draft, operator).alerts[0]["identifier"]
    identifier = str(services.approve_alert(deps, pending, approver)["identifier"])
    if expanded:
        expand(deps)
    return identifier


def twins(**sms: float) -> dict[str, MemoryChannel]:
    return {"live": MemoryChannel("live"), "cap": MemoryChannel("cap"), "mqtt": MemoryChannel("mqtt"),
            "sms": MemoryChannel("sms", **sms)}  # type: ignore[arg-type]


def test_every_row_is_delivered_with_the_cap_identifier_and_one_attempt_each(
    deps: Deps, operator: User, approver: User
) -> None:
    identifier = issue_alert(deps, operator, approver)
    channels = twins()
    asyncio.run(Dispatcher(deps.uow.engine, channels).drain())
    with deps.uow.read() as repo:
        rows = repo.outbox_rows(identifier)
        attempts = repo.conn.execute(select(delivery_attempts)).mappings().all()
    assert {r["state"] for r in rows} == {"delivered"} and len(rows) == 5  # live, cap, siren, 2 × sms
    assert len(attempts) == 5 and all(a["ok"] for a in attempts)
    sent = [m for c in channels.values() for m in c.sent]
    assert {m.identifier for m in sent} == {identifier}
    assert {m.address for m in channels["sms"].sent} == {"+79990000000", "+79990000001"}
    assert channels["sms"].sent[0].text().startswith("Drone hazard")


def test_the_cap_feed_row_is_delivered_by_the_commit_that_publishes_it(
    deps: Deps, operator: User, approver: User
) -> None:
    identifier = issue_alert(deps, operator, approver, phones=1)
    with deps.uow.read() as repo:
        [cap] = [r for r in repo.outbox_rows(identifier) if r["channel"] == "cap"]
        tries = repo.conn.execute(select(delivery_attempts.c.attempt, delivery_attempts.c.ok)
                                  .where(delivery_attempts.c.outbox_id == cap["id"])).all()
    assert cap["state"] == "delivered" and cap["attempts"] == 1 and cap["delivered_at"] is not None
    assert [tuple(x) for x in tries] == [(1, True)]
    channels = twins()
    asyncio.run(Dispatcher(deps.uow.engine, channels).drain())
    assert channels["cap"].sent == [] and len(channels["sms"].sent) == 1  # no dispatcher claims it again


def test_failures_retry_with_exponential_backoff_and_record_each_attempt(
    deps: Deps, operator: User, approver: User
) -> None:
    identifier = issue_alert(deps, operator, approver, phones=1)
    clock = Clock()
    channels = twins(fail_first=2)
    dispatcher = Dispatcher(deps.uow.engine, channels, clock=clock, policy=RetryPolicy(base_s=10))
    asyncio.run(dispatcher.run_once())
    with deps.uow.read() as repo:
        [sms] = [r for r in repo.outbox_rows(identifier) if r["channel"] == "sms"]
    assert sms["state"] == "pending" and sms["attempts"] == 1
    assert sms["next_attempt_at"] == clock.now + timedelta(seconds=10) and "simulated" in sms["last_error"]
    asyncio.run(dispatcher.run_once())  # not due yet
    assert channels["sms"].calls == 1
    clock.now += timedelta(seconds=10)
    asyncio.run(dispatcher.run_once())
    with deps.uow.read() as repo:
        [sms] = [r for r in repo.outbox_rows(identifier) if r["channel"] == "sms"]
    assert sms["next_attempt_at"] == clock.now + timedelta(seconds=20)  # doubled
    clock.now += timedelta(seconds=20)
    asyncio.run(dispatcher.run_once())
    with deps.uow.read() as repo:
        [sms] = [r for r in repo.outbox_rows(identifier) if r["channel"] == "sms"]
        tries = repo.conn.execute(select(delivery_attempts.c.attempt, delivery_attempts.c.ok)
                                  .where(delivery_attempts.c.outbox_id == sms["id"])
                                  .order_by(delivery_attempts.c.attempt)).all()
    assert sms["state"] == "delivered" and sms["attempts"] == 3
    assert [tuple(x) for x in tries] == [(1, False), (2, False), (3, True)]


def test_gives_up_after_max_attempts(deps: Deps, operator: User, approver: User) -> None:
    identifier = issue_alert(deps, operator, approver, phones=1)
    clock = Clock()
    dispatcher = Dispatcher(deps.uow.engine, twins(fail_first=99), clock=clock,
                            policy=RetryPolicy(max_attempts=2, base_s=1))
    for _ in range(3):
        asyncio.run(dispatcher.run_once())
        clock.now += timedelta(seconds=5)
    with deps.uow.read() as repo:
        [sms] = [r for r in repo.outbox_rows(identifier) if r["channel"] == "sms"]
    assert sms["state"] == "failed" and sms["attempts"] == 2


def test_a_worker_that_dies_after_claiming_loses_nothing(deps: Deps, operator: User, approver: User) -> None:
    identifier = issue_alert(deps, operator, approver)
    clock = Clock()
    crashed = Dispatcher(deps.uow.engine, twins(), clock=clock, policy=RetryPolicy(lease_s=30))
    claimed = crashed.claim(100)  # …and the process is killed before sending anything
    assert len(claimed) == 4  # live, siren, 2 × SMS (the CAP feed's row was delivered by the commit)
    survivor_channels = twins()
    survivor = Dispatcher(deps.uow.engine, survivor_channels, clock=clock, policy=RetryPolicy(lease_s=30))
    assert survivor.claim(100) == []  # leased: nobody sends it twice while the lease holds
    clock.now += timedelta(seconds=31)
    asyncio.run(survivor.run_once())
    with deps.uow.read() as repo:
        assert {r["state"] for r in repo.outbox_rows(identifier)} == {"delivered"}
    resent = [m for c in survivor_channels.values() for m in c.sent]
    assert len(resent) == 4 and {m.identifier for m in resent} == {identifier}
    assert {m.attempt for m in resent} == {2}


@pytest.mark.timeout(30)
def test_a_slow_receiver_does_not_delay_the_others(deps: Deps, operator: User, approver: User) -> None:
    identifier = issue_alert(deps, operator, approver, phones=1)
    hang_s = 5.0
    channels = twins(delay_s=hang_s)  # the SMS gateway hangs
    dispatcher = Dispatcher(deps.uow.engine, channels, policy=RetryPolicy(timeout_s=1.5))

    async def scenario() -> float:
        stop = asyncio.Event()
        started = time.perf_counter()
        runner = asyncio.create_task(dispatcher.run(stop, poll_s=0.05))
        while len(channels["live"].sent) + len(channels["mqtt"].sent) < 2:
            await asyncio.sleep(0.01)
        fast_s = time.perf_counter() - started
        stop.set()
        await runner
        return fast_s

    fast_s = asyncio.run(scenario())
    assert fast_s < hang_s / 2  # the others did not wait for the hung gateway (speed itself: bench/)
    with deps.uow.read() as repo:
        [sms] = [r for r in repo.outbox_rows(identifier) if r["channel"] == "sms"]
    assert sms["state"] == "pending" and "timed out" in sms["last_error"]


@pytest.mark.timeout(30)
def test_a_new_alert_wakes_the_dispatcher_instead_of_waiting_for_the_poll(
    deps: Deps, operator: User, approver: User
) -> None:
    bus = MemoryBus()
    deps.events = bus
    channels = twins()
    dispatcher = Dispatcher(deps.uow.engine, channels, wake_on=bus.hub)

    async def scenario() -> float:
        stop = asyncio.Event()
        runner = asyncio.create_task(dispatcher.run(stop, poll_s=30))  # the poll alone would take 30 s
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        await asyncio.to_thread(issue_alert, deps, operator, approver, 1, expanded=False)
        while not channels["live"].sent or not channels["sms"].sent:  # the SMS after its job was expanded
            await asyncio.sleep(0.005)
        took = time.perf_counter() - started
        stop.set()
        await runner
        return took

    assert asyncio.run(scenario()) < 5.0
