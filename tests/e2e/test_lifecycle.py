"""Lifecycle end to end over the HTTP API: Penza's measures end with its regimes, measures are ended and kept
by hand and by report, a pre-alert escalates or clears, an area grows by Update, drills keep off the Actual
picture, and alerts are renewed and expire on an injected clock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from airwarn.api.app import create_app
from airwarn.domain.reports import Status
from airwarn.errors import ConfigError
from airwarn.lifecycle import RENEWAL_ACTOR, renew_alerts, run_renewals
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.settings import Settings

#: The seed's Penza sentence, as the official source said it.
PENZA = ("In the Penza Region, authorities activated the 'Carpet' plan—a contingency measure designed to secure "
         "densely populated areas during heightened security risks. The 'Drone Hazard' regime was declared at "
         "1:41 AM, prompting immediate restrictions on mobile internet access across the region. Local officials "
         "urged citizens to remain indoors.")
SARATOV = ("Local media outlet Mash reported that more than 10 drones may have been en route to Saratov, "
           "though no confirmed strikes were recorded there.")
RECEIVED = "2026-11-24T01:45:00+03:00"


class Clock:
    """A clock the test moves by hand: renewal and expiry are tested without sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(deps: Deps) -> Clock:
    clock = Clock(datetime(2026, 11, 24, 0, 30, tzinfo=UTC))
    deps.clock = clock
    return clock


@pytest.fixture
def tokens(deps: Deps) -> dict[str, str]:
    return {role: services.add_user(deps, f"{role}-1", role) for role in ("observer", "operator", "approver")}


@pytest.fixture
def client(deps: Deps, clock: Clock) -> Iterator[TestClient]:
    settings = Settings(max_body_bytes=64_000, dispatch=False, renew_every_s=0)
    with TestClient(create_app(deps, settings=settings), raise_server_exceptions=True) as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def release(client: TestClient, tokens: dict[str, str], alerts: list[dict[str, Any]]) -> None:
    """A second person approves whatever waits (the two-person rule decides which ones do)."""
    for alert in alerts:
        if alert["state"] == "pending_approval":
            done = client.post(f"/api/v1/alerts/{alert['identifier']}/approve", headers=auth(tokens["approver"]))
            assert done.status_code == 200, done.text


def lift(client: TestClient, tokens: dict[str, str], regime_id: str, reason: str = "") -> dict[str, Any]:
    """Lift a regime as the operator; a second person releases its all-clear if that waits for one."""
    lifted = client.post(f"/api/v1/regimes/{regime_id}/lift", json={"reason": reason},
                         headers=auth(tokens["operator"]))
    assert lifted.status_code == 200, lifted.text
    body: dict[str, Any] = lifted.json()
    release(client, tokens, body["alerts"])
    return body


def all_alerts(outcome: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for e in outcome.get("events", [outcome]) for a in e.get("outcome", e).get("alerts", [])]


