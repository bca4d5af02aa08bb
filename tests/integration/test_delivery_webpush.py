"""Web Push against a local push service: it holds the browser's private ECDH key and auth secret, decrypts
the RFC 8291 (aes128gcm) payload with http_ece and verifies the VAPID JWT on its own."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import http_ece
import pytest
import typer
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from airwarn.api.app import create_app
from airwarn.cli import keys
from airwarn.delivery.channels.base import Gone, MemoryChannel, Message, Refused
from airwarn.delivery.channels.webpush import WebPushChannel, generate_vapid, push_topic
from airwarn.delivery.dispatcher import Dispatcher
from airwarn.delivery.fanout import make_fanout
from airwarn.delivery.outbound import OutboundPolicy
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from airwarn.store.delivery_tables import delivery_attempts
from tests.integration.subscribing import settings_for
from tests.integration.test_delivery_channels import send_once

SUBJECT = "mailto:alerts@authority.example"


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Browser:
    """What a browser keeps for one PushSubscription: its ECDH key pair and auth secret."""

    def __init__(self, endpoint: str) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        point = self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                   serialization.PublicFormat.UncompressedPoint)
        self.subscription = {"endpoint": endpoint, "keys": {"p256dh": b64e(point), "auth": b64e(self.auth)}}

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        return dict(json.loads(plain))


def verify_vapid(header: str, audience: str) -> tuple[str, dict[str, Any]]:
    """Check `vapid t=<JWT>,k=<key>` as a push service does (RFC 8292); returns (k, claims)."""
    scheme, _, params = header.partition(" ")
    assert scheme == "vapid"
    parts = dict(p.split("=", 1) for p in params.split(","))
    head_b64, claims_b64, sig_b64 = parts["t"].split(".")
    assert json.loads(b64d(head_b64)) == {"typ": "JWT", "alg": "ES256"}
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64d(parts["k"]))
    sig = b64d(sig_b64)
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    public.verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    claims = json.loads(b64d(claims_b64))
    assert claims["aud"] == audience and claims["sub"] == SUBJECT
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    return parts["k"], dict(claims)


class PushService:
    """A local push service: records (path, headers, body); answers `status`, or 410 on `/gone`."""

    def __init__(self, status: int = 201) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.status = status
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((self.path, dict(self.headers), body))
                self.send_response(410 if self.path == "/gone" else outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.policy = OutboundPolicy.from_settings(self.origin)  # a local stand-in: allow-listed
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def push() -> Any:
    service = PushService()
    yield service
    service.close()


def message(subscription: dict[str, Any], language: str = "ru", status: str = "Actual") -> Message:
    return Message(outbox_id=3, identifier="airwarn-push-1", channel="webpush", target="sub-1", attempt=1,
                   xml="<alert/>", language=language, address=subscription,
                   alert={"identifier": "airwarn-push-1", "msg_type": "Alert", "severity": "Extreme", "status": status,
                          "urgency": "Immediate", "headline": "Drone hazard", "region": "RU-ROS",
                          "texts": {"ru": {"headline": "Беспилотная опасность", "instruction": "В укрытие."}}})


def test_payload_decrypts_with_the_browsers_keys_and_vapid_jwt_verifies(push: PushService) -> None:
    private, public = generate_vapid()
    browser = Browser(f"{push.origin}/push/abc")
    channel = WebPushChannel(private, SUBJECT, public_url="https://warn.example", policy=push.policy)
    send_once(channel, message(browser.subscription))
    [(path, headers, body)] = push.requests
    assert path == "/push/abc" and headers["Content-Encoding"] == "aes128gcm"
    assert headers["TTL"] == "3600" and headers["Urgency"] == "high"
    assert headers["Topic"] == push_topic("airwarn-push-1") and len(headers["Topic"]) <= 32
    key, _ = verify_vapid(headers["Authorization"], push.origin)
    assert key == public == channel.public_key
    got = browser.decrypt(body)
    assert got["identifier"] == "airwarn-push-1" and got["headline"] == "Беспилотная опасность"
    assert got["instruction"] == "В укрытие." and got["url"].endswith("/alerts/airwarn-push-1.xml")
    assert b"airwarn-push-1" not in body  # encrypted on the wire
    with pytest.raises(http_ece.ECEException):  # and only the subscriber's key opens it
        Browser(push.origin).decrypt(body)


@pytest.mark.parametrize(("status", "language", "prefix"), [
    ("Exercise", "ru", "УЧЕНИЯ — "), ("Exercise", "en", "EXERCISE — "), ("Test", "ru", "ТЕСТ — ")])
def test_a_drill_push_headline_begins_with_its_marker_and_names_its_status(
    push: PushService, status: str, language: str, prefix: str
) -> None:
    private, _ = generate_vapid()
    browser = Browser(f"{push.origin}/push/drill")
    send_once(WebPushChannel(private, SUBJECT, policy=push.policy), message(browser.subscription, language, status))
    got = browser.decrypt(push.requests[0][2])
    assert got["headline"].startswith(prefix) and got["status"] == status and got["delivery"] == "3"


def test_a_push_endpoint_outside_the_push_services_is_refused_at_send_time(push: PushService) -> None:
    private, _ = generate_vapid()
    with pytest.raises(Refused, match="not a known push service"):
        send_once(WebPushChannel(private, SUBJECT), message(Browser("https://evil.example/push").subscription))
    with pytest.raises(Refused, match="https"):  # the local stand-in, without its allow-list entry
        send_once(WebPushChannel(private, SUBJECT), message(Browser(f"{push.origin}/p").subscription))
    assert push.requests == []


def test_a_forged_vapid_signature_is_caught_by_the_receiver_check(push: PushService) -> None:
    private, _ = generate_vapid()
    send_once(WebPushChannel(private, SUBJECT, policy=push.policy), message(Browser(f"{push.origin}/p").subscription))
    header = push.requests[0][1]["Authorization"]
    _, other_public = generate_vapid()
    forged = header.rsplit("k=", 1)[0] + "k=" + other_public
    with pytest.raises(InvalidSignature):
        verify_vapid(forged, push.origin)


def test_an_expired_subscription_is_gone_and_not_retried(push: PushService) -> None:
    push.status = 410
    private, _ = generate_vapid()
    with pytest.raises(Gone, match="410"):
        send_once(WebPushChannel(private, SUBJECT, policy=push.policy), message(Browser(f"{push.origin}/p").subscription))


def test_issued_alert_reaches_a_push_subscriber_through_the_outbox(
    deps: Deps, operator: User, approver: User, push: PushService
) -> None:
    deps.fanout = make_fanout(deps.territory)
    private, _ = generate_vapid()
    browsers = [Browser(f"{push.origin}/push/{i}") for i in range(2)]
    gone = Browser(f"{push.origin}/gone")
    client = TestClient(create_app(deps, settings=settings_for(push.origin)))
    for browser, language in ((browsers[0], "en"), (browsers[1], "ru"), (gone, "en")):
        r = client.post("/api/v1/subscriptions", json={
            "lat": 48.7, "lon": 40.2, "language": language,
            "channels": [{"channel": "webpush", "address": browser.subscription}]}).json()
        client.post(f"/api/v1/subscriptions/{r['id']}/confirm", json={"token": r["token"]})
    draft = ReportDraft(kind="interception", region="RU-ROS", source_type="official", districts=["Millerovsky"])
    pending = services.submit_report(deps, draft, operator).alerts[0]["identifier"]
    identifier = services.approve_alert(deps, pending, approver)["identifier"]

    channels = {"webpush": WebPushChannel(private, SUBJECT, policy=push.policy), "live": MemoryChannel("live"),
                "cap": MemoryChannel("cap"), "mqtt": MemoryChannel("mqtt")}
    asyncio.run(Dispatcher(deps.uow.engine, channels).drain())
    by_path = {path: (headers, body) for path, headers, body in push.requests}
    assert set(by_path) == {"/push/0", "/push/1", "/gone"} and len(push.requests) == 3  # Gone: no retry
    en, ru = (b.decrypt(by_path[f"/push/{i}"][1]) for i, b in enumerate(browsers))
    assert en["identifier"] == ru["identifier"] == identifier
    assert en["headline"].startswith("Drone") and ru["headline"] != en["headline"] and ru["language"] == "ru"
    verify_vapid(by_path["/push/0"][0]["Authorization"], push.origin)
    with deps.uow.read() as repo:
        rows = [r for r in repo.outbox_rows(identifier) if r["channel"] == "webpush"]
        attempts = repo.conn.execute(select(delivery_attempts).where(
            delivery_attempts.c.channel == "webpush")).mappings().all()
    assert sorted(r["state"] for r in rows) == ["delivered", "delivered", "failed"] and len(attempts) == 3


def test_keys_vapid_command_prints_a_usable_key_pair() -> None:
    app = typer.Typer()
    keys.register(app)
    result = CliRunner().invoke(app, ["keys", "vapid", "--json"])
    assert result.exit_code == 0, result.output
    pair = json.loads(result.stdout)
    channel = WebPushChannel(pair["private_key"], SUBJECT)
    assert channel.public_key == pair["public_key"] and len(b64d(pair["public_key"])) == 65


def test_browsers_get_the_public_key_for_push_manager_subscribe(deps: Deps, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRWARN_VAPID_PRIVATE_KEY", raising=False)
    missing = TestClient(create_app(deps)).get("/api/v1/subscriptions/webpush-key")
    assert missing.status_code == 404 and missing.json()["field"] == "webpush"
    private, public = generate_vapid()
    monkeypatch.setenv("AIRWARN_VAPID_PRIVATE_KEY", private)  # a node started with the key configured
    assert TestClient(create_app(deps)).get("/api/v1/subscriptions/webpush-key").json() == {"public_key": public}
