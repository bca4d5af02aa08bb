"""Issue 11 in-process: security headers on every answer, rate limits and the bad-token lockout, extreme
inputs that used to be plain-text 500s, Atom links from the configured base URL, revoke/rotate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from airwarn import accounts
from airwarn.api.app import create_app
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.settings import Settings

REPORT = {"kind": "interception", "region": "RU-ROS", "districts": ["Millerovsky"],
          "source": {"type": "official", "name": "Governor"}}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def client_for(deps: Deps, address: str = "203.0.113.7", **settings: Any) -> TestClient:
    return TestClient(create_app(deps, settings=Settings(dispatch=False, **settings)),
                      raise_server_exceptions=False, client=(address, 40000))


@pytest.fixture
def client(deps: Deps) -> Iterator[TestClient]:
    with client_for(deps) as c:
        yield c


@pytest.fixture
def admin(deps: Deps) -> str:
    return services.add_user(deps, "root", "admin", actor="test")


@pytest.mark.parametrize("path", ["/", "/console", "/api/v1/status", "/static/js/common.js", "/healthz",
                                  "/api/v1/no-such-thing", "/api/v1/reports"])
def test_every_answer_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'",
                      "frame-ancestors 'none'", "connect-src 'self'"):
        assert directive in csp, (path, csp)
    assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_a_configured_tile_server_is_the_only_extra_image_source(deps: Deps,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRWARN_TILE_URL", "https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    with client_for(deps) as c:
        csp = c.get("/").headers["content-security-policy"]
    assert "img-src 'self' data: https://*.tiles.example.org;" in csp
    assert "connect-src 'self';" in csp


def test_reports_over_the_per_token_rate_get_429_with_retry_after(deps: Deps, admin: str) -> None:
    with client_for(deps, rate_reports_token="3/minute") as c:
        codes = [c.post("/api/v1/reports", json=REPORT, headers=auth(admin)).status_code for _ in range(4)]
        assert codes[:3] == [201, 201, 201]
        limited = c.post("/api/v1/reports", json=REPORT, headers=auth(admin))
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["error"] == "rate_limited"
    with deps.uow.read() as repo:
        assert repo.count("reports") == 3  # the refused ones changed nothing


def test_reports_over_the_per_address_rate_get_429_whatever_the_token(deps: Deps, admin: str) -> None:
    second = services.add_user(deps, "second", "operator", actor="test")
    with client_for(deps, rate_reports_address="2/minute") as c:
        assert c.post("/api/v1/reports", json=REPORT, headers=auth(admin)).status_code == 201
        assert c.post("/api/v1/reports", json=REPORT, headers=auth(second)).status_code == 201
        assert c.post("/api/v1/reports", json=REPORT, headers=auth(second)).status_code == 429
        assert c.get("/api/v1/reports", headers=auth(admin)).status_code == 200  # reads are not reports


def test_messages_and_subscriptions_are_limited_per_address(deps: Deps, admin: str) -> None:
    with client_for(deps, rate_messages_address="1/minute", rate_subscriptions_address="2/hour") as c:
        message = {"text": "Drones shot down over Millerovsky district", "source": {"type": "official"}}
        assert c.post("/api/v1/messages", json=message, headers=auth(admin)).status_code == 201
        assert c.post("/api/v1/messages", json=message, headers=auth(admin)).status_code == 429
        sub = {"lat": 48.9, "lon": 40.4, "channels": [{"channel": "sms", "address": "+79990000001"}]}
        first = [c.post("/api/v1/subscriptions", json=sub).status_code for _ in range(2)]
        assert all(code < 429 for code in first), first
        refused = c.post("/api/v1/subscriptions", json=sub)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 60


def test_bad_tokens_lock_the_address_out_and_the_lockout_is_audited_once(deps: Deps, admin: str) -> None:
    with client_for(deps, address="198.51.100.9", lockout_failures=5, lockout_s=120) as attacker:
        neighbour = TestClient(attacker.app, raise_server_exceptions=False, client=("192.0.2.1", 40000))  # same node
        answers = [attacker.get("/api/v1/reports", headers=auth(f"aw_wrong{i}")).status_code for i in range(5)]
        assert answers == [401] * 5
        locked = attacker.get("/api/v1/reports", headers=auth(admin))  # even a good token: the address is locked
        assert locked.status_code == 429 and 60 < int(locked.headers["retry-after"]) <= 120
        for i in range(10):
            assert attacker.get("/api/v1/reports", headers=auth(f"aw_again{i}")).status_code == 429
        assert attacker.get("/api/v1/status").status_code == 200  # the public page still works for residents
        assert neighbour.get("/api/v1/reports", headers=auth(admin)).status_code == 200
    with deps.uow.read() as repo:
        lockouts = [r for r in repo.audit() if r.action == "auth.locked_out"]
    assert len(lockouts) == 1
    assert lockouts[0].entity_id == "198.51.100.9" and lockouts[0].data["failures"] == 5


def test_each_token_is_limited_on_its_own(deps: Deps, admin: str) -> None:
    with client_for(deps, rate_token="5/minute") as c:
        codes = [c.get("/api/v1/reports", headers=auth(admin)).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("post", "/api/v1/reports", REPORT | {"time": "0001-01-01T00:00:00-14:00"}, "time"),
    ("post", "/api/v1/reports", REPORT | {"time": "9999-12-31T23:59:59+00:00"}, "time"),
    ("post", "/api/v1/messages", {"text": "drones over Millerovsky", "source": {"type": "official"},
                                  "received_at": "9999-12-31T23:59:59-14:00"}, "received_at"),
    ("post", "/api/v1/messages", {"text": "drones over Millerovsky", "source": {"type": "official"},
                                  "received_at": "0001-01-01T00:00:00+14:00"}, "received_at"),
    ("get", "/api/v1/audit?after=99999999999999999999", None, "after"),
    ("get", "/api/v1/audit?limit=99999999999999999999", None, "limit"),
])
def test_extreme_values_get_a_4xx_naming_the_field(client: TestClient, admin: str, deps: Deps, method: str,
                                                   path: str, body: dict[str, Any] | None, field: str) -> None:
    before = {t: _count(deps, t) for t in ("reports", "alerts", "audit_log")}
    response = client.request(method.upper(), path, json=body, headers=auth(admin))
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["field"] == field
    assert {t: _count(deps, t) for t in before} == before


def _count(deps: Deps, table: str) -> int:
    with deps.uow.read() as repo:
        return repo.count(table)


def test_an_unexpected_error_is_a_json_500_with_the_headers(deps: Deps, admin: str) -> None:
    app = create_app(deps, settings=Settings(dispatch=False))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail postgresql://u:hunter2@db/x")

    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"error": "internal", "message": "internal error; it has been logged"}
    assert response.headers["x-content-type-options"] == "nosniff"


def test_atom_links_come_from_the_public_url_never_the_host_header(deps: Deps) -> None:
    with client_for(deps, public_url="https://alerts.authority.example") as c:
        feed = c.get("/api/v1/alerts.atom", headers={"Host": "evil.example"}).text
        assert "https://alerts.authority.example/api/v1/alerts.atom" in feed
        assert "evil.example" not in feed
        assert c.get("/").headers["strict-transport-security"].startswith("max-age=")


def test_a_revoked_token_stops_at_once_and_a_rotated_one_is_replaced(client: TestClient, deps: Deps) -> None:
    token = services.add_user(deps, "olga", "operator", actor="test")
    assert client.get("/api/v1/reports", headers=auth(token)).status_code == 200
    fresh = accounts.rotate_token(deps, "olga", actor="test")
    assert client.get("/api/v1/reports", headers=auth(token)).status_code == 401
    assert client.get("/api/v1/reports", headers=auth(fresh)).status_code == 200
    accounts.revoke_user(deps, "olga", actor="test", reason="left the service")
    assert client.get("/api/v1/reports", headers=auth(fresh)).status_code == 401
    with deps.uow.read() as repo:
        actions = [r.action for r in repo.audit() if r.entity_id == "olga"]
    assert actions == ["user.added", "user.token_rotated", "user.revoked"]


def test_a_bus_that_never_answers_fails_the_start_in_time(deps: Deps) -> None:
    """The node's own bus start is bounded too (the probe before it may pass and the bus vanish after)."""
    import socket
    import time

    holder = socket.socket()  # bound, not listening: connections are refused for as long as it is held
    holder.bind(("127.0.0.1", 0))
    from airwarn.bus.nats import NatsBus

    deps.events = NatsBus(f"nats://127.0.0.1:{holder.getsockname()[1]}")
    app = create_app(deps, settings=Settings(dispatch=False, startup_timeout_s=1.0))
    began = time.monotonic()
    with holder, pytest.raises(TimeoutError), TestClient(app):
        pass
    assert time.monotonic() - began < 5


