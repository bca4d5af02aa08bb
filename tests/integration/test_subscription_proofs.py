"""Nothing goes to an address before its owner proves it: a phone types back the code the SMS gateway carried
(the API never returns it), a webhook echoes a challenge. Creating and proving are rate-limited; Test
alerts reach only those who accept tests. Real local gateway and webhook endpoint, real database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from airwarn.api.app import create_app
from airwarn.delivery.channels.webhook import subscriber_secret, verify
from airwarn.delivery.fanout import make_fanout
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from airwarn.settings import Settings
from tests.fixtures.fanout import expand
from tests.integration.subscribing import WEBHOOK_KEY, Hook, api_subscribe, settings_for

PHONE = "+79991234567"
HERE = {"lat": 48.7, "lon": 40.2, "districts": ["Millerovsky", "Sholokhovsky", "Chertkovsky", "Verkhnedonskoy"]}


@pytest.fixture
def gateway() -> Iterator[Hook]:
    hook = Hook()
    yield hook
    hook.close()


def app(deps: Deps, gateway: Hook, *origins: str, **more: Any) -> TestClient:
    deps.fanout = make_fanout(deps.territory, siren_tests=bool(more.get("siren_tests")))
    settings: Settings = settings_for(gateway.origin, *origins, sms_url=gateway.url, **more)
    return TestClient(create_app(deps, settings=settings))


def create(client: TestClient, *channels: dict[str, Any], **body: Any) -> dict[str, Any]:
    r = client.post("/api/v1/subscriptions", json={**HERE, **body, "channels": list(channels)})
    assert r.status_code == 201, r.text
    return dict(r.json())


def sms(phone: str = PHONE) -> dict[str, str]:
    return {"channel": "sms", "address": phone}


def issue(deps: Deps, operator: User, approver: User, district: str, status: str = "Actual") -> str:
    """A new alert for `district` (each test uses a district once, so each report makes a new alert)."""
    draft = ReportDraft(kind="interception", region="RU-ROS", source_type="official", districts=[district],
                        status=status)
    made = services.submit_report(deps, draft, operator).alerts[0]
    identifier = made["identifier"] if made["state"] == "issued" else \
        services.approve_alert(deps, made["identifier"], approver)["identifier"]
    expand(deps)  # as the node's dispatcher does right after commit
    return str(identifier)


def targets(deps: Deps, identifier: str) -> set[tuple[str, str]]:
    with deps.uow.read() as repo:
        return {(r["channel"], r["target"]) for r in repo.outbox_rows(identifier)}


def confirm(client: TestClient, made: dict[str, Any], **body: Any) -> Any:
    return client.post(f"/api/v1/subscriptions/{made['id']}/confirm", json={"token": made["token"], **body})


def test_a_phone_is_proven_only_by_the_code_the_gateway_carried(
    deps: Deps, gateway: Hook, operator: User, approver: User
) -> None:
    client = app(deps, gateway)
    made = create(client, sms())
    [text] = [t for t in gateway.texts() if t["to"] == PHONE]
    code = gateway.code_for(PHONE)
    assert text["status"] == "Verification" and len(code) == 6 and code not in json.dumps(made)
    assert made["state"] == "pending" and made["pending"][0]["code_sent"] is True
    assert ("sms", made["id"]) not in targets(deps, issue(deps, operator, approver, "Millerovsky"))  # not yet

    missing = confirm(client, made)  # the token alone confirms nothing any more
    assert missing.status_code == 422 and missing.json()["field"] == "code"
    wrong = confirm(client, made, code=f"{(int(code) + 1) % 10**6:06d}")
    assert wrong.status_code == 422 and wrong.json()["field"] == "code" and "4 tries left" in wrong.json()["message"]
    assert confirm(client, made, code="12a4").json()["field"] == "code"
    ok = confirm(client, made, code=code)
    assert ok.status_code == 200 and ok.json()["state"] == "active" and ok.json()["channels"] == ["sms"]
    assert confirm(client, made, code=code).status_code == 409  # used up: no phone waits any more
    assert ("sms", made["id"]) in targets(deps, issue(deps, operator, approver, "Sholokhovsky"))


def test_wrong_codes_run_out_and_a_new_code_replaces_the_old(deps: Deps, gateway: Hook) -> None:
    client = app(deps, gateway)
    made = create(client, sms())
    first = gateway.code_for(PHONE)
    for _ in range(5):
        assert confirm(client, made, code="0000" if first != "0000" else "1111").status_code == 422
    locked = confirm(client, made, code=first)
    assert locked.status_code == 422 and "too many" in locked.json()["message"]
    again = client.post(f"/api/v1/subscriptions/{made['id']}/resend-code", json={"token": made["token"]})
    assert again.status_code == 200, again.text
    second = gateway.code_for(PHONE)
    if second != first:
        assert confirm(client, made, code=first).status_code == 422
    assert confirm(client, made, code=second).json()["state"] == "active"


def test_a_code_expires(deps: Deps, gateway: Hook) -> None:
    client = app(deps, gateway)
    made = create(client, sms())
    later = deps.clock() + timedelta(minutes=16)
    deps.clock = lambda: later
    late = confirm(client, made, code=gateway.code_for(PHONE))
    assert late.status_code == 422 and "expired" in late.json()["message"]


def test_without_a_gateway_the_code_waits_and_the_answer_says_why(deps: Deps) -> None:
    client = TestClient(create_app(deps, settings=settings_for()))
    made = create(client, sms())
    assert made["state"] == "pending" and made["pending"][0]["code_sent"] is False
    assert "AIRWARN_SMS_URL" in made["pending"][0]["reason"]
    again = client.post(f"/api/v1/subscriptions/{made['id']}/resend-code", json={"token": made["token"]})
    assert again.status_code == 503 and "AIRWARN_SMS_URL" in again.json()["message"]


def test_a_webhook_must_echo_the_challenge_before_anything_is_sent_and_its_secret_is_shown_once(
    deps: Deps, gateway: Hook, operator: User, approver: User
) -> None:
    silent = Hook(echo=False)
    try:
        client = app(deps, gateway, silent.origin)
        made = create(client, {"channel": "webhook", "address": silent.url})
        assert made["state"] == "pending" and "did not echo" in made["pending"][0]["last_error"]
        [secret] = made["webhook_secrets"]
        [challenge] = silent.challenges()
        body = silent.requests[0][2]
        assert json.loads(body)["challenge"] == challenge["X-Airwarn-Challenge"]
        assert verify(secret["secret"].encode(), body, challenge["X-Airwarn-Signature"])  # signed with it
        key = secret["secret"]
        assert key != WEBHOOK_KEY.decode() and key != subscriber_secret(WEBHOOK_KEY, made["id"], "")
        assert ("webhook", made["id"]) not in targets(deps, issue(deps, operator, approver, "Millerovsky"))

        view = client.get(f"/api/v1/subscriptions/{made['id']}", headers={"X-Subscription-Token": made["token"]})
        assert key not in view.text and "key" not in json.dumps(view.json()["pending"])  # never shown again
        silent.echo = True  # the integrator fixes the endpoint and asks again
        assert confirm(client, made).json()["state"] == "active"
        assert ("webhook", made["id"]) in targets(deps, issue(deps, operator, approver, "Sholokhovsky"))
    finally:
        silent.close()


def test_subscribing_is_rate_limited_per_address_with_retry_after(deps: Deps, gateway: Hook) -> None:
    client = app(deps, gateway, subscribe_per_hour=2, verify_per_hour=3)
    create(client, sms("+79990000001"))
    made = create(client, sms("+79990000002"))
    third = client.post("/api/v1/subscriptions", json={**HERE, "channels": [sms("+79990000003")]})
    assert third.status_code == 429 and 0 < int(third.headers["Retry-After"]) <= 3600
    assert third.json()["error"] == "rate_limited"
    with deps.uow.read() as repo:
        assert repo.count("subscriptions") == 2
    codes = [confirm(client, made, code="0000").status_code for _ in range(4)]
    assert codes[:3] == [422, 422, 422] and codes[3] == 429  # guessing codes is limited too


def test_one_phone_gets_a_bounded_number_of_codes(deps: Deps, gateway: Hook) -> None:
    client = app(deps, gateway, codes_per_phone_per_day=1)
    create(client, sms())
    second = create(client, sms())  # someone else types the same victim's number
    assert second["pending"][0]["code_sent"] is False and "today" in second["pending"][0]["reason"]
    assert len([t for t in gateway.texts() if t["to"] == PHONE]) == 1


def test_test_alerts_reach_only_subscribers_who_accept_tests_and_sirens_only_when_opted_in(
    deps: Deps, gateway: Hook, operator: User, approver: User
) -> None:
    client = app(deps, gateway)
    plain = api_subscribe(client, gateway, {**HERE, "channels": [sms("+79990000011")]})["id"]
    tester = api_subscribe(client, gateway, {**HERE, "accept_tests": True, "channels": [sms("+79990000012")]})["id"]
    test_alert = targets(deps, issue(deps, operator, approver, "Millerovsky", status="Test"))
    assert ("sms", tester) in test_alert and ("sms", plain) not in test_alert
    assert not any(channel == "mqtt" for channel, _ in test_alert)
    exercise = targets(deps, issue(deps, operator, approver, "Sholokhovsky", status="Exercise"))
    assert {("sms", tester), ("sms", plain)} <= exercise and any(c == "mqtt" for c, _ in exercise)

    opted = app(deps, gateway, siren_tests=True)  # a siren network that asked for tests
    assert opted is not None
    assert any(channel == "mqtt" for channel, _ in targets(deps, issue(deps, operator, approver, "Chertkovsky", status="Test")))
