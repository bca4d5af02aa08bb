"""The HTTP API end to end: auth, reports to alerts, CAP and Atom, and bad input that changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from airwarn.api.app import create_app
from airwarn.cap.atom import alerts_from_feed
from airwarn.cap.signing import SignatureInvalid, Signer
from airwarn.domain.territory import Territory
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.settings import Settings
from airwarn.store.engine import make_engine
from airwarn.store.uow import UnitOfWork

INTERCEPTION = {
    "kind": "interception",
    "region": "RU-ROS",
    "districts": ["Millerovsky", "Chertkovsky"],
    "source": {"type": "official", "name": "Governor of Rostov Region"},
    "casualties": 0,
    "damage": False,
    "text": "all drones neutralised",
}


@pytest.fixture
def tokens(deps: Deps) -> dict[str, str]:
    return {role: services.add_user(deps, f"{role}-1", role) for role in ("observer", "operator", "approver")}


@pytest.fixture
def client(deps: Deps) -> Iterator[TestClient]:
    with TestClient(create_app(deps, settings=Settings(max_body_bytes=64_000)), raise_server_exceptions=False) as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def counts(deps: Deps) -> dict[str, int]:
    with deps.uow.read() as repo:
        return {t: repo.count(t) for t in ("reports", "regimes", "alerts", "outbox", "audit_log")}


def test_report_to_signed_cap_alert_in_the_feed(
    client: TestClient, tokens: dict[str, str], signer: Signer
) -> None:
    posted = client.post("/api/v1/reports", json=INTERCEPTION, headers=auth(tokens["operator"]))
    assert posted.status_code == 201, posted.text
    [alert] = posted.json()["alerts"]
    assert alert["state"] == "pending_approval"
    assert client.get(f"/api/v1/alerts/{alert['identifier']}.xml").status_code == 404  # not issued yet

    approved = client.post(f"/api/v1/alerts/{alert['identifier']}/approve", headers=auth(tokens["approver"]))
    assert approved.status_code == 200, approved.text
    xml = client.get(f"/api/v1/alerts/{alert['identifier']}.xml")
    assert xml.headers["content-type"].startswith("application/cap+xml")
    signer.verify(xml.content)
    feed = client.get("/api/v1/alerts.atom")
    [embedded] = alerts_from_feed(feed.content)
    signer.verify(embedded)
    tampered = embedded.replace(b"Drone hazard", b"Drone hazarb", 1)
    with pytest.raises(SignatureInvalid):
        signer.verify(tampered)


def test_approver_role_is_required_to_approve(client: TestClient, tokens: dict[str, str]) -> None:
    alert = client.post("/api/v1/reports", json=INTERCEPTION, headers=auth(tokens["operator"])).json()["alerts"][0]
    denied = client.post(f"/api/v1/alerts/{alert['identifier']}/approve", headers=auth(tokens["operator"]))
    assert denied.status_code == 403 and denied.json()["error"] == "forbidden"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**INTERCEPTION, "districts": ["Millerovsky", "Atlantis"]}, "districts[1]"),
        ({**INTERCEPTION, "kind": "meteor"}, "kind"),
        ({**INTERCEPTION, "source": {"type": "oracle"}}, "source.type"),
        ({**INTERCEPTION, "point": {"lat": 123, "lon": 40}}, "point.lat"),
        ({**INTERCEPTION, "time": "2099-01-01T00:00:00+03:00"}, "time"),
        ({**INTERCEPTION, "surprise": 1}, "surprise"),
        ({k: v for k, v in INTERCEPTION.items() if k != "region"}, "region"),
    ],
)
def test_bad_report_gets_422_naming_the_field_and_changes_nothing(
    client: TestClient, deps: Deps, tokens: dict[str, str], body: dict, field: str
) -> None:
    before = counts(deps)
    response = client.post("/api/v1/reports", json=body, headers=auth(tokens["operator"]))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert counts(deps) == before


def test_malformed_json_oversized_body_and_bad_tokens_are_4xx(
    client: TestClient, deps: Deps, tokens: dict[str, str]
) -> None:
    before = counts(deps)
    headers = auth(tokens["operator"]) | {"content-type": "application/json"}
    assert client.post("/api/v1/reports", content=b"{not json", headers=headers).status_code == 422
    huge = {**INTERCEPTION, "text": "x" * 100_000}
    assert client.post("/api/v1/reports", json=huge, headers=auth(tokens["operator"])).status_code == 413
    assert client.post("/api/v1/reports", json=INTERCEPTION).status_code == 401
    assert client.post("/api/v1/reports", json=INTERCEPTION, headers=auth("aw_forged")).status_code == 401
    assert client.post("/api/v1/reports", json=INTERCEPTION, headers=auth(tokens["observer"])).status_code == 403
    assert counts(deps) == before


def test_review_queue_confirm_and_dismiss(client: TestClient, tokens: dict[str, str]) -> None:
    op = auth(tokens["operator"])
    rumour = {"kind": "drones_en_route", "region": "RU-SAR", "source": {"type": "media", "name": "Mash"},
              "certainty": "Possible", "count": {"value": 10, "qualifier": "more_than"}}
    first = client.post("/api/v1/reports", json=rumour, headers=op).json()
    second = client.post("/api/v1/reports", json=rumour, headers=op).json()
    assert first["queued"] and first["alerts"] == []
    queue = client.get("/api/v1/review", headers=op).json()
    assert {q["id"] for q in queue} == {first["report_id"], second["report_id"]}
    confirmed = client.post(f"/api/v1/review/{first['report_id']}/confirm", json={"certainty": "Likely"}, headers=op)
    assert confirmed.status_code == 200 and confirmed.json()["alerts"]
    assert client.post(f"/api/v1/review/{second['report_id']}/dismiss", headers=op).status_code == 200
    assert client.get("/api/v1/review", headers=op).json() == []
    assert client.post(f"/api/v1/review/{second['report_id']}/dismiss", headers=op).status_code == 409


def test_restart_loses_nothing(
    db_url: str, territory: Territory, signer: Signer, deps: Deps, client: TestClient, tokens: dict[str, str]
) -> None:
    op = auth(tokens["operator"])
    client.post("/api/v1/reports", json=INTERCEPTION, headers=op)
    client.post("/api/v1/reports", json={**INTERCEPTION, "region": "RU-SAR", "districts": [],
                                         "source": {"type": "witness"}, "certainty": "Possible"}, headers=op)
    before = client.get("/api/v1/status").json()

    from airwarn.service_layer.bootstrap import cap_renderer

    restarted = Deps(uow=UnitOfWork(make_engine(db_url), deps.uow.audit_key), territory=territory,
                     render=cap_renderer(signer))
    with TestClient(create_app(restarted)) as again:
        assert again.get("/api/v1/status").json() == before
        assert len(again.get("/api/v1/review", headers=op).json()) == 1
        assert again.get("/api/v1/audit/verify", headers=op).json()["ok"] is True


def test_unknown_alert_is_404_json(client: TestClient) -> None:
    response = client.get("/api/v1/alerts/nope.xml")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_feed_alerts_verify_against_the_published_certificate(client: TestClient, tokens: dict[str, str]) -> None:
    from airwarn.cap.signing import verify

    client.post("/api/v1/reports", json={**INTERCEPTION, "kind": "airport_suspended", "region": "RU-VGG",
                                         "districts": [], "airport": "URWW"}, headers=auth(tokens["operator"]))
    certificate = client.get("/api/v1/authority.pem").content
    [embedded] = alerts_from_feed(client.get("/api/v1/alerts.atom").content)
    assert b"URWW" in verify(embedded, certificate)


def test_airport_status_operating_suspended_since_then_resumed(client: TestClient, tokens: dict[str, str]) -> None:
    op = auth(tokens["operator"])

    def gumrak() -> dict:
        return next(a for a in client.get("/api/v1/airports").json() if a["icao"] == "URWW")

    assert gumrak()["status"] == "operating" and gumrak()["since"] is None
    base = {"region": "RU-VGG", "airport": "Volgograd airport", "source": {"type": "official", "name": "airport"}}
    client.post("/api/v1/reports", json={**base, "kind": "airport_suspended", "time": "2026-11-24T00:49:00+03:00"},
                headers=op)
    assert gumrak()["status"] == "suspended" and gumrak()["since"].startswith("2026-11-23T21:49")
    client.post("/api/v1/reports", json={**base, "kind": "airport_resumed"}, headers=op)
    assert gumrak()["status"] == "resumed"
