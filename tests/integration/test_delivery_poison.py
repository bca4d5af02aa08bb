"""Poison rows: an outbox row that cannot be sent or recorded is set aside as `dead` with its reason, visible to
operators and in /metrics, while every other row completes; the attempt limit holds whatever happens."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import insert, select, text

from airwarn.api.app import create_app
from airwarn.delivery.channels.base import DeliveryError, MemoryChannel, Message
from airwarn.delivery.dispatcher import Dispatcher, Outcome, RetryPolicy
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.store import tables as t
from airwarn.store.delivery_tables import delivery_attempts, subscriptions
from tests.integration.subscribing import settings_for
from tests.integration.test_delivery_dispatch import issue_alert, twins

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def inject(deps: Deps, alert_id: str, channel: str, target: str, attempts: int = 0) -> int:
    """An outbox row written behind the application's back, due now."""
    with deps.uow.engine.begin() as conn:
        return int(conn.execute(insert(t.outbox).values(
            alert_id=alert_id, channel=channel, target=target, state="pending", attempts=attempts,
            created_at=NOW, next_attempt_at=NOW, reason="injected")).inserted_primary_key[0])


def broken_subscription(deps: Deps) -> str:
    """An active subscription whose stored channel has no address (written by some other tool)."""
    with deps.uow.engine.begin() as conn:
        conn.execute(insert(subscriptions).values(
            id="sub-poison", districts=[], language="en", channels=[{"channel": "sms"}], threat_kinds=[],
            min_severity="Minor", timezone="UTC", state="active", token_hash="0" * 64, created_at=NOW))
    return "sub-poison"


def states(deps: Deps, identifier: str) -> dict[int, tuple[str, int, str | None]]:
    with deps.uow.read() as repo:
        return {r["id"]: (r["state"], r["attempts"], r["last_error"]) for r in repo.outbox_rows(identifier)}


def test_injected_poison_rows_end_dead_with_a_reason_and_every_other_row_completes(
    deps: Deps, operator: User, approver: User
) -> None:
    identifier = issue_alert(deps, operator, approver)
    no_address = inject(deps, identifier, "sms", broken_subscription(deps))
    spent = inject(deps, identifier, "webhook", "sub-never-recorded", attempts=8)  # 8 claims, no outcome written
    unreadable = None
    if deps.uow.engine.dialect.name == "sqlite":  # bytes that are not UTF-8 (PostgreSQL refuses to store them)
        with deps.uow.engine.begin() as conn:
            unreadable = conn.execute(text(
                "INSERT INTO outbox (alert_id, channel, target, state, attempts, created_at, next_attempt_at) "
                "VALUES (:a, 'sms', CAST(X'61EDA08062' AS TEXT), 'pending', 0, :n, :n) RETURNING id"),
                {"a": identifier, "n": NOW.isoformat(sep=" ")}).scalar_one()
    channels = {**twins(), "webhook": MemoryChannel("webhook")}
    asyncio.run(Dispatcher(deps.uow.engine, channels).drain())

    rows = states(deps, identifier) if unreadable is None else None
    if rows is None:  # the unreadable row makes a plain read fail: look at it by its id only
        with deps.uow.read() as repo:
            found = repo.conn.execute(select(t.outbox.c.id, t.outbox.c.state, t.outbox.c.attempts,
                                             t.outbox.c.last_error)).all()
        rows = {r.id: (r.state, r.attempts, r.last_error) for r in found}
        assert rows[unreadable][0] == "dead" and "cannot be read" in (rows[unreadable][2] or "")
    assert rows[no_address][0] == "dead" and "KeyError" in (rows[no_address][2] or "")
    assert rows[spent] == ("dead", 8, "attempt limit (8) reached without a recorded outcome")
    others = {i: r for i, r in rows.items() if i not in (no_address, spent, unreadable)}
    assert len(others) == 5 and {s for s, _, _ in others.values()} == {"delivered"}
    assert channels["webhook"].calls == 0  # nothing was sent for the set-aside rows

    client = TestClient(create_app(deps, settings=settings_for()))
    observer = services.add_user(deps, "watcher", "observer")
    assert client.get("/api/v1/deliveries?state=dead").status_code == 401
    listed = client.get("/api/v1/deliveries?state=dead", headers={"Authorization": f"Bearer {observer}"})
    assert listed.status_code == 200, listed.text
    dead = {d["id"]: d for d in listed.json()["deliveries"]}
    assert set(dead) == {no_address, spent, unreadable} - {None} and all(d["last_error"] for d in dead.values())
    metrics = client.get("/metrics").text
    assert f"airwarn_outbox_dead_rows {float(2 + (unreadable is not None))}" in metrics
    assert 'airwarn_delivery_dead_total{channel="webhook"}' in metrics


def test_a_receivers_answer_with_invalid_text_is_recorded_escaped_and_the_row_retries(
    deps: Deps, operator: User, approver: User
) -> None:
    identifier = issue_alert(deps, operator, approver, phones=1)

    class Hostile(MemoryChannel):
        async def send(self, message: Message) -> None:
            raise DeliveryError("gateway says \ud800\x00 no")

    channels = {**twins(), "sms": Hostile("sms")}
    asyncio.run(Dispatcher(deps.uow.engine, channels).run_once())
    [(state, attempts, error)] = [v for v in states(deps, identifier).values() if v[0] == "pending"]
    assert attempts == 1 and error == "DeliveryError: gateway says \\ud800\\x00 no"


def test_an_outcome_that_cannot_be_recorded_does_not_keep_the_others_from_being_recorded(
    deps: Deps, operator: User, approver: User
) -> None:
    identifier = issue_alert(deps, operator, approver, phones=1)
    dispatcher = Dispatcher(deps.uow.engine, twins(), policy=RetryPolicy())
    [good] = [m for m in dispatcher.claim(10) if m.channel == "sms"]
    ghost = Message(outbox_id=10**9, identifier=identifier, channel="sms", target="gone", attempt=1, xml="", alert={})
    dispatcher.record([Outcome(good, NOW, 1.0, None), Outcome(ghost, NOW, 1.0, None)])  # the ghost breaks the FK
    assert states(deps, identifier)[good.outbox_id][0] == "delivered"
    with deps.uow.read() as repo:
        recorded = repo.conn.execute(select(delivery_attempts.c.outbox_id).where(delivery_attempts.c.channel == "sms"))
        assert [a.outbox_id for a in recorded] == [good.outbox_id]


def test_the_attempt_limit_holds_when_every_recording_fails(deps: Deps, operator: User, approver: User) -> None:
    identifier = issue_alert(deps, operator, approver, phones=1)
    now = [datetime.now(UTC)]
    dispatcher = Dispatcher(deps.uow.engine, twins(), policy=RetryPolicy(max_attempts=3, lease_s=1),
                            clock=lambda: now[0])
    for _ in range(6):  # claimed and sent, but never recorded (the node dies each time); the lease runs out
        dispatcher.claim(10)
        now[0] += timedelta(seconds=2)
    rows = {k: v for k, v in states(deps, identifier).items() if v[0] != "delivered"}  # the CAP feed's row is
    assert len(rows) == 3 and set(rows.values()) == {  # delivered by its commit; live, siren and SMS are not
        ("dead", 3, "attempt limit (3) reached without a recorded outcome")}
