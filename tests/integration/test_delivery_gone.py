"""A push service that answers 404/410 removes that PushSubscription from its subscription for good (RFC 8030),
in the transaction that records the attempt; a 5xx removes nothing. Real local push service, real database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from airwarn.api.app import create_app
from airwarn.delivery.channels.base import Channel, MemoryChannel
from airwarn.delivery.channels.webpush import WebPushChannel, generate_vapid
from airwarn.delivery.dispatcher import Dispatcher
from airwarn.delivery.fanout import make_fanout
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from airwarn.store.delivery_tables import delivery_attempts
from tests.fixtures.fanout import expand
from tests.integration.subscribing import Hook, api_subscribe, settings_for
from tests.integration.test_delivery_webpush import SUBJECT, Browser, PushService

PHONE = "+79991234567"


@pytest.fixture
def push() -> Iterator[PushService]:
    service = PushService()
    yield service
    service.close()


@pytest.fixture
def gateway() -> Iterator[Hook]:
    hook = Hook()
    yield hook
    hook.close()


@pytest.fixture
def client(deps: Deps, push: PushService, gateway: Hook) -> TestClient:
    deps.fanout = make_fanout(deps.territory)
    client = TestClient(create_app(deps, settings=settings_for(push.origin, sms_url=gateway.url,
                                                               subscribe_per_hour=100)))
    client.app.state.test_gateway = gateway  # type: ignore[attr-defined]
    return client


def subscribe(client: TestClient, *channels: dict[str, Any]) -> tuple[str, str]:
    """An active subscription in Millerovsky with these channels, each proven: (id, token)."""
    made = api_subscribe(client, client.app.state.test_gateway,  # type: ignore[attr-defined]
                         {"lat": 48.7, "lon": 40.2, "channels": list(channels)})
    assert made["state"] == "active" and made["pending"] == [], made
    return made["id"], made["token"]


def webpush(browser: Browser) -> dict[str, Any]:
    return {"channel": "webpush", "address": browser.subscription}


def issue(deps: Deps, operator: User, approver: User) -> str:
    draft = ReportDraft(kind="interception", region="RU-ROS", source_type="official", districts=["Millerovsky"])
    pending = services.submit_report(deps, draft, operator).alerts[0]["identifier"]
    identifier = str(services.approve_alert(deps, pending, approver)["identifier"])
    expand(deps)  # queued as the node's dispatcher does right after commit
    return identifier


def channels(push: PushService) -> dict[str, Channel]:
    private, _ = generate_vapid()
    return {"webpush": WebPushChannel(private, SUBJECT, policy=push.policy), "sms": MemoryChannel("sms"),
            "live": MemoryChannel("live"), "cap": MemoryChannel("cap"), "mqtt": MemoryChannel("mqtt")}


def rows(deps: Deps, identifier: str, channel: str) -> dict[str, dict[str, Any]]:
    """The alert's outbox rows on `channel`, by target (subscription id)."""
    with deps.uow.read() as repo:
        return {r["target"]: r for r in repo.outbox_rows(identifier) if r["channel"] == channel}


def view(client: TestClient, sub_id: str, token: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/subscriptions/{sub_id}", headers={"X-Subscription-Token": token})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_a_410_removes_only_that_push_subscription_and_expires_a_subscription_left_without_channels(
    client: TestClient, deps: Deps, operator: User, approver: User, push: PushService
) -> None:
    mixed, mixed_token = subscribe(client, webpush(Browser(f"{push.origin}/gone")),
                                   {"channel": "sms", "address": PHONE})
    push_only, push_only_token = subscribe(client, webpush(Browser(f"{push.origin}/gone")))
    fine, fine_token = subscribe(client, webpush(Browser(f"{push.origin}/push/ok")))

    first = issue(deps, operator, approver)
    asyncio.run(Dispatcher(deps.uow.engine, channels(push)).drain())
    assert sorted(path for path, _, _ in push.requests) == ["/gone", "/gone", "/push/ok"]
    assert {t: r["state"] for t, r in rows(deps, first, "webpush").items()} == {
        mixed: "failed", push_only: "failed", fine: "delivered"}

    got = view(client, mixed, mixed_token)
    assert got["state"] == "active" and got["channels"] == [{"channel": "sms", "address": PHONE}]
    [removed] = got["removed_channels"]
    assert removed["channel"] == "webpush" and "410" in removed["reason"] and removed["alert"] == first
    assert got["expired_at"] is None and "token_hash" not in got
    got = view(client, push_only, push_only_token)
    assert got["state"] == "expired" and got["channels"] == [] and got["expired_at"] is not None
    assert (got["lat"], got["lon"], got["districts"]) == (None, None, [])  # nor is the location kept
    assert "410" in got["removed_channels"][0]["reason"]
    assert view(client, fine, fine_token)["removed_channels"] == []
    again = client.post(f"/api/v1/subscriptions/{push_only}/confirm", json={"token": push_only_token})
    assert again.status_code == 409  # an expired subscription does not come back with no channels

    # the next alert: an approver may send a false-alarm cancel alone (issue 10)
    cancel = services.cancel_alert(deps, first, approver)["cancel"]["identifier"]
    expand(deps)
    assert set(rows(deps, cancel, "webpush")) == {fine}
    assert set(rows(deps, cancel, "sms")) == {mixed}  # the same subscriber's SMS still works
    asyncio.run(Dispatcher(deps.uow.engine, channels(push)).drain())
    assert [path for path, _, _ in push.requests].count("/gone") == 2


