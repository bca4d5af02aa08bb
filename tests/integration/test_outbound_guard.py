"""SSRF: subscriber-supplied URLs reach only public https addresses. A canary listener on loopback must
receive nothing — at subscription, at send time, through redirects and through name resolution — while
the same test with its origin allow-listed (AIRWARN_OUTBOUND_ALLOW) delivers."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from fastapi.testclient import TestClient

from airwarn.api.app import create_app
from airwarn.delivery.channels.base import MemoryChannel, Refused
from airwarn.delivery.channels.http import HttpPoster
from airwarn.delivery.channels.webhook import WebhookChannel
from airwarn.delivery.dispatcher import Dispatcher
from airwarn.delivery.fanout import make_fanout
from airwarn.delivery.outbound import BlockedAddress, GuardedResolver, Origin, OutboundPolicy, check_resolved
from airwarn.domain.users import User
from airwarn.errors import InvalidInput
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from tests.integration.subscribing import WEBHOOK_KEY, Hook, settings_for


class TcpCanary:
    """Counts every TCP connection made to it (whatever is sent)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self.sock.close()


@pytest.fixture
def canary() -> Iterator[Hook]:
    hook = Hook()
    yield hook
    hook.close()


def issue(deps: Deps, operator: User, approver: User) -> str:
    draft = ReportDraft(kind="interception", region="RU-ROS", source_type="official", districts=["Millerovsky"])
    pending = services.submit_report(deps, draft, operator).alerts[0]["identifier"]
    return str(services.approve_alert(deps, pending, approver)["identifier"])


def twins() -> dict[str, MemoryChannel]:
    return {name: MemoryChannel(name) for name in ("live", "cap", "mqtt")}


def hostile(port: int) -> list[str]:
    return [f"http://127.0.0.1:{port}/hook", f"https://127.0.0.1:{port}/hook", f"http://localhost:{port}/",
            f"https://[::ffff:127.0.0.1]:{port}/", f"https://evil.example@127.0.0.1:{port}/",
            f"https://evil.example:x@127.0.0.1:{port}/", f"https://127.1:{port}/", f"https://0x7f.1:{port}/",
            f"https://2130706433:{port}/", f"https://[::1]:{port}/", f"https://10.0.0.1:{port}/",
            f"https://169.254.169.254:{port}/latest/meta-data/", f"https://[fe80::1]:{port}/",
            f"https://0.0.0.0:{port}/", f"https://224.0.0.1:{port}/", "https://a\ud800b.example/"]


def test_loopback_private_and_tricky_webhooks_are_refused_at_subscription_and_the_canary_hears_nothing(
    deps: Deps, canary: Hook
) -> None:
    port = int(canary.origin.rsplit(":", 1)[1])
    client = TestClient(create_app(deps, settings=settings_for(subscribe_per_hour=100)))
    for url in hostile(port):
        body = {"lat": 48.7, "lon": 40.2, "channels": [{"channel": "webhook", "address": url}]}
        r = client.post("/api/v1/subscriptions", content=json.dumps(body),  # \ud800 escaped, as an attacker sends it
                        headers={"Content-Type": "application/json"})
        assert r.status_code == 422, (url, r.text)
        assert r.json()["field"] == "channels[0].address", (url, r.json())
    with deps.uow.read() as repo:
        assert repo.count("subscriptions") == 0
    assert canary.requests == []


def test_the_same_webhook_allow_listed_by_an_administrator_is_verified_and_delivered(
    deps: Deps, canary: Hook, operator: User, approver: User
) -> None:
    deps.fanout = make_fanout(deps.territory)
    client = TestClient(create_app(deps, settings=settings_for(canary.origin)))
    r = client.post("/api/v1/subscriptions", json={"lat": 48.7, "lon": 40.2,
                                                   "channels": [{"channel": "webhook", "address": canary.url}]})
    assert r.status_code == 201, r.text
    assert r.json()["state"] == "active" and len(canary.challenges()) == 1  # the handshake got through
    identifier = issue(deps, operator, approver)
    channels = {**twins(), "webhook": WebhookChannel(WEBHOOK_KEY, policy=OutboundPolicy.from_settings(canary.origin))}
    asyncio.run(Dispatcher(deps.uow.engine, channels).drain())
    [(headers, body)] = canary.deliveries()
    assert json.loads(body)["identifier"] == identifier and headers["X-Airwarn-Identifier"] == identifier


def test_at_send_time_a_webhook_no_longer_allowed_is_refused_once_and_not_retried(
    deps: Deps, canary: Hook, operator: User, approver: User
) -> None:
    deps.fanout = make_fanout(deps.territory)
    client = TestClient(create_app(deps, settings=settings_for(canary.origin)))
    client.post("/api/v1/subscriptions", json={"lat": 48.7, "lon": 40.2,
                                              "channels": [{"channel": "webhook", "address": canary.url}]})
    identifier = issue(deps, operator, approver)
    before = len(canary.requests)
    strict = {**twins(), "webhook": WebhookChannel(WEBHOOK_KEY)}  # the administrator removed the allow-list
    asyncio.run(Dispatcher(deps.uow.engine, strict).drain())
    assert len(canary.requests) == before
    with deps.uow.read() as repo:
        [row] = [r for r in repo.outbox_rows(identifier) if r["channel"] == "webhook"]
    assert row["state"] == "failed" and row["attempts"] == 1 and row["last_error"].startswith("Refused: ")


