"""Issue 10 over HTTP: nothing reaches the public that authorised people did not decide.

A held alert's regime is absent from the public page's data until a second person approves it and present
right after; media claims never act; rejecting, cancelling and declaring follow docs/authority.md."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from airwarn.api.app import create_app
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps

INTERCEPTION = {"kind": "interception", "region": "RU-ROS", "districts": ["Millerovsky", "Chertkovsky"],
                "source": {"type": "official", "name": "Governor of Rostov Region"}, "text": "drones shot down"}


@pytest.fixture
def tokens(deps: Deps) -> dict[str, str]:
    people = [("olga", "operator"), ("artem", "approver"), ("dmitri", "approver"), ("oleg", "observer")]
    return {name: services.add_user(deps, name, role) for name, role in people}


@pytest.fixture
def client(deps: Deps) -> Iterator[TestClient]:
    with TestClient(create_app(deps), raise_server_exceptions=False) as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def public_picture(client: TestClient) -> dict[str, Any]:
    """What the public page loads (its HTML, then its data) and the other public views, without a token."""
    page = client.get("/")
    assert page.status_code == 200 and "{{CONFIG}}" not in page.text
    status = client.get("/api/v1/status").json()
    territory = client.get("/api/v1/territory").json()
    shaded = {f["properties"]["code"] for f in territory["features"] if f["properties"].get("regimes")}
    return {"status": status, "shaded": shaded, "regimes": client.get("/api/v1/regimes").json(),
            "alerts": client.get("/api/v1/alerts").json()}


def test_a_held_alerts_regime_is_absent_from_the_public_page_until_approval_and_present_right_after(
    client: TestClient, tokens: dict[str, str]
) -> None:
    posted = client.post("/api/v1/reports", json=INTERCEPTION, headers=auth(tokens["olga"]))
    assert posted.status_code == 201, posted.text
    [alert] = posted.json()["alerts"]
    assert alert["state"] == "pending_approval"
    identifier = alert["identifier"]

    before = public_picture(client)
    assert before["status"]["regimes"] == [] and before["status"]["alerts"] == []
    assert before["shaded"] == set() and before["regimes"] == [] and before["alerts"] == []
    assert client.get(f"/api/v1/alerts/{identifier}").status_code == 404
    assert client.get(f"/api/v1/alerts/{identifier}.xml").status_code == 404
    assert client.get(f"/api/v1/alerts/{identifier}/deliveries").status_code == 404
    assert client.get("/api/v1/alerts.atom").text.count("<entry") == 0
    assert client.get("/api/v1/alerts?state=pending_approval").status_code == 403

    console = client.get("/api/v1/status", headers=auth(tokens["oleg"])).json()
    assert {(r["state"], r["pending_alert"]) for r in console["regimes"]} == {("proposed", identifier)}
    assert [a["state"] for a in console["alerts"]] == ["pending_approval"]

    assert client.post(f"/api/v1/alerts/{identifier}/approve", headers=auth(tokens["olga"])).status_code == 403
    approved = client.post(f"/api/v1/alerts/{identifier}/approve", headers=auth(tokens["artem"]))
    assert approved.status_code == 200 and approved.json()["state"] == "issued"

    after = public_picture(client)
    assert {(r["district"], r["state"]) for r in after["status"]["regimes"]} == {
        ("RU-ROS-MILLEROVSKY", "in_force"), ("RU-ROS-CHERTKOVSKY", "in_force")}
    assert {"RU-ROS-MILLEROVSKY", "RU-ROS-CHERTKOVSKY"} <= after["shaded"]
    assert not {"declared_by", "report_id", "reason"} & {k for r in after["status"]["regimes"] for k in r}
    assert [a["identifier"] for a in after["status"]["alerts"]] == [identifier]
    body = client.get(f"/api/v1/alerts/{identifier}").json()
    assert body["state"] == "issued" and not {"created_by", "approved_by", "authors", "report_id"} & set(body)
    assert client.get("/api/v1/alerts.atom").text.count("<entry") == 1


@pytest.mark.parametrize("text", [
    "Более 50 беспилотников летят в сторону Саратова, утверждают анонимные каналы.",
    "Ограничения в аэропорту Саратова сняты в 06:40.",
])
def test_a_media_message_changes_nothing_public_however_it_is_worded(
    client: TestClient, deps: Deps, tokens: dict[str, str], text: str
) -> None:
    posted = client.post("/api/v1/messages", headers=auth(tokens["olga"]),
                         json={"text": text, "source": {"type": "media", "name": "Telegram channel"}})
    assert posted.status_code == 201, posted.text
    assert all(e["outcome"]["queued"] and not e["outcome"]["alerts"] for e in posted.json()["events"])
    with deps.uow.read() as repo:
        assert repo.count("alerts") == 0 and repo.count("regimes") == 0 and repo.count("measures") == 0
    assert "Telegram channel" not in client.get("/api/v1/status").text


def test_an_approver_rejects_a_held_alert_with_a_reason_and_its_proposed_state_goes(
    client: TestClient, deps: Deps, tokens: dict[str, str]
) -> None:
    penza = {"kind": "regime_declared", "region": "RU-PNZ", "regime": "drone_hazard",
             "source": {"type": "official", "name": "Penza Region authorities"}}
    posted = client.post("/api/v1/reports", json=penza, headers=auth(tokens["olga"])).json()
    identifier = next(a["identifier"] for a in posted["alerts"] if a["severity"] == "Severe")
    console = client.get("/api/v1/status", headers=auth(tokens["oleg"])).json()
    assert console["measures"] and all(m["state"] == "proposed" for m in console["measures"])
    assert client.get("/api/v1/measures").json() == []

    missing = client.post(f"/api/v1/alerts/{identifier}/reject", json={}, headers=auth(tokens["artem"]))
    assert missing.status_code == 422 and missing.json()["field"] == "reason"
    assert client.post(f"/api/v1/alerts/{identifier}/reject", json={"reason": "x"},
                       headers=auth(tokens["olga"])).status_code == 403  # an operator may not
    rejected = client.post(f"/api/v1/alerts/{identifier}/reject", json={"reason": "wrong region"},
                           headers=auth(tokens["artem"]))
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"

    console = client.get("/api/v1/status", headers=auth(tokens["oleg"])).json()
    assert console["regimes"] == [] and console["measures"] == []
    assert client.post(f"/api/v1/alerts/{identifier}/approve", headers=auth(tokens["dmitri"])).status_code == 409
    with deps.uow.read() as repo:
        actions = [(r.actor, r.action, r.data.get("reason")) for r in repo.audit()]
        assert repo.count("outbox") == 0
    assert ("artem", "alert.rejected", "wrong region") in actions
    assert any(a == "regime.proposal_dropped" for _, a, _ in actions)


def test_cancelling_an_approved_severe_alert_takes_two_people_unless_an_approver_sends_the_false_alarm(
    client: TestClient, deps: Deps, tokens: dict[str, str]
) -> None:
    def issued() -> str:
        posted = client.post("/api/v1/reports", json=INTERCEPTION, headers=auth(tokens["olga"])).json()
        identifier = posted["alerts"][0]["identifier"]
        client.post(f"/api/v1/alerts/{identifier}/approve", headers=auth(tokens["artem"])).raise_for_status()
        return str(identifier)

    first = issued()
    asked = client.post(f"/api/v1/alerts/{first}/cancel", json={"note": "False alarm"}, headers=auth(tokens["olga"]))
    assert asked.status_code == 200 and asked.json()["cancel"]["state"] == "pending_approval"
    assert len(client.get("/api/v1/status").json()["regimes"]) == 2  # still in force for the public
    cancel = asked.json()["cancel"]["identifier"]
    client.post(f"/api/v1/alerts/{cancel}/approve", headers=auth(tokens["dmitri"])).raise_for_status()
    assert client.get("/api/v1/status").json()["regimes"] == []

    second = issued()
    solo = client.post(f"/api/v1/alerts/{second}/cancel", json={"note": "False alarm"},
                       headers=auth(tokens["dmitri"]))
    assert solo.status_code == 200 and solo.json()["cancel"]["state"] == "issued"
    assert client.get("/api/v1/status").json()["regimes"] == []
    with deps.uow.read() as repo:
        [record] = [r for r in repo.audit() if r.action == "alert.issued_by_one_person"]
    assert record.actor == "dmitri" and record.data["policy"] == "single_person_false_alarm_cancel"


def test_an_extreme_exercise_needs_a_second_person_too(client: TestClient, tokens: dict[str, str]) -> None:
    drill = {"kind": "drone_attack", "region": "RU-ROS", "districts": ["Millerovsky"], "regime": "missile_hazard",
             "status": "Exercise", "source": {"type": "official", "name": "drill director"}}
    posted = client.post("/api/v1/reports", json=drill, headers=auth(tokens["olga"])).json()
    assert [(a["status"], a["state"]) for a in posted["alerts"]] == [("Exercise", "pending_approval")]


def test_a_declaration_needs_a_reason_and_says_how_many_districts_it_covers(
    client: TestClient, deps: Deps, tokens: dict[str, str]
) -> None:
    body = {"kind": "drone_hazard", "region": "RU-VGG"}
    missing = client.post("/api/v1/regimes", json=body, headers=auth(tokens["olga"]))
    assert missing.status_code == 422 and missing.json()["field"] == "reason"
    blank = client.post("/api/v1/regimes", json=body | {"reason": "   "}, headers=auth(tokens["olga"]))
    assert blank.status_code == 422 and blank.json()["field"] == "reason"

    preview = client.post("/api/v1/regimes/preview", json=body, headers=auth(tokens["olga"]))
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["whole_region"] is True and shown["district_count"] == 4 and shown["needs_approval"] is True
    assert len(shown["districts"]) == 4 and shown["would_declare"] == [{"kind": "drone_hazard", "district": None}]
    with deps.uow.read() as repo:
        assert repo.count("regimes") == 0 and repo.count("reports") == 0  # a preview writes nothing

    declared = client.post("/api/v1/regimes", json=body | {"reason": "governor's order 12"},
                           headers=auth(tokens["olga"]))
    assert declared.status_code == 201 and declared.json()["district_count"] == 4


def test_me_and_policy(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.get("/api/v1/me", headers=auth(tokens["dmitri"])).json() == {"name": "dmitri", "role": "approver"}
    assert client.get("/api/v1/me").status_code == 401
    policy = client.get("/api/v1/policy", headers=auth(tokens["oleg"])).json()
    assert policy["auto_confirm"]["enabled"] is False and policy["sensor_solo"]["enabled"] is False
    assert policy["two_person_rule"]["min_severity"] == "Severe"
    assert policy["two_person_rule"]["statuses"] == ["Actual", "Exercise"]