def test_a_row_written_before_the_removal_fails_at_once_without_a_request(
    client: TestClient, deps: Deps, operator: User, approver: User, push: PushService
) -> None:
    sub_id, _ = subscribe(client, webpush(Browser(f"{push.origin}/gone")), {"channel": "sms", "address": PHONE})
    first = issue(deps, operator, approver)
    cancel = services.cancel_alert(deps, first, approver)["cancel"]["identifier"]  # fanned out before sending
    asyncio.run(Dispatcher(deps.uow.engine, channels(push), concurrency=1).drain(rounds=100))  # oldest row first
    assert [path for path, _, _ in push.requests] == ["/gone"]
    late = rows(deps, cancel, "webpush")[sub_id]
    assert late["state"] == "failed" and late["attempts"] == 1 and "no longer has" in late["last_error"]
    assert rows(deps, cancel, "sms")[sub_id]["state"] == "delivered"


def test_a_500_is_retried_and_removes_nothing(
    client: TestClient, deps: Deps, operator: User, approver: User, push: PushService
) -> None:
    push.status = 500
    browser = Browser(f"{push.origin}/push/busy")
    sub_id, token = subscribe(client, webpush(browser), {"channel": "sms", "address": PHONE})
    first = issue(deps, operator, approver)
    asyncio.run(Dispatcher(deps.uow.engine, channels(push)).drain())
    row = rows(deps, first, "webpush")[sub_id]
    assert row["state"] == "pending" and "500" in row["last_error"]  # due again after the backoff
    with deps.uow.read() as repo:
        [attempt] = repo.conn.execute(select(delivery_attempts).where(
            delivery_attempts.c.channel == "webpush")).mappings().all()
    assert not attempt["ok"]
    got = view(client, sub_id, token)
    assert got["state"] == "active" and got["removed_channels"] == []
    assert got["channels"] == [webpush(browser), {"channel": "sms", "address": PHONE}]
    cancel = services.cancel_alert(deps, first, approver)["cancel"]["identifier"]
    expand(deps)
    assert sub_id in rows(deps, cancel, "webpush")


def test_reading_a_subscription_needs_its_token(client: TestClient, push: PushService) -> None:
    sub_id, token = subscribe(client, webpush(Browser(f"{push.origin}/push/1")))
    assert view(client, sub_id, token)["channels"][0]["channel"] == "webpush"
    wrong = client.get(f"/api/v1/subscriptions/{sub_id}", headers={"X-Subscription-Token": "x" * 20})
    assert wrong.status_code == 422 and wrong.json()["field"] == "token"
    assert client.get(f"/api/v1/subscriptions/{sub_id}").status_code == 422
    missing = client.get("/api/v1/subscriptions/sub-none", headers={"X-Subscription-Token": token})
    assert missing.status_code == 404


def test_after_unsubscribing_queued_deliveries_are_not_sent(
    client: TestClient, deps: Deps, operator: User, approver: User, push: PushService
) -> None:
    sub_id, token = subscribe(client, webpush(Browser(f"{push.origin}/push/ok")), {"channel": "sms", "address": PHONE})
    first = issue(deps, operator, approver)  # queued for this subscriber, not sent yet
    assert client.post(f"/api/v1/subscriptions/{sub_id}/unsubscribe", json={"token": token}).status_code == 200
    asyncio.run(Dispatcher(deps.uow.engine, channels(push)).drain())
    assert push.requests == []  # the push service never heard of it
    assert {c: rows(deps, first, c)[sub_id]["state"] for c in ("webpush", "sms")} == \
        {"webpush": "failed", "sms": "failed"}