def test_redirects_are_checked_hop_by_hop_and_limited(canary: Hook) -> None:
    allowed = Hook()
    to_canary = Hook(redirect_to=canary.url)
    loop_hooks = [Hook() for _ in range(5)]
    for a, b in zip(loop_hooks, loop_hooks[1:], strict=False):
        a.redirect_to = b.url
    try:
        to_allowed = Hook(redirect_to=allowed.url)
        policy = OutboundPolicy.from_settings(",".join(h.origin for h in (allowed, to_canary, to_allowed,
                                                                           *loop_hooks)))

        async def post(url: str) -> int:
            http = HttpPoster(2.0, policy=policy)
            try:
                return await http.post(url, b"{}", {})
            finally:
                await http.aclose()

        with pytest.raises(Refused, match="https"):
            asyncio.run(post(to_canary.url))  # the canary's origin is not allowed: never contacted
        assert canary.requests == [] and len(to_canary.requests) == 1
        assert asyncio.run(post(to_allowed.url)) == 200 and len(allowed.requests) == 1
        with pytest.raises(Refused, match="more than 3 redirects"):
            asyncio.run(post(loop_hooks[0].url))
        assert [len(h.requests) for h in loop_hooks] == [1, 1, 1, 1, 0]
    finally:
        for h in (allowed, to_canary, to_allowed, *loop_hooks):
            h.close()


def test_names_are_checked_after_resolution_and_the_connection_goes_only_to_checked_addresses() -> None:
    tcp = TcpCanary()
    try:
        with pytest.raises(BlockedAddress, match="not a public address"):
            asyncio.run(GuardedResolver(OutboundPolicy()).resolve("localhost", tcp.port))

        async def connect() -> None:
            http = HttpPoster(2.0, policy=OutboundPolicy())
            try:
                await http._once(f"https://localhost:{tcp.port}/", b"{}", {})  # past the URL check on purpose
            finally:
                await http.aclose()

        with pytest.raises(Refused, match="localhost resolves to 127.0.0.1"):
            asyncio.run(connect())
        assert tcp.connections == 0
        # allow-listed, the same name connects (the administrator's integrator on the local network)
        allowed = OutboundPolicy.from_settings(f"https://localhost:{tcp.port}")
        assert asyncio.run(GuardedResolver(allowed).resolve("localhost", tcp.port))
    finally:
        tcp.close()


def test_push_endpoints_only_at_known_push_services_unless_configured(deps: Deps) -> None:
    from tests.integration.test_delivery_webpush import Browser

    client = TestClient(create_app(deps, settings=settings_for(subscribe_per_hour=100)))
    for endpoint in ("https://evil.example/push/1", "http://fcm.googleapis.com/fcm/send/x",
                     "https://fcm.googleapis.com.evil.example/x", "https://127.0.0.1/push"):
        r = client.post("/api/v1/subscriptions", json={"lat": 48.7, "lon": 40.2, "channels": [
            {"channel": "webpush", "address": Browser(endpoint).subscription}]})
        assert r.status_code == 422 and r.json()["field"] == "channels[0].address.endpoint", (endpoint, r.text)
    for endpoint in ("https://fcm.googleapis.com/fcm/send/abc", "https://updates.push.services.mozilla.com/wpush/v2/x",
                     "https://web.push.apple.com/QGx", "https://db5p.notify.windows.com/w/?token=x"):
        r = client.post("/api/v1/subscriptions", json={"lat": 48.7, "lon": 40.2, "channels": [
            {"channel": "webpush", "address": Browser(endpoint).subscription}]})
        assert r.status_code == 201, (endpoint, r.text)
    extra = TestClient(create_app(deps, settings=settings_for(push_hosts="push.example.org")))
    r = extra.post("/api/v1/subscriptions", json={"lat": 48.7, "lon": 40.2, "channels": [
        {"channel": "webpush", "address": Browser("https://eu.push.example.org/x").subscription}]})
    assert r.status_code == 201, r.text


class NamesOnly(OutboundPolicy):
    """The policy with its rules on the URL's form switched off, to show the resolution check on its own
    (no dotted name resolves to loopback on this machine without a DNS server)."""

    def why_not(self, url: object, *, push: bool = False) -> str | None:
        return None


def test_at_subscription_a_name_that_resolves_to_a_private_address_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match="resolves to") as caught:
        asyncio.run(check_resolved(NamesOnly(), "https://localhost/hook", "channels[0].address"))
    assert caught.value.field == "channels[0].address"
    asyncio.run(check_resolved(NamesOnly(), "https://no-such-host.invalid/hook", "x"))  # unknown now: later
    asyncio.run(check_resolved(NamesOnly(allow=(Origin("https", "localhost", 443),)), "https://localhost/", "x"))


class RebindingDns(AbstractResolver):
    """An attacker's DNS: a public address for the first question about a name, loopback afterwards."""

    def __init__(self, port: int) -> None:
        self.port, self.asked = port, 0

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
                      ) -> list[ResolveResult]:
        self.asked += 1
        address = "93.184.215.14" if self.asked == 1 else "127.0.0.1"
        return [{"hostname": host, "host": address, "port": self.port, "family": socket.AF_INET, "proto": 0,
                 "flags": 0}]

    async def close(self) -> None:
        return None


def test_a_name_rebound_to_loopback_after_the_subscription_check_is_refused_at_connect_time() -> None:
    tcp = TcpCanary()
    dns = RebindingDns(tcp.port)
    url = f"https://rebind.example:{tcp.port}/hook"
    try:
        asyncio.run(check_resolved(OutboundPolicy(), url, "channels[0].address", inner=dns))  # looks public now

        async def send() -> None:
            http = HttpPoster(2.0, policy=OutboundPolicy(), dns=dns)
            try:
                await http.post(url, b"{}", {})
            finally:
                await http.aclose()

        with pytest.raises(Refused, match="rebind.example resolves to 127.0.0.1"):
            asyncio.run(send())
        assert dns.asked == 2 and tcp.connections == 0
    finally:
        tcp.close()