def measures(client: TestClient, token: str | None = None, **params: Any) -> list[dict[str, Any]]:
    """Measures as the public sees them, or as staff (with who ended them) when given a token."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get("/api/v1/measures", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json())


def audit_actions(client: TestClient, tokens: dict[str, str], entity_id: str) -> list[str]:
    rows = client.get("/api/v1/audit", params={"limit": 5000}, headers=auth(tokens["observer"])).json()
    return [r["action"] for r in rows if r["entity_id"] == entity_id]


def penza(client: TestClient, tokens: dict[str, str]) -> dict[str, Any]:
    posted = client.post("/api/v1/messages", headers=auth(tokens["operator"]),
                         json={"text": PENZA, "source": {"type": "official", "name": "Penza Region authorities"},
                               "received_at": RECEIVED})
    assert posted.status_code == 201, posted.text
    body: dict[str, Any] = posted.json()
    release(client, tokens, all_alerts(body))
    return body


def test_penza_measures_end_when_every_regime_is_lifted(client: TestClient, tokens: dict[str, str]) -> None:
    penza(client, tokens)
    in_force = measures(client)
    assert {(m["kind"], m["target"]) for m in in_force} == {
        ("airport_suspended", "UWPP"), ("mobile_internet_restricted", None), ("stay_indoors", None)}
    assert all(m["regime_ids"] for m in in_force)  # each knows the regimes it came with
    regimes = client.get("/api/v1/regimes").json()
    assert {r["kind"] for r in regimes} == {"drone_hazard", "airspace_closed"}

    told = []
    for regime in regimes:
        lifted = lift(client, tokens, regime["id"], "threat over")
        told += [a["headline"].split(" at ")[0].split(":")[0] for a in lifted["alerts"]]
    # the all-clears tell it; the airport says it resumed; no separate notice per measure
    assert sorted(told) == ["All clear", "All clear", "Penza (UWPP) resumed operations"]

    assert measures(client) == []
    assert client.get("/api/v1/status").json()["measures"] == []
    ended = {m["id"]: m for m in measures(client, tokens["observer"], active=False)}
    assert set(ended) == {m["id"] for m in in_force}
    for m in ended.values():
        # lifted by the operator, or by the approver who released the held all-clear
        assert m["ended_at"] and m["ended_by"] in {"operator-1", "approver-1"}
        assert "regimes were lifted" in m["end_reason"]
        assert "measure.ended" in audit_actions(client, tokens, m["id"])
    penza_airport = next(a for a in client.get("/api/v1/airports").json() if a["icao"] == "UWPP")
    assert penza_airport["status"] == "resumed"


def test_a_kept_measure_outlives_its_regime_until_an_operator_ends_it(
    client: TestClient, tokens: dict[str, str]
) -> None:
    op = auth(tokens["operator"])
    penza(client, tokens)
    internet = next(m for m in measures(client) if m["kind"] == "mobile_internet_restricted")
    assert client.post(f"/api/v1/measures/{internet['id']}/keep", json={"keep": True}).status_code == 401
    kept = client.post(f"/api/v1/measures/{internet['id']}/keep", json={"keep": True, "reason": "operator says"},
                       headers=op)
    assert kept.status_code == 200 and kept.json() == {"id": internet["id"], "keep": True}
    for regime in client.get("/api/v1/regimes").json():
        lift(client, tokens, regime["id"])

    [still] = measures(client)
    assert still["id"] == internet["id"] and still["keep"] is True
    actions = audit_actions(client, tokens, internet["id"])
    assert actions[-2:] == ["measure.keep", "measure.kept_in_force"] and "measure.ended" not in actions

    no_reason = client.post(f"/api/v1/measures/{internet['id']}/end", json={"reason": ""}, headers=op)
    assert no_reason.status_code == 422 and "reason" in str(no_reason.json())
    blank = client.post(f"/api/v1/measures/{internet['id']}/end", json={"reason": "   "}, headers=op)
    assert blank.status_code == 422 and blank.json()["field"] == "reason"
    assert measures(client) != []  # refused input changed nothing
    ended = client.post(f"/api/v1/measures/{internet['id']}/end", json={"reason": "mobile internet restored"},
                        headers=op)
    assert ended.status_code == 200 and ended.json()["measures_ended"] == [internet["id"]]
    assert measures(client) == []
    again = client.post(f"/api/v1/measures/{internet['id']}/end", json={"reason": "again"}, headers=op)
    assert again.status_code == 409
    assert client.post("/api/v1/measures/msr-nope/end", json={"reason": "x"}, headers=op).status_code == 404
    assert client.post(f"/api/v1/measures/{internet['id']}/end", json={"reason": "x"},
                       headers=auth(tokens["observer"])).status_code == 403


def test_reports_restore_internet_and_lift_stay_indoors_while_the_regime_stays(
    client: TestClient, tokens: dict[str, str]
) -> None:
    op = auth(tokens["operator"])
    penza(client, tokens)
    official = {"region": "RU-PNZ", "source": {"type": "official", "name": "Penza Region authorities"}}
    restored = client.post("/api/v1/reports", json={**official, "kind": "internet_restored"}, headers=op)
    assert restored.status_code == 201, restored.text
    lifted = client.post("/api/v1/reports", json={**official, "kind": "stay_indoors_lifted"}, headers=op)
    assert len(restored.json()["measures_ended"]) == 1 and len(lifted.json()["measures_ended"]) == 1
    [told] = restored.json()["alerts"]  # the public is told, in a Minor notice of its own
    assert told["headline"] == "Mobile internet restored: Penza Region" and told["severity"] == "Minor"
    assert "<urgency>Past</urgency>" in client.get(f"/api/v1/alerts/{told['identifier']}.xml").text
    assert lifted.json()["alerts"][0]["headline"] == "Stay-indoors order lifted: Penza Region"
    assert {m["kind"] for m in measures(client)} == {"airport_suspended"}
    assert {r["kind"] for r in client.get("/api/v1/regimes").json()} == {"drone_hazard", "airspace_closed"}
    resumed = client.post("/api/v1/reports", json={**official, "kind": "airport_resumed", "airport": "UWPP"},
                          headers=op)
    assert resumed.json()["measures_ended"] and measures(client) == []
    nothing = client.post("/api/v1/reports", json={**official, "kind": "internet_restored"}, headers=op)
    assert nothing.json()["measures_ended"] == [] and "no mobile-internet restriction" in nothing.json()["notes"][0]


def _saratov_pre_alert(client: TestClient, tokens: dict[str, str]) -> dict[str, Any]:
    op = auth(tokens["operator"])
    posted = client.post("/api/v1/messages", headers=op,
                         json={"text": SARATOV, "source": {"type": "media", "name": "Mash"}, "received_at": RECEIVED})
    [event] = posted.json()["events"]
    assert event["outcome"]["queued"] is True and client.get("/api/v1/regimes").json() == []
    confirmed = client.post(f"/api/v1/review/{event['outcome']['report_id']}/confirm", json={"certainty": "Likely"},
                            headers=op)
    assert confirmed.status_code == 200, confirmed.text
    [alert] = confirmed.json()["alerts"]
    release(client, tokens, [alert])
    body: dict[str, Any] = client.get(f"/api/v1/alerts/{alert['identifier']}").json()
    return body


def test_confirmed_saratov_claim_is_a_pre_alert_that_escalates_by_update_then_clears(
    client: TestClient, tokens: dict[str, str]
) -> None:
    op = auth(tokens["operator"])
    pre = _saratov_pre_alert(client, tokens)
    [regime] = client.get("/api/v1/regimes").json()
    assert regime["level"] == "pre_alert" and regime["kind"] == "drone_hazard"
    [en, ru] = pre["infos"]
    assert en["urgency"] == "Expected" and "Be ready to take shelter" in en["instruction"]
    assert "Будьте готовы укрыться" in ru["instruction"]
    assert ("airwarn:level", "pre_alert") in [tuple(p) for p in en["parameters"]] and pre["level"] == "pre_alert"
    saratov = next(f["properties"] for f in client.get("/api/v1/territory").json()["features"]
                   if f["properties"].get("code") == "RU-SAR-SARATOV")
    assert saratov["regimes"] == ["drone_hazard"] and saratov["regime_levels"] == {"drone_hazard": "pre_alert"}
    summary = next(a for a in client.get("/api/v1/alerts").json() if a["identifier"] == pre["identifier"])
    assert summary["level"] == "pre_alert" and summary["urgency"] == "Expected"
    xml = client.get(f"/api/v1/alerts/{pre['identifier']}.xml").text
    assert "<urgency>Expected</urgency>" in xml and "<expires>" in xml

    attack = client.post("/api/v1/reports", headers=op, json={
        "kind": "drone_attack", "region": "RU-SAR", "source": {"type": "official", "name": "Governor"}})
    [update] = attack.json()["alerts"]
    assert attack.json()["regimes_declared"] == []  # the same regime, raised: not a second one
    assert update["msg_type"] == "Update" and update["references"] == [pre["identifier"]]
    assert update["level"] == "alert" and update["urgency"] == "Immediate"
    full = client.get(f"/api/v1/alerts/{update['identifier']}", headers=op).json()  # the countdown starts when it is raised,
    assert full["infos"][0]["effective"] == full["sent"] != pre["infos"][0]["effective"]  # not at the pre-alert
    release(client, tokens, [update])
    [raised] = client.get("/api/v1/regimes").json()
    assert raised["id"] == regime["id"] and raised["level"] == "alert" and raised["alert_id"] == update["identifier"]

    [clear] = lift(client, tokens, regime["id"])["alerts"]
    assert clear["level"] == "all_clear" and clear["references"] == [update["identifier"]]


def test_a_pre_alert_can_end_with_an_all_clear(client: TestClient, tokens: dict[str, str]) -> None:
    pre = _saratov_pre_alert(client, tokens)
    [regime] = client.get("/api/v1/regimes").json()
    [clear] = lift(client, tokens, regime["id"], "drones turned away")["alerts"]
    assert clear["msg_type"] == "Update" and clear["level"] == "all_clear"
    assert clear["references"] == [pre["identifier"]]
    assert client.get(f"/api/v1/alerts/{clear['identifier']}").json()["state"] == "issued"
    assert client.get("/api/v1/regimes").json() == []


INTERCEPTION = {"kind": "interception", "region": "RU-ROS", "source": {"type": "official", "name": "Governor"}}


def test_a_growing_area_goes_out_as_an_update_of_the_earlier_alert(client: TestClient, tokens: dict[str, str]) -> None:
    op = auth(tokens["operator"])
    first = client.post("/api/v1/reports", json={**INTERCEPTION, "districts": ["Millerovsky"]}, headers=op).json()
    [alert] = first["alerts"]
    release(client, tokens, [alert])
    grown = client.post("/api/v1/reports", json={**INTERCEPTION, "districts": ["Chertkovsky"]}, headers=op).json()
    [update] = grown["alerts"]
    assert update["msg_type"] == "Update" and update["references"] == [alert["identifier"]]
    assert update["districts"] == ["RU-ROS-MILLEROVSKY", "RU-ROS-CHERTKOVSKY"]
    release(client, tokens, [update])
    regimes = client.get("/api/v1/regimes").json()
    assert {r["alert_id"] for r in regimes} == {update["identifier"]}
    for regime in regimes:
        lift(client, tokens, regime["id"])
    clears = [a for a in client.get("/api/v1/alerts").json() if a["level"] == "all_clear"]
    assert {tuple(a["references"]) for a in clears} == {(update["identifier"],)}


def test_a_drill_never_clears_an_area_under_an_actual_regime_nor_changes_the_actual_picture(
    client: TestClient, tokens: dict[str, str], deps: Deps
) -> None:
    op = auth(tokens["operator"])
    real = client.post("/api/v1/reports", json={**INTERCEPTION, "districts": ["Millerovsky"]}, headers=op).json()
    release(client, tokens, real["alerts"])
    actual_before = client.get("/api/v1/status").json()

    drill = client.post("/api/v1/regimes", headers=op, json={
        "kind": "missile_hazard", "region": "RU-ROS", "status": "Exercise", "reason": "regional exercise"}).json()
    release(client, tokens, drill["alerts"])
    narrow = client.post("/api/v1/regimes", headers=op, json={
        "kind": "drone_hazard", "region": "RU-ROS", "districts": ["Millerovsky"], "status": "Exercise",
        "reason": "district exercise"}).json()
    release(client, tokens, narrow["alerts"])
    plan = client.post("/api/v1/plans/activate", headers=op, json={
        "region": "RU-PNZ", "plan": "Carpet", "status": "Exercise"}).json()
    release(client, tokens, plan["alerts"])
    assert measures(client, status="Exercise") and measures(client) == []

    region_wide = lift(client, tokens, drill["regimes_declared"][0])
    [clear] = region_wide["alerts"]
    assert clear["status"] == "Exercise" and clear["level"] == "all_clear"
    assert "RU-ROS-MILLEROVSKY" not in clear["districts"]
    assert set(clear["districts"]) == {"RU-ROS-VERKHNEDONSKOY", "RU-ROS-SHOLOKHOVSKY", "RU-ROS-CHERTKOVSKY"}
    district = lift(client, tokens, narrow["regimes_declared"][0])
    assert district["alerts"] == [] and "withheld" in " ".join(district["notes"])
    for regime in client.get("/api/v1/regimes", params={"status": "Exercise"}).json():
        lift(client, tokens, regime["id"])
    assert measures(client, status="Exercise") == []

    after = client.get("/api/v1/status").json()
    assert after["regimes"] == actual_before["regimes"] and after["measures"] == actual_before["measures"]
    assert after["alerts"] == actual_before["alerts"]  # not one Actual message from the drill
    with deps.uow.read() as repo:
        actual = repo.alerts(status=Status.ACTUAL, limit=1000)
    assert {a.identifier for a, _ in actual} == {a["identifier"] for a in real["alerts"]}


def test_alerts_are_renewed_while_the_regime_stays_and_expire_when_it_is_gone(
    client: TestClient, tokens: dict[str, str], deps: Deps, clock: Clock
) -> None:
    op = auth(tokens["operator"])
    outcome = client.post("/api/v1/reports", json={**INTERCEPTION, "districts": ["Millerovsky"]}, headers=op).json()
    [alert] = outcome["alerts"]
    clock.now += timedelta(minutes=30)  # the second person approves half an hour later
    release(client, tokens, [alert])
    issued = client.get(f"/api/v1/alerts/{alert['identifier']}").json()
    expires = datetime.fromisoformat(issued["infos"][0]["expires"])
    assert datetime.fromisoformat(issued["sent"]) == clock.now
    assert expires == clock.now + deps.expiry.lifetime("drone_hazard")  # its lifetime counts from release

    assert renew_alerts(deps) == []  # far from expiry: nothing to do
    clock.now = expires - timedelta(minutes=10)
    [renewal_id] = renew_alerts(deps)
    renewal = client.get(f"/api/v1/alerts/{renewal_id}").json()
    assert renewal["msg_type"] == "Update" and [r["identifier"] for r in renewal["references"]] == [
        alert["identifier"]]
    assert renewal["state"] == "issued"
    with deps.uow.read() as repo:
        found = repo.alert(renewal_id)
    assert found is not None and found[0].created_by == RENEWAL_ACTOR
    assert datetime.fromisoformat(renewal["infos"][0]["expires"]) == clock.now + deps.expiry.lifetime("drone_hazard")
    assert renewal["infos"][0]["headline"] == issued["infos"][0]["headline"]
    assert "alert.renewed" in audit_actions(client, tokens, renewal_id)
    assert renew_alerts(deps) == []  # renewed once, not on every tick
    with deps.uow.read() as repo:
        assert {r["channel"] for r in repo.outbox_rows(renewal_id)} <= {"live", "cap"}

    clock.now = expires + timedelta(minutes=1)  # the first message expired; its renewal is in force
    shown = {a["identifier"] for a in client.get("/api/v1/status").json()["alerts"]}
    assert alert["identifier"] not in shown and renewal_id in shown

    [regime] = client.get("/api/v1/regimes").json()
    lift(client, tokens, regime["id"])
    clock.now += deps.expiry.lifetime("drone_hazard") + timedelta(hours=2)
    assert renew_alerts(deps) == []  # no regime, no renewal
    assert client.get("/api/v1/status").json()["alerts"] == []  # everything has expired


def test_the_server_renewal_loop_ticks_until_stopped(deps: Deps, clock: Clock) -> None:
    ticks: list[datetime] = []

    def renew(d: Deps) -> list[str]:
        ticks.append(d.clock())
        if len(ticks) == 2:
            stop.set()
        return []

    stop = asyncio.Event()
    asyncio.run(asyncio.wait_for(run_renewals(deps, stop, every_s=0.01, renew=renew), timeout=10))
    assert len(ticks) == 2


def test_a_drill_cancel_leaves_out_districts_under_an_actual_regime(client: TestClient, tokens: dict[str, str]) -> None:
    op = auth(tokens["operator"])
    real = client.post("/api/v1/reports", json={**INTERCEPTION, "districts": ["Millerovsky"]}, headers=op).json()
    release(client, tokens, real["alerts"])
    drill = client.post("/api/v1/regimes", headers=op, json={
        "kind": "drone_hazard", "region": "RU-ROS", "districts": ["Millerovsky", "Chertkovsky"],
        "status": "Exercise", "reason": "exercise"}).json()
    [alert] = drill["alerts"]
    release(client, tokens, [alert])
    cancelled = client.post(f"/api/v1/alerts/{alert['identifier']}/cancel", json={"note": "end of exercise"},
                            headers=auth(tokens["approver"]))
    assert cancelled.status_code == 200, cancelled.text
    cancel = cancelled.json()["cancel"]
    assert cancel["status"] == "Exercise" and cancel["districts"] == ["RU-ROS-CHERTKOVSKY"]
    [actual] = client.get("/api/v1/regimes").json()
    assert actual["district"] == "RU-ROS-MILLEROVSKY"  # the real regime is untouched


def test_a_serving_node_renews_on_its_own(deps: Deps, clock: Clock, tokens: dict[str, str]) -> None:
    settings = Settings(dispatch=False, renew_every_s=0.05)
    with TestClient(create_app(deps, settings=settings)) as node:
        posted = node.post("/api/v1/reports", json={**INTERCEPTION, "districts": ["Millerovsky"]},
                           headers=auth(tokens["operator"])).json()
        release(node, tokens, posted["alerts"])
        clock.now += deps.expiry.lifetime("drone_hazard") - timedelta(minutes=5)  # near expiry
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            renewals = [a for a in node.get("/api/v1/alerts").json() if a["references"] == [
                posted["alerts"][0]["identifier"]]]
            if renewals:
                break
            time.sleep(0.05)
        assert [a["msg_type"] for a in renewals] == ["Update"]


def test_the_threat_arriving_in_part_of_a_pre_alert_area_is_a_new_alert_and_the_rest_stays_ready(
    client: TestClient, tokens: dict[str, str]
) -> None:
    op = auth(tokens["operator"])
    pre = client.post("/api/v1/reports", headers=op, json={
        **INTERCEPTION, "kind": "drones_en_route", "districts": ["Millerovsky", "Chertkovsky"]}).json()
    [pre_alert] = pre["alerts"]
    assert pre_alert["level"] == "pre_alert" and pre_alert["districts"] == ["RU-ROS-MILLEROVSKY", "RU-ROS-CHERTKOVSKY"]
    release(client, tokens, [pre_alert])
    here = client.post("/api/v1/reports", json={**INTERCEPTION, "districts": ["Millerovsky"]}, headers=op).json()
    [alert] = here["alerts"]
    assert alert["msg_type"] == "Alert" and alert["level"] == "alert" and alert["districts"] == ["RU-ROS-MILLEROVSKY"]
    levels = {r["district"]: (r["level"], r["alert_id"]) for r in client.get("/api/v1/regimes").json()}
    assert levels == {"RU-ROS-MILLEROVSKY": ("alert", alert["identifier"]),
                      "RU-ROS-CHERTKOVSKY": ("pre_alert", pre_alert["identifier"])}


def test_a_bad_lifetime_setting_is_a_config_error_that_names_it(tmp_path: Path) -> None:
    from airwarn.service_layer.bootstrap import build_deps

    settings = Settings(db=f"sqlite:///{tmp_path / 'x.db'}", keys_dir=tmp_path / "keys", alert_lifetimes="drone=60")
    with pytest.raises(ConfigError, match="AIRWARN_ALERT_LIFETIMES.*unknown lifetime 'drone'"):
        build_deps(settings)
    assert not (tmp_path / "keys").exists()
