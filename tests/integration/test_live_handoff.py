"""Issue 12, little work per report: the live hand-off is recorded without a transaction of its own under
load and without the decision lock, and a dispatcher that finds nothing due takes no write lock."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from airwarn.delivery.channels.base import MemoryChannel
from airwarn.delivery.dispatcher import Dispatcher
from airwarn.delivery.fanout import make_fanout
from airwarn.domain.alerts import Severity
from airwarn.domain.approval_policy import ApprovalPolicy
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from airwarn.store.delivery_tables import delivery_attempts
from airwarn.store.outbox_rows import LiveReceipt
from airwarn.store.uow import WRITE_LOCK_KEY


def live_rows(deps: Deps, operator: User, n: int) -> list[dict[str, Any]]:
    """`n` issued alerts (no node serving live clients, so their live rows wait for a dispatcher)."""
    deps.fanout = make_fanout(deps.territory)
    deps.approval = ApprovalPolicy(min_severity=Severity.EXTREME)
    rows = []
    for i in range(n):
        kind = "regime_declared" if i % 2 == 0 else "regime_lifted"
        draft = ReportDraft(kind=kind, region="RU-ROS", source_type="official", districts=["Millerovsky"],
                            regime="drone_hazard")
        [alert] = services.submit_report(deps, draft, operator).alerts
        with deps.uow.read() as repo:
            rows += [r for r in repo.outbox_rows(alert["identifier"]) if r["channel"] == "live"]
    assert len(rows) == n and {r["state"] for r in rows} == {"pending"}
    return rows


def receipt(deps: Deps, row: dict[str, Any]) -> LiveReceipt:
    return LiveReceipt(row["id"], row["alert_id"], deps.clock(), "handoff-test", 1.5)


def states(deps: Deps) -> dict[int, tuple[str, int]]:
    with deps.uow.read() as repo:
        return {r["id"]: (r["state"], r["attempts"]) for r in repo.outbox_rows() if r["channel"] == "live"}


def test_a_hand_off_during_a_write_rides_in_that_transaction(deps: Deps, operator: User) -> None:
    first, second = live_rows(deps, operator, 2)
    commits: list[int] = []
    event.listen(deps.uow.engine, "commit", lambda _conn: commits.append(1))
    with deps.uow.write():
        deps.uow.handed_off(receipt(deps, first))  # a write is in flight: it waits for that one
        assert not commits
        assert states(deps)[first["id"]] == ("pending", 0)
    assert len(commits) == 1  # the write's own commit carried it
    assert states(deps)[first["id"]] == ("delivered", 1)
    deps.uow.handed_off(receipt(deps, second))  # nothing in flight: recorded at once, in a small transaction
    assert len(commits) == 2 and states(deps)[second["id"]] == ("delivered", 1)
    with deps.uow.engine.connect() as conn:
        attempts = conn.execute(select(delivery_attempts.c.outbox_id, delivery_attempts.c.attempt,
                                       delivery_attempts.c.ok, delivery_attempts.c.worker)
                                .where(delivery_attempts.c.channel == "live")).all()
    assert sorted(attempts) == sorted([(first["id"], 1, True, "handoff-test"), (second["id"], 1, True,
                                                                                 "handoff-test")])


def test_a_receipt_in_a_write_that_rolls_back_is_recorded_later(deps: Deps, operator: User) -> None:
    [row] = live_rows(deps, operator, 1)
    with pytest.raises(RuntimeError), deps.uow.write():
        deps.uow.handed_off(receipt(deps, row))
        raise RuntimeError("the report's transaction fails")
    assert states(deps)[row["id"]] == ("delivered", 1)  # kept, then recorded once nothing was in flight


def test_a_row_the_dispatcher_took_after_the_lease_is_left_to_it(deps: Deps, operator: User) -> None:
    [row] = live_rows(deps, operator, 1)
    dispatcher = Dispatcher(deps.uow.engine, {"live": MemoryChannel("live")})
    [claimed] = dispatcher.claim(10)  # the lease ran out before the receipt was recorded
    deps.uow.handed_off(receipt(deps, row))
    assert states(deps)[row["id"]] == ("pending", 1)  # the dispatcher's attempt decides, no second record
    with deps.uow.engine.connect() as conn:
        assert conn.execute(select(delivery_attempts).where(delivery_attempts.c.channel == "live")).all() == []
    assert claimed.outbox_id == row["id"]


def test_recording_a_hand_off_does_not_wait_for_the_decision_lock(deps: Deps, operator: User) -> None:
    if deps.uow.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's decision lock is an advisory lock other transactions may hold; SQLite has "
                    "one writer by design")
    [row] = live_rows(deps, operator, 1)
    with deps.uow.engine.connect() as holder, holder.begin():  # another node is deciding a report
        holder.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
        done = threading.Thread(target=deps.uow.handed_off, args=(receipt(deps, row),))
        done.start()
        done.join(10)
        assert not done.is_alive()
        assert states(deps)[row["id"]] == ("delivered", 1)


def test_a_dispatcher_finding_nothing_due_takes_no_write_lock(deps: Deps, operator: User) -> None:
    if deps.uow.engine.dialect.name != "sqlite":
        pytest.skip("SQLite: the one write lock; PostgreSQL's claim locks rows only")
    [row] = live_rows(deps, operator, 1)
    later = row["next_attempt_at"] - timedelta(hours=1)  # a clock before anything is due
    dispatcher = Dispatcher(deps.uow.engine, {"live": MemoryChannel("live")}, clock=lambda: later)
    result: list[object] = []
    with deps.uow.engine.connect() as holder, holder.begin():  # BEGIN IMMEDIATE: a report being decided
        claim = threading.Thread(target=lambda: result.append(dispatcher.claim(10)))
        claim.start()
        claim.join(10)  # a claim that took the write lock would wait here for the busy timeout (30 s)
        assert not claim.is_alive() and result == [[]]