def test_an_admin_revokes_and_rotates_through_the_api_but_not_their_own(client: TestClient, deps: Deps,
                                                                       admin: str) -> None:
    token = services.add_user(deps, "olga", "operator", actor="test")
    assert client.post("/api/v1/users/olga/rotate", headers=auth(token)).status_code == 403  # admins only
    rotated = client.post("/api/v1/users/olga/rotate", headers=auth(admin))
    assert rotated.status_code == 200
    fresh = rotated.json()["token"]
    assert client.get("/api/v1/reports", headers=auth(token)).status_code == 401
    assert client.get("/api/v1/reports", headers=auth(fresh)).status_code == 200
    revoked = client.post("/api/v1/users/olga/revoke", json={"reason": "lost phone"}, headers=auth(admin))
    assert revoked.json() == {"name": "olga", "active": False}
    assert client.get("/api/v1/reports", headers=auth(fresh)).status_code == 401
    assert client.post("/api/v1/users/olga/revoke", headers=auth(admin)).status_code == 409
    assert client.post("/api/v1/users/nobody/rotate", headers=auth(admin)).json()["field"] == "name"
    assert client.post("/api/v1/users/root/revoke", headers=auth(admin)).status_code == 409  # not oneself
    with deps.uow.read() as repo:
        records = [(r.actor, r.action) for r in repo.audit() if r.entity_id == "olga"]
    assert records == [("test", "user.added"), ("root", "user.token_rotated"), ("root", "user.revoked")]
