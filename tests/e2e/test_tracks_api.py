"""A simulated raid through the HTTP API: sensors registered, detections posted in batches, and the districts
on the drones' way pre-alerted, alerted and cleared in that order, while districts off their way hear nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import jsonschema
import pytest
from fastapi.testclient import TestClient

from airwarn.api.app import create_app
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.settings import Settings
from airwarn.tracks.scenario import scenario_from
from airwarn.tracks.simulate import simulate

START = "2026-11-24T01:00:00+03:00"
RAID = {
    "name": "two drones east over the Upper Don", "start": START, "status": "Exercise", "seed": 3,
    "sensors": {"count": 80, "fence_every_km": 12, "fence_width_km": 12, "fence_start_km": 5, "spacing_m": 3000,
                "range_m": 4000, "bearing_sd_deg": 4, "miss_rate": 0.1, "false_alarms_per_hour": 0.5},
    "groups": [{"name": "east", "count": 2, "class": "shahed", "launch": [49.75, 39.4],
                "waypoints": [[49.74, 41.45]], "launch_interval_s": 120, "spread_m": 500}],
}


@pytest.fixture
def clock(deps: Deps) -> list[datetime]:
    now = [datetime.fromisoformat(START)]
    deps.clock = lambda: now[0]
    return now


@pytest.fixture
def client(deps: Deps, clock: list[datetime]) -> Iterator[TestClient]:
    # a raid of hours replayed in seconds: faster than any real network posts, so no rate limits here
    unlimited = {f"rate_{k}": "unlimited" for k in ("address", "token", "reports_address", "reports_token")}
    with TestClient(create_app(deps, settings=Settings(**unlimited)), raise_server_exceptions=False) as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_raid_pre_alerts_alerts_and_clears_the_districts_on_its_way(
    client: TestClient, deps: Deps, clock: list[datetime]
) -> None:
    raid = simulate(scenario_from(RAID))
    operator = services.add_user(deps, "olga", "operator")
    sensor = services.add_user(deps, "net-1", "sensor")
    csv = "id,kind,lat,lon,range_m\n" + "\n".join(f"{s.id},{s.kind.value},{s.lat},{s.lon},{s.range_m}"
                                                   for s in raid.sensors)
    registered = client.post("/api/v1/sensors", content=csv, headers=auth(operator))
    assert registered.status_code == 201, registered.text

    start = datetime.fromisoformat(START)
    seen: list[tuple[float, str, str]] = []  # (t, district, level)
    batch: list[dict[str, object]] = []
    for t, items in raid.steps:
        batch += items
        if len(batch) < 200:
            continue
        clock[0] = start + timedelta(seconds=t + 1)
        posted = client.post("/api/v1/detections?status=Exercise", json=batch, headers=auth(sensor))
        assert posted.status_code == 202, posted.text
        body = posted.json()
        assert body["rejected"] == []
        seen += [(t, c["district"], c["level"]) for c in body["changes"]]
        batch = []
    # the drones are gone; time passes and the tracker's clock clears the districts
    clock[0] = start + timedelta(seconds=raid.steps[-1][0] + 3_600)
    tracking = client.app.state.tracking  # type: ignore[attr-defined]
    tracking.tick()
    cleared = [d for d, state in tracking.engine(_exercise()).board.districts.items() if state.level == 0]

    on_the_way = {"RU-ROS-VERKHNEDONSKOY", "RU-ROS-SHOLOKHOVSKY"}
    levels = {d: [lvl for _, dd, lvl in seen if dd == d] for d in on_the_way}
    for district, sequence in levels.items():
        assert sequence[:2] == ["pre_alert", "alert"], (district, sequence)
        assert district in cleared
    assert {d for _, d, lvl in seen if lvl == "alert"} == on_the_way
    # ahead of the route a drone that may fly on is worth a pre-alert; far off its heading nothing is
    far_off = ("RU-PNZ", "RU-SAR", "RU-VGG-SUROVIKINSKY", "RU-VGG-VOLGOGRAD", "RU-ROS-MILLEROVSKY")
    assert not any(d.startswith(far_off) for _, d, _ in seen)

    reports = client.get("/api/v1/reports?status=Exercise", headers=auth(operator)).json()
    kinds = [r["kind"] for r in reports if r["region"] == "RU-ROS"]
    assert {"drones_en_route", "drone_attack", "regime_lifted"} <= set(kinds)
    assert all(r["status"] == "Exercise" for r in reports)
    tracks = client.get("/api/v1/tracks?status=Exercise", headers=auth(operator))
    assert tracks.status_code == 200


def test_bad_detections_are_rejected_one_by_one_and_the_rest_taken(
    client: TestClient, deps: Deps, clock: list[datetime]
) -> None:
    operator = services.add_user(deps, "olga", "operator")
    sensor = services.add_user(deps, "net-1", "sensor")
    client.post("/api/v1/sensors", content="id,kind,lat,lon\nac-1,acoustic,49.7,40.6\n", headers=auth(operator))
    now = clock[0]
    batch = [
        {"sensor": "ac-1", "time": now.isoformat(), "bearing_deg": 90},
        {"sensor": "ghost", "time": now.isoformat(), "bearing_deg": 90},
        {"sensor": "ac-1", "time": (now + timedelta(minutes=5)).isoformat(), "bearing_deg": 90},
        {"sensor": "ac-1", "time": now.isoformat(), "bearing_deg": 400},
        {"sensor": "ac-1", "time": now.isoformat(), "kind": "radar", "lat": 49.7, "lon": 40.6},
        "not an object",
    ]
    posted = client.post("/api/v1/detections", json=batch, headers=auth(sensor))
    assert posted.status_code == 202, posted.text
    body = posted.json()
    assert body["accepted"] == 1
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [
        (1, "sensor"), (2, "time"), (3, "bearing_deg"), (4, "kind"), (5, "")]
    ndjson = "\n".join([json.dumps({"sensor": "ac-1", "time": now.isoformat(), "bearing_deg": 91})] * 3)
    posted = client.post("/api/v1/detections", content=ndjson, headers={**auth(sensor),
                                                                          "content-type": "application/x-ndjson"})
    assert posted.json()["accepted"] == 3


def test_only_sensor_accounts_send_detections_and_sensors_read_nothing(
    client: TestClient, deps: Deps, clock: list[datetime]
) -> None:
    operator = services.add_user(deps, "olga", "operator")
    sensor = services.add_user(deps, "net-1", "sensor")
    assert client.post("/api/v1/detections", json=[], headers=auth(operator)).status_code == 403
    assert client.post("/api/v1/detections", json=[], headers=auth(sensor)).status_code == 202
    assert client.get("/api/v1/reports", headers=auth(sensor)).status_code == 403
    assert client.get("/api/v1/tracks", headers=auth(sensor)).status_code == 403
    assert client.post("/api/v1/reports", json={}, headers=auth(sensor)).status_code in (403, 422)
    assert client.post("/api/v1/detections", content="[1,", headers=auth(sensor)).status_code == 422
    too_many = [{"sensor": "x"}] * 10_001
    assert client.post("/api/v1/detections", json=too_many, headers=auth(sensor)).status_code == 422


def _exercise():  # type: ignore[no-untyped-def]
    from airwarn.domain.reports import Status

    return Status.EXERCISE


def test_an_official_interception_report_ends_the_tracks_over_its_districts(
    client: TestClient, deps: Deps, clock: list[datetime]
) -> None:
    raid = simulate(scenario_from({**RAID, "status": "Actual"}))
    operator = services.add_user(deps, "olga", "operator")
    sensor = services.add_user(deps, "net-1", "sensor")
    csv = "id,kind,lat,lon,range_m\n" + "\n".join(f"{s.id},{s.kind.value},{s.lat},{s.lon},{s.range_m}"
                                                   for s in raid.sensors)
    client.post("/api/v1/sensors", content=csv, headers=auth(operator))
    start = datetime.fromisoformat(START)
    tracks: list[dict[str, object]] = []
    for t, items in raid.steps:  # until a confirmed track is over the Upper Don
        clock[0] = start + timedelta(seconds=t + 1)
        client.post("/api/v1/detections", json=items, headers=auth(sensor))
        tracks = client.get("/api/v1/tracks", headers=auth(operator)).json() if int(t) % 60 == 0 else tracks
        if any(x["state"] == "confirmed" and 40.55 < x["lon"] < 40.95 for x in tracks):  # type: ignore[operator]
            break
    else:
        pytest.fail("no confirmed track over the Upper Don")
    report = {"kind": "interception", "region": "RU-ROS", "districts": ["Verkhnedonskoy"],
              "source": {"type": "official", "name": "Governor of Rostov Region"}, "text": "drones destroyed"}
    assert client.post("/api/v1/reports", json=report, headers=auth(operator)).status_code == 201
    left = client.get("/api/v1/tracks", headers=auth(operator)).json()
    assert not any(40.5 < x["lon"] < 41.0 for x in left)


def test_the_public_learns_minutes_to_arrival_only_where_an_approved_warning_is_in_force(
    client: TestClient, deps: Deps, clock: list[datetime]
) -> None:
    raid = simulate(scenario_from({**RAID, "status": "Actual"}))
    operator = services.add_user(deps, "olga", "operator")
    approver = services.add_user(deps, "artem", "approver")
    sensor = services.add_user(deps, "net-1", "sensor")
    csv = "id,kind,lat,lon,range_m\n" + "\n".join(f"{s.id},{s.kind.value},{s.lat},{s.lon},{s.range_m}"
                                                   for s in raid.sensors)
    client.post("/api/v1/sensors", content=csv, headers=auth(operator))
    start = datetime.fromisoformat(START)
    pre_alerted: list[str] = []
    for t, items in raid.steps:  # until the tracker pre-alerts a district
        clock[0] = start + timedelta(seconds=t + 1)
        body = client.post("/api/v1/detections", json=items, headers=auth(sensor)).json()
        pre_alerted = [c["district"] for c in body["changes"] if c["level"] == "pre_alert"]
        if pre_alerted:
            break
    else:
        pytest.fail("no pre-alert")
    district = pre_alerted[0]
    # the console sees the tracks, their corridors and paths, and the district with its window and level
    tracks = client.get("/api/v1/tracks", headers=auth(operator)).json()
    confirmed = [x for x in tracks if x["state"] == "confirmed"]
    assert confirmed and confirmed[0]["corridor"]["type"] == "Polygon"
    assert confirmed[0]["history"]["type"] == "LineString"
    eta = next(e for x in confirmed for e in x["etas"] if e["district"] == district)
    assert eta["level"] == "pre_alert" and eta["name"] == deps.territory.districts[district].name_en
    outlook = client.get("/api/v1/tracks/districts", headers=auth(operator)).json()
    assert [o["earliest_s"] for o in outlook] == sorted(o["earliest_s"] for o in outlook)
    row = next(o for o in outlook if o["district"] == district)
    assert row["level"] == "pre_alert" and row["tracks"] and row["earliest_s"] <= row["latest_s"]
    # the pre-alert waits for a second person: the public learns nothing yet
    assert client.get("/api/v1/tracks").status_code == 401
    assert client.get("/api/v1/approach").json() == {"status": "Actual", "districts": []}
    pending = [a["identifier"] for a in client.get("/api/v1/alerts", headers=auth(operator)).json()
               if a["state"] == "pending_approval" and district in a["districts"]]
    assert pending
    for identifier in pending:
        assert client.post(f"/api/v1/alerts/{identifier}/approve", headers=auth(approver)).status_code == 200
    public = client.get("/api/v1/approach").json()["districts"]
    mine = [p for p in public if p["district"] == district]
    assert mine and mine[0]["level"] == "pre_alert" and mine[0]["eta_min"] == max(1, round(row["earliest_s"] / 60))
    assert all(set(p) == {"district", "region", "kind", "level", "eta_min"} for p in public)
    issued = {d for a in client.get("/api/v1/alerts").json() for d in a["districts"]}
    assert {p["district"] for p in public} <= issued  # never a district nobody warned
    assert client.get("/api/v1/approach?status=Exercise").json()["districts"] == []
    spec = client.get("/openapi.json").json()  # the bodies are what the OpenAPI document says
    for name, body in (("Track", tracks), ("DistrictOutlook", outlook)):
        jsonschema.validate(body, {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"},
                                   "components": spec["components"]})
    jsonschema.validate(client.get("/api/v1/approach").json(),
                        {"$ref": "#/components/schemas/Approach", "components": spec["components"]})
