"""Subscriptions over HTTP and the fan-out inside the issuing transaction (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from airwarn.api.app import create_app
from airwarn.delivery.fanout import FANOUT_SHARDS, make_fanout
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from tests.fixtures.fanout import expand
from tests.integration.subscribing import Hook, api_subscribe, settings_for

PHONE = "+79991234567"
# a browser's PushSubscription keys (P-256 point and 16-byte auth secret, base64url)
P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
AUTH = "tBHItJI5svbpez7KI4CCXg"


@pytest.fixture
def gateway() -> Iterator[Hook]:
    """The SMS gateway (a real local HTTP receiver) that also serves as an allow-listed webhook endpoint."""
    hook = Hook()
    yield hook
    hook.close()


@pytest.fixture
def client(deps: Deps, gateway: Hook) -> TestClient:
    deps.fanout = make_fanout(deps.territory, shards=FANOUT_SHARDS)  # every shard, however few subscribers
    return TestClient(create_app(deps, settings=settings_for(gateway.origin, sms_url=gateway.url,
                                                             subscribe_per_hour=100)))


def subscribe(client: TestClient, confirm: bool = True, **body: Any) -> str:
    """Subscribe; with `confirm`, type back the code the gateway got (webhooks answer their challenge)."""
    gateway = client.app.state.test_gateway if confirm else None  # type: ignore[attr-defined]
    made = api_subscribe(client, gateway, body)
    assert made["state"] == ("active" if confirm else "pending"), made
    return str(made["id"])


@pytest.fixture(autouse=True)
def _gateway_on_app(client: TestClient, gateway: Hook) -> None:
    client.app.state.test_gateway = gateway  # type: ignore[attr-defined]


@pytest.mark.parametrize(("body", "field"), [
    ({"lat": 48.7, "channels": [{"channel": "sms", "address": PHONE}]}, "lon"),
    ({"lat": 48.7, "lon": 40.2, "channels": [{"channel": "sms", "address": "12"}]}, "channels[0].address"),
    ({"districts": ["Atlantis"], "channels": [{"channel": "sms", "address": PHONE}]}, "districts[0]"),
    ({"lat": 48.7, "lon": 40.2, "channels": [{"channel": "fax", "address": "x"}]}, "channels[0].channel"),
    ({"lat": 48.7, "lon": 40.2, "quiet_start": "25:00", "quiet_end": "07:00",
      "channels": [{"channel": "sms", "address": PHONE}]}, "quiet_start"),
    ({"lat": 48.7, "lon": 40.2, "channels": []}, "channels"),
    ({"lat": 48.7, "lon": 40.2, "channels": [{"channel": "webpush", "address": {
        "endpoint": "https://fcm.googleapis.com/fcm/send/1", "keys": {"p256dh": "BCd", "auth": AUTH}}}]},
     "channels[0].address.keys"),
    ({"lat": 48.7, "lon": 40.2, "districts": ["Mill\ud800"], "channels": [{"channel": "sms", "address": PHONE}]},
     "districts[0]"),
    ({"lat": 48.7, "lon": 40.2, "timezone": "Europe/\u0000", "channels": [{"channel": "sms", "address": PHONE}]},
     "timezone"),
    ({"lat": 48.7, "lon": 40.2, "channels": [{"channel": "webhook", "address": "https://a\ud800b.example/"}]},
     "channels[0].address"),
    ({"lat": 48.7, "lon": 40.2, "channels": [{"channel": "sms", "address": PHONE},
                                            {"channel": "sms", "address": "+79990000009"}]}, "channels[1]"),
])
def test_bad_subscriptions_name_the_field_and_store_nothing(client: TestClient, deps: Deps,
                                                            body: dict[str, Any], field: str) -> None:
    r = client.post("/api/v1/subscriptions", content=json.dumps(body),  # lone surrogates as JSON escapes
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == field, r.text
    with deps.uow.read() as repo:
        assert repo.count("subscriptions") == 0


def test_confirm_needs_the_token_and_unsubscribe_is_final(client: TestClient) -> None:
    r = client.post("/api/v1/subscriptions", json={
        "districts": ["Millerovsky"], "channels": [{"channel": "sms", "address": PHONE}]}).json()
    tok = {"token": r["token"]}
    assert r["districts"] == ["RU-ROS-MILLEROVSKY"] and r["timezone"] == "Europe/Moscow"
    wrong = client.post(f"/api/v1/subscriptions/{r['id']}/confirm", json={"token": "x" * 20})
    assert wrong.status_code == 422 and wrong.json()["field"] == "token"
    assert client.post(f"/api/v1/subscriptions/{r['id']}/unsubscribe",
                       json=tok).json()["state"] == "unsubscribed"
    assert client.post(f"/api/v1/subscriptions/{r['id']}/confirm", json=tok).status_code == 409
    kept = client.get(f"/api/v1/subscriptions/{r['id']}", headers={"X-Subscription-Token": r["token"]}).json()
    assert (kept["channels"], kept["districts"], kept["lat"], kept["lon"]) == ([], [], None, None)  # erased
    assert client.post("/api/v1/subscriptions/sub-none/confirm", json=tok).status_code == 404


def test_issued_alert_writes_rows_for_sirens_feed_live_and_subscribers_in_the_area(
    client: TestClient, deps: Deps, operator: User, approver: User
) -> None:
    inside = subscribe(client, lat=48.7, lon=40.2, channels=[
        {"channel": "sms", "address": PHONE}, {"channel": "webhook", "address": client.app.state.test_gateway.url}])
    by_district = subscribe(client, districts=["Sholokhovsky"],
                            channels=[{"channel": "sms", "address": "+79990000001"}])
    subscribe(client, lat=53.2, lon=45.2, channels=[{"channel": "sms", "address": "+79990000002"}])  # Penza
    lives_in_penza = subscribe(client, lat=53.2, lon=45.2, districts=["Millerovsky"],  # …family in Millerovsky
                               channels=[{"channel": "sms", "address": "+79990000005"}])
    subscribe(client, confirm=False, lat=48.7, lon=40.2,
              channels=[{"channel": "sms", "address": "+79990000003"}])
    subscribe(client, lat=48.7, lon=40.2, threat_kinds=["missile_hazard"],
              channels=[{"channel": "sms", "address": "+79990000004"}])
    draft = ReportDraft(kind="interception", region="RU-ROS", source_type="official",
                        districts=["Millerovsky", "Sholokhovsky"])
    pending = services.submit_report(deps, draft, operator).alerts[0]["identifier"]
    assert expand(deps) == 0  # no fan-out job either
    with deps.uow.read() as repo:
        assert repo.outbox_rows(pending) == []  # nothing goes out before the second person approves
    services.approve_alert(deps, pending, approver)
    before = client.get(f"/api/v1/alerts/{pending}/deliveries").json()  # the shards are not counted yet…
    assert before["targets"] == 4 and before["fanout_jobs"] == {"pending": 3 * FANOUT_SHARDS, "expanded": 0, "dead": 0}
    assert client.get(f"/api/v1/alerts/{pending}").json()["deliveries"]["fanout_pending"] == 3 * FANOUT_SHARDS
    expand(deps)
    after = client.get(f"/api/v1/alerts/{pending}/deliveries").json()  # …and are, once expanded
    assert after["targets"] == 8 and after["fanout_jobs"] == {"pending": 0, "expanded": 3 * FANOUT_SHARDS, "dead": 0}
    with deps.uow.read() as repo:
        rows = {(r["channel"], r["target"]) for r in repo.outbox_rows(pending)}
    assert rows == {
        ("live", "*"), ("cap", "atom"),
        ("mqtt", "airwarn/sirens/RU-ROS-MILLEROVSKY"), ("mqtt", "airwarn/sirens/RU-ROS-SHOLOKHOVSKY"),
        ("sms", inside), ("webhook", inside), ("sms", by_district), ("sms", lives_in_penza),
    }


def test_restricted_mobile_internet_switches_to_sms_sirens_and_cap_with_the_reason(
    client: TestClient, deps: Deps, operator: User, approver: User
) -> None:
    sub = subscribe(client, lat=53.2, lon=45.2, channels=[
        {"channel": "sms", "address": PHONE},
        {"channel": "webpush", "address": {"endpoint": "https://fcm.googleapis.com/fcm/send/1",
                                           "keys": {"p256dh": P256DH, "auth": AUTH}}}])
    draft = ReportDraft(kind="regime_declared", region="RU-PNZ", source_type="official",
                        regime="drone_hazard")
    identifier = services.submit_report(deps, draft, operator).alerts[0]["identifier"]
    services.approve_alert(deps, identifier, approver)
    expand(deps)
    with deps.uow.read() as repo:
        rows = repo.outbox_rows(identifier)
    assert {r["channel"] for r in rows} == {"cap", "mqtt", "sms"}
    assert {r["reason"] for r in rows} == {"mobile internet restricted in RU-PNZ"}
    assert ("sms", sub) in {(r["channel"], r["target"]) for r in rows}
