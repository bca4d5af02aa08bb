"""POST /api/v1/messages: extracted events enter the report pipeline; unconfirmed claims wait for review."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from airwarn.api.app import create_app
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps

RECEIVED = "2026-11-24T01:00:00+03:00"


@pytest.fixture
def client(deps: Deps) -> Iterator[TestClient]:
    with TestClient(create_app(deps), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def operator_token(deps: Deps) -> str:
    return services.add_user(deps, "op-1", "operator")


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_media_claim_lands_in_the_review_queue_with_its_evidence(client: TestClient, operator_token: str) -> None:
    text = (
        "Local media outlet Mash reported that more than 10 drones may have been en route to Saratov, "
        "though no confirmed strikes were recorded there."
    )
    posted = client.post(
        "/api/v1/messages",
        headers=_auth(operator_token),
        json={"text": text, "source": {"type": "media", "name": "Mash"}, "received_at": RECEIVED},
    )
    assert posted.status_code == 201, posted.text
    [item] = posted.json()["events"]
    assert item["event"]["kind"] == "drones_en_route" and item["event"]["certainty"] == "Possible"
    assert item["outcome"]["queued"] is True
    review = client.get("/api/v1/review", headers=_auth(operator_token)).json()
    assert len(review) == 1
    assert "en route to Saratov" in str(review[0])


def test_official_post_is_acted_on_and_unknown_places_are_skipped(client: TestClient, operator_token: str) -> None:
    text = (
        "Губернатор Ростовской области: ночью в Миллеровском и Чертковском районах отражена атака БПЛА, "
        "пострадавших нет. Над Курской областью также сбиты 3 беспилотника."
    )
    posted = client.post(
        "/api/v1/messages",
        headers=_auth(operator_token),
        json={
            "text": text,
            "source": {"type": "official", "name": "Governor of Rostov Region"},
            "received_at": RECEIVED,
        },
    )
    assert posted.status_code == 201, posted.text
    items = posted.json()["events"]
    rostov = next(i for i in items if i["event"]["region"] == "RU-ROS")
    assert rostov["event"]["districts"] == ["Millerovsky", "Chertkovsky"]
    assert rostov["outcome"]["queued"] is False
    assert rostov["outcome"]["regimes_declared"] or rostov["outcome"]["alerts"]
    kursk = next(i for i in items if i["event"]["region"] == "RU-KRS")
    assert kursk["skipped"]["field"] == "region"


def test_bad_message_is_422_and_needs_an_operator(client: TestClient, operator_token: str) -> None:
    bad = client.post("/api/v1/messages", headers=_auth(operator_token), json={"text": "", "source": {"type": "x"}})
    assert bad.status_code == 422
    anonymous = client.post("/api/v1/messages", json={"text": "hi", "source": {"type": "media"}})
    assert anonymous.status_code == 401
    quiet = client.post(
        "/api/v1/messages",
        headers=_auth(operator_token),
        json={"text": "Nothing happened tonight.", "source": {"type": "media"}},
    )
    assert quiet.status_code == 201 and quiet.json()["events"] == []


def test_ukrainian_air_raid_alert_declares_the_air_raid_regime_of_its_threat(
        client: TestClient, operator_token: str) -> None:
    """Issue 14: Ukrainian text is read; an air-raid alert is `alert_declared` with its threat, and (session 4)
    declares the air-raid regime of that threat, never a drone- or missile-hazard regime; Extreme, so it waits
    for a second person."""
    posted = client.post(
        "/api/v1/messages",
        headers=_auth(operator_token),
        json={
            "text": "Повітряна тривога в Ростовській області! Загроза застосування балістичного озброєння.",
            "source": {"type": "official", "name": "Rostov Region"},
            "received_at": RECEIVED,
        },
    )
    assert posted.status_code == 201, posted.text
    [item] = posted.json()["events"]
    assert item["event"]["kind"] == "alert_declared" and item["event"]["region"] == "RU-ROS"
    assert item["event"]["threat"] == "ballistic_missiles"
    assert not item.get("skipped"), item
    assert len(item["outcome"]["regimes_declared"]) == 1
    [alert] = item["outcome"]["alerts"]
    assert alert["state"] == "pending_approval" and alert["severity"] == "Extreme"
    assert alert["headline"] == "Air-raid alert (ballistic missiles): Rostov Region"
