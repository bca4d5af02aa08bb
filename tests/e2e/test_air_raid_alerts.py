"""Air-raid alerts end to end, from real-style messages in Ukrainian, Russian and English: the node's extract →
report paths (POST /api/v1/messages, and `airwarn extract` + POST /api/v1/reports) declare the regime of the
threat the message names and the all-clear lifts it; CAP speaks uk-UA and en; nothing is public while a
second person has not approved; a media claim waits for an operator; a drone-hazard regime stays beside it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from airwarn.api.app import create_app
from airwarn.delivery.fanout import make_fanout
from airwarn.domain.approval_policy import ApprovalPolicy
from airwarn.domain.territory import District, Region, Territory
from airwarn.domain.users import Role, User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from airwarn.settings import Settings
from tests.fixtures.territory import small_territory, square

UK_DECLARED = "Увага! Повітряна тривога в Харківській області. Загроза застосування балістики."
UK_LIFTED = "Відбій повітряної тривоги в Харківській області"
RU_DECLARED = "Воздушная тревога в Харьковской области: угроза управляемых авиабомб."
RU_LIFTED = "Отбой воздушной тревоги в Харьковской области."
EN_DECLARED = "Air-raid alert declared in Kharkiv oblast due to the threat of ballistic missiles."
EN_LIFTED = "All clear in Kharkiv oblast: the air-raid alert has been lifted."
OVA = {"type": "official", "name": "Kharkiv Regional Military Administration"}
RAIONS = ("Kharkiv", "Izium", "Chuhuiv")


@pytest.fixture
def territory() -> Territory:
    """The small test territory and Kharkiv Oblast with three raions."""
    base = small_territory()
    kharkiv = Region("UA-63", "Kharkiv Oblast", "Харьковская область", "Europe/Kyiv", 60, "UA",
                     polygon=square(35.5, 49.0, 1.5), aliases=("Kharkiv", "Харківська область"))
    raions = [District(code=f"UA-63-{name.upper()}", region="UA-63", name_en=name, name_ru=ru,
                       polygon=square(35.5 + 0.5 * i, 49.0), centre=(49.25, 35.75 + 0.5 * i), population=50_000)
              for i, (name, ru) in enumerate(zip(RAIONS, ("Харьковский", "Изюмский", "Чугуевский"), strict=True))]
    return Territory.build([*base.regions.values(), kharkiv], [*base.districts.values(), *raions],
                           list(base.airports.values()), metadata={"note": "test territory with Kharkiv Oblast"})


@pytest.fixture
def tokens(deps: Deps) -> dict[str, str]:
    return {role: services.add_user(deps, f"{role}-1", role)
            for role in ("observer", "operator", "approver", "sensor")}


@pytest.fixture
def client(deps: Deps) -> Iterator[TestClient]:
    deps.fanout = make_fanout(deps.territory)  # the node's fanout: live, CAP feed, sirens per district, subscribers
    settings = Settings(max_body_bytes=64_000, dispatch=False, renew_every_s=0)
    with TestClient(create_app(deps, settings=settings), raise_server_exceptions=True) as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def message(client: TestClient, token: str, text: str, source: dict[str, str]) -> list[dict[str, Any]]:
    """POST /api/v1/messages: the node extracts the events and submits each as a report."""
    posted = client.post("/api/v1/messages", headers=auth(token), json={"text": text, "source": source})
    assert posted.status_code == 201, posted.text
    events: list[dict[str, Any]] = posted.json()["events"]
    assert events and all("outcome" in e for e in events), events
    return events


def extract(lines: list[str], source_type: str, source_name: str) -> list[dict[str, Any]]:
    """`airwarn extract` as an operator's script runs it: one JSON event per line."""
    done = subprocess.run([sys.executable, "-m", "airwarn.cli", "extract", "--source-type", source_type,
                           "--source-name", source_name, "-"], input="\n".join(lines) + "\n", env=os.environ,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def submit(client: TestClient, token: str, event: dict[str, Any]) -> dict[str, Any]:
    """An extracted event as a report (POST /api/v1/reports), its threat and evidence with it."""
    body = {"kind": event["kind"], "region": event["region"], "districts": event["districts"],
            "source": event["source"], "certainty": event["certainty"], "text": event["evidence"]}
    if event.get("threat"):
        body["threat"] = event["threat"]
    posted = client.post("/api/v1/reports", headers=auth(token), json=body)
    assert posted.status_code == 201, posted.text
    result: dict[str, Any] = posted.json()
    return result


def approve(client: TestClient, tokens: dict[str, str], outcome: dict[str, Any]) -> list[str]:
    held = [a["identifier"] for a in outcome["alerts"] if a["state"] == "pending_approval"]
    for identifier in held:
        done = client.post(f"/api/v1/alerts/{identifier}/approve", headers=auth(tokens["approver"]))
        assert done.status_code == 200, done.text
    return held


def public_kinds(client: TestClient) -> list[str]:
    return sorted(r["kind"] for r in client.get("/api/v1/status").json()["regimes"])


def test_ukrainian_alert_is_declared_held_for_a_second_person_then_lifted_by_the_all_clear(
        client: TestClient, tokens: dict[str, str]) -> None:
    # a drone-hazard regime already stands in the oblast: the air-raid alert comes beside it
    drone = client.post("/api/v1/reports", headers=auth(tokens["operator"]), json={
        "kind": "regime_declared", "regime": "drone_hazard", "region": "UA-63", "source": OVA})
    assert drone.status_code == 201, drone.text
    approve(client, tokens, drone.json())
    assert public_kinds(client) == ["drone_hazard"]

    # a channel is first: its word waits for an operator, and nobody is alerted
    [rumour] = message(client, tokens["operator"], "Повітряна тривога в Харківській області.",
                       {"type": "media", "name": "Telegram channel"})
    assert rumour["outcome"]["queued"] and rumour["outcome"]["alerts"] == []
    assert len(client.get("/api/v1/review", headers=auth(tokens["observer"])).json()) == 1

    [declared] = message(client, tokens["operator"], UK_DECLARED, OVA)
    assert declared["event"]["kind"] == "alert_declared" and declared["event"]["threat"] == "ballistic_missiles"
    outcome = declared["outcome"]
    # the administration's alert settles the channel's claim: it leaves the queue as corroborated
    assert client.get("/api/v1/review", headers=auth(tokens["observer"])).json() == []
    assert not outcome["queued"] and len(outcome["regimes_declared"]) == 1
    [alert] = outcome["alerts"]
    assert (alert["state"], alert["severity"], alert["urgency"]) == ("pending_approval", "Extreme", "Immediate")

    # nothing public while it waits: status, alerts, the CAP document and feed, sirens
    assert public_kinds(client) == ["drone_hazard"]
    assert alert["identifier"] not in {a["identifier"] for a in client.get("/api/v1/alerts").json()}
    assert client.get(f"/api/v1/alerts/{alert['identifier']}.xml").status_code == 404
    assert alert["identifier"] not in client.get("/api/v1/alerts.atom").text
    console = client.get("/api/v1/status", headers=auth(tokens["observer"])).json()
    proposed = [r for r in console["regimes"] if r["kind"] == "air_raid_ballistic_missiles"]
    assert [(r["state"], r["pending_alert"]) for r in proposed] == [("proposed", alert["identifier"])]

    assert approve(client, tokens, outcome) == [alert["identifier"]]
    assert public_kinds(client) == ["air_raid_ballistic_missiles", "drone_hazard"]  # both stand
    xml = client.get(f"/api/v1/alerts/{alert['identifier']}.xml").text
    assert "<language>uk-UA</language>" in xml and "<language>en-US</language>" in xml
    assert "<event>Повітряна тривога (балістичні ракети)</event>" in xml
    assert "<event>Air-raid alert (ballistic missiles)</event>" in xml
    assert "<valueName>airwarn:threat</valueName>" in xml and "<value>ballistic_missiles</value>" in xml
    assert "<urgency>Immediate</urgency>" in xml and "<severity>Extreme</severity>" in xml
    assert "<certainty>Observed</certainty>" in xml and "<status>Actual</status>" in xml
    assert alert["identifier"] in client.get("/api/v1/alerts.atom").text
    sirens = client.get("/api/v1/deliveries", params={"alert": alert["identifier"], "channel": "mqtt"},
                        headers=auth(tokens["observer"])).json()["deliveries"]
    assert sorted(d["target"] for d in sirens) == sorted(f"airwarn/sirens/UA-63-{n.upper()}" for n in RAIONS)

    # the same alert from another channel is not a new one
    [again] = message(client, tokens["operator"], UK_DECLARED, {"type": "official", "name": "Ukrainian Air Force"})
    assert again["outcome"]["alerts"] == [] and again["outcome"]["regimes_declared"] == []
    assert any("already in force" in n for n in again["outcome"]["notes"])

    # «відбій»: an all-clear of an Extreme alert needs two people too; the regime stands until then
    [lifted] = message(client, tokens["operator"], UK_LIFTED, OVA)
    assert lifted["event"]["kind"] == "alert_lifted"
    [clear] = lifted["outcome"]["alerts"]
    assert clear["state"] == "pending_approval" and clear["level"] == "all_clear"
    assert public_kinds(client) == ["air_raid_ballistic_missiles", "drone_hazard"]
    approve(client, tokens, lifted["outcome"])
    assert public_kinds(client) == ["drone_hazard"]  # the air-raid all-clear never lifts the drone hazard
    clear_xml = client.get(f"/api/v1/alerts/{clear['identifier']}.xml").text
    assert "<msgType>Update</msgType>" in clear_xml and alert["identifier"] in clear_xml
    assert "<headline>Відбій: Харківська область</headline>" in clear_xml
    assert "<headline>All clear: Kharkiv Oblast</headline>" in clear_xml
    assert "<responseType>AllClear</responseType>" in clear_xml
    # the drone hazard still holds there: the all-clear names it and sends no one out of the shelter
    assert "leave the shelter." not in clear_xml and "Можна залишити укриття" not in clear_xml
    assert "Still in force here: Drone hazard." in clear_xml
    assert "Тут і далі діє: Загроза ударних безпілотників." in clear_xml
    assert "<valueName>airwarn:still_in_force</valueName>" in clear_xml


def test_russian_media_alert_waits_for_an_operator_and_an_english_all_clear_ends_it(
        client: TestClient, tokens: dict[str, str]) -> None:
    [claim] = extract([RU_DECLARED], "media", "Telegram channel")
    assert (claim["kind"], claim["region"], claim["threat"]) == ("alert_declared", "UA-63", "guided_bombs")
    queued = submit(client, tokens["operator"], claim)
    assert queued["queued"] and queued["alerts"] == [] and queued["regimes_declared"] == []
    assert public_kinds(client) == []
    [waiting] = client.get("/api/v1/review", headers=auth(tokens["observer"])).json()
    assert waiting["kind"] == "alert_declared"

    confirmed = client.post(f"/api/v1/review/{queued['report_id']}/confirm", headers=auth(tokens["operator"]),
                            json={"certainty": "Likely"})
    assert confirmed.status_code == 200, confirmed.text
    [alert] = confirmed.json()["alerts"]
    assert alert["state"] == "pending_approval" and public_kinds(client) == []
    approve(client, tokens, confirmed.json())
    assert public_kinds(client) == ["air_raid_guided_bombs"]
    xml = client.get(f"/api/v1/alerts/{alert['identifier']}.xml").text
    assert "<event>Воздушная тревога (управляемые авиабомбы)</event>" in xml
    assert "<event>Повітряна тривога (керовані авіабомби)</event>" in xml
    assert "<certainty>Likely</certainty>" in xml  # as the operator confirmed it
    assert "Telegram channel" not in xml  # the public text never names a review-queue source

    # an English official alert of another threat is news: its own regime and message
    [ballistic] = extract([EN_DECLARED], "official", "Ukrainian Air Force")
    declared = submit(client, tokens["operator"], ballistic)
    assert len(declared["regimes_declared"]) == 1
    approve(client, tokens, declared)
    assert public_kinds(client) == ["air_raid_ballistic_missiles", "air_raid_guided_bombs"]

    # the Russian all-clear from media waits; the English one from the administration ends both alerts
    [media_clear] = extract([RU_LIFTED], "media", "Telegram channel")
    assert submit(client, tokens["operator"], media_clear)["queued"]
    assert public_kinds(client) == ["air_raid_ballistic_missiles", "air_raid_guided_bombs"]
    [official_clear] = extract([EN_LIFTED], "official", "Kharkiv Regional Military Administration")
    lifted = submit(client, tokens["operator"], official_clear)
    assert len(lifted["alerts"]) == 2 and {a["level"] for a in lifted["alerts"]} == {"all_clear"}
    approve(client, tokens, lifted)
    assert public_kinds(client) == []


def test_a_sensor_issues_a_ballistic_alert_alone_when_the_policy_names_it(
        client: TestClient, deps: Deps, tokens: dict[str, str]) -> None:
    # the sensor account reports through the use case (POST /api/v1/reports is for operators; sensors post
    # detections), exactly as tests/integration/test_authority.py does for missile_hazard
    deps.approval = ApprovalPolicy(sensor_solo=frozenset({"air_raid_ballistic_missiles"}))
    radar = User("radar-7", Role.SENSOR)

    def sensed(threat: str) -> list[str]:
        draft = ReportDraft(kind="alert_declared", region="UA-63", source_type="sensor", source_name="radar-7",
                            districts=["Izium"], threat=threat)
        return [a["state"] for a in services.submit_report(deps, draft, radar).alerts]

    assert sensed("ballistic_missiles") == ["issued"]
    assert public_kinds(client) == ["air_raid_ballistic_missiles"]
    assert sensed("drones") == ["pending_approval"]  # not named by the policy: two people
    bad = client.post("/api/v1/reports", headers=auth(tokens["operator"]), json={
        "kind": "alert_declared", "threat": "balloons", "region": "UA-63", "source": OVA})
    assert bad.status_code == 422 and bad.json()["field"] == "threat", bad.text


def test_an_exercise_air_raid_alert_never_touches_the_actual_picture(
        client: TestClient, tokens: dict[str, str]) -> None:
    drill = client.post("/api/v1/reports", headers=auth(tokens["operator"]), json={
        "kind": "alert_declared", "threat": "cruise_missiles", "region": "UA-63", "source": OVA,
        "status": "Exercise"})
    assert drill.status_code == 201, drill.text
    approve(client, tokens, drill.json())
    assert public_kinds(client) == []
    exercise = client.get("/api/v1/status", params={"status": "Exercise"}).json()
    assert [r["kind"] for r in exercise["regimes"]] == ["air_raid_cruise_missiles"]
    [alert] = drill.json()["alerts"]
    assert "<status>Exercise</status>" in client.get(f"/api/v1/alerts/{alert['identifier']}.xml").text
