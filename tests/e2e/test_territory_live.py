"""A territory import while serving changes targeting on the next alert, without a restart."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from airwarn.api.app import create_app
from airwarn.service_layer import services
from airwarn.service_layer.bootstrap import store_territory
from airwarn.service_layer.deps import Deps
from airwarn.settings import Settings
from airwarn.territory.io import dump_territory, load_territory
from tests.fixtures.territory import small_territory


def _report(district: str) -> dict[str, Any]:
    return {"kind": "interception", "region": "RU-ROS", "districts": [district], "text": "drones seen",
            "source": {"type": "official", "name": "Governor of Rostov Region"}}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _with_new_district(doc: dict[str, Any], name: str, warning_s: int, lon: float) -> dict[str, Any]:
    """The territory plus a district ``name`` east of Millerovsky with its own warning time."""
    out = copy.deepcopy(doc)
    ring = [[lon, 48.5], [lon + 0.5, 48.5], [lon + 0.5, 49.0], [lon, 49.0], [lon, 48.5]]
    out["features"].append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                            "properties": {"kind": "district", "region": "RU-ROS", "name_en": name,
                                           "name_ru": name, "warning_s": warning_s}})
    return out


@pytest.fixture
def tokens(deps: Deps) -> dict[str, str]:
    return {role: services.add_user(deps, f"{role}-1", role) for role in ("observer", "operator", "approver")}


@pytest.fixture
def client(deps: Deps) -> Iterator[TestClient]:
    with TestClient(create_app(deps, settings=Settings(dispatch=False)), raise_server_exceptions=False) as c:
        yield c


def test_an_import_while_serving_targets_the_next_alert_with_the_new_version(
    client: TestClient, deps: Deps, tokens: dict[str, str], db_url: str, keys_dir: Path
) -> None:
    operator, approver = _auth(tokens["operator"]), _auth(tokens["approver"])
    unknown = client.post("/api/v1/reports", json=_report("Newtown"), headers=operator)
    assert unknown.status_code == 422  # no such district yet

    doc = _with_new_district(dump_territory(small_territory()), "Newtown", 30, 40.5)
    imported = client.post("/api/v1/territory", json=doc, headers=approver)
    assert imported.status_code == 200, imported.text
    version = imported.json()["version"]
    assert imported.json()["changes"]["districts"]["added"] == ["RU-ROS-NEWTOWN"]
    assert client.get("/api/v1/territory/version").json() == {"version": version}

    posted = client.post("/api/v1/reports", json=_report("Newtown"), headers=operator)
    assert posted.status_code == 201, posted.text
    [alert] = posted.json()["alerts"]
    body = client.get(f"/api/v1/alerts/{alert['identifier']}", headers=operator).json()
    assert body["districts"] == ["RU-ROS-NEWTOWN"] and body["territory_version"] == version
    assert body["warning_s"] == 30 and body["area_fit"]["within_bound"] is True
    lons = [p[0] for ring in body["area"]["polygons"] for p in ring]
    assert min(lons) == pytest.approx(40.5) and max(lons) == pytest.approx(41.0)

    # another node (here: the CLI's path) stores a version without Newtown but with Farfield; this node follows
    moved = load_territory(_with_new_district(dump_territory(small_territory()), "Farfield", 45, 42.0))
    stored, _ = store_territory(Settings(db=db_url, keys_dir=keys_dir), moved, source="test: another node")
    deadline = time.monotonic() + 10
    while client.get("/api/v1/territory/version").json()["version"] != stored.version:
        assert time.monotonic() < deadline, "the serving node never switched to the stored version"
        time.sleep(0.2)
    assert client.post("/api/v1/reports", json=_report("Newtown"), headers=operator).status_code == 422
    posted = client.post("/api/v1/reports", json=_report("Farfield"), headers=operator)
    [alert] = posted.json()["alerts"]
    body = client.get(f"/api/v1/alerts/{alert['identifier']}", headers=operator).json()
    assert body["districts"] == ["RU-ROS-FARFIELD"]
    assert body["territory_version"] == stored.version and body["warning_s"] == 45
    assert min(p[0] for ring in body["area"]["polygons"] for p in ring) == pytest.approx(42.0)
    with deps.uow.read() as repo:
        audited = [r.entity_id for r in repo.audit() if r.action == "territory.imported"]
    assert audited == [version, stored.version]


def test_a_bad_import_changes_nothing(client: TestClient, deps: Deps, tokens: dict[str, str]) -> None:
    before = client.get("/api/v1/territory/version").json()
    doc = _with_new_district(dump_territory(small_territory()), "Newtown", 0, 40.5)
    bad = client.post("/api/v1/territory", json=doc, headers=_auth(tokens["approver"]))
    assert bad.status_code == 422 and bad.json()["field"].endswith(".warning_s")
    denied = client.post("/api/v1/territory", json=dump_territory(small_territory()),
                         headers=_auth(tokens["operator"]))
    assert denied.status_code == 403
    assert client.get("/api/v1/territory/version").json() == before
    with deps.uow.read() as repo:
        assert not [r for r in repo.audit() if r.action == "territory.imported"]


def test_places_api_finds_a_town_and_its_district(deps: Deps) -> None:
    from airwarn.territory.io import demo_territory

    deps.territory = demo_territory()
    with TestClient(create_app(deps, settings=Settings(dispatch=False))) as client:
        found = client.get("/api/v1/places", params={"q": "Mill"}).json()
        assert found[0]["name_en"] == "Millerovo" and found[0]["district"] == "RU-ROS-MILLEROVSKY"
        assert found[0]["district_name"] == "Millerovsky" and found[0]["warning_s"] == 90
        assert client.get("/api/v1/places", params={"q": ""}).status_code == 422
        kinds = {f["properties"]["kind"] for f in client.get("/api/v1/territory").json()["features"]}
        assert "place" not in kinds and "district" in kinds


def test_a_district_warning_time_reaches_the_shelter_answer_after_an_import_while_serving(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console

    from airwarn.demo import run_demo
    from airwarn.service_layer.bootstrap import build_deps

    result = run_demo(speed=0, serve=False, console=Console(record=True), workdir=tmp_path / "work")
    deps = build_deps(Settings(db=f"sqlite:///{result.workdir / 'airwarn.db'}", keys_dir=result.workdir / "keys"))
    approver = services.add_user(deps, "artem-2", "approver")
    with TestClient(create_app(deps, settings=Settings(dispatch=False))) as client:
        before = client.get("/api/v1/shelters/nearest", params={"lat": 48.92, "lon": 40.39}).json()
        assert before["warning_from"] == "region" and before["warning_s"] == 90
        doc = dump_territory(deps.territory)
        for f in doc["features"]:
            if f["properties"].get("code") == "RU-ROS-MILLEROVSKY":
                f["properties"]["warning_s"] = 45
        done = client.post("/api/v1/territory", json=doc, headers=_auth(approver))
        assert done.status_code == 200, done.text
        assert done.json()["changes"]["warning_s"] == [{"code": "RU-ROS-MILLEROVSKY", "from": 90, "to": 45}]
        after = client.get("/api/v1/shelters/nearest", params={"lat": 48.92, "lon": 40.39}).json()
        assert after["warning_from"] == "district" and after["warning_s"] == 45
        assert after["district"] == "RU-ROS-MILLEROVSKY"
        cov = client.get("/api/v1/shelters/coverage").json()
        assert cov["warning_by_district"] is True and cov["by_district"]["RU-ROS-MILLEROVSKY"]["warning_s"] == 45
        feature = next(f for f in client.get("/api/v1/territory").json()["features"]
                       if f["properties"].get("code") == "RU-ROS-MILLEROVSKY")
        assert feature["properties"]["warning_s"] == 45 and feature["properties"]["effective_warning_s"] == 45
        other = next(f for f in client.get("/api/v1/territory").json()["features"]
                     if f["properties"].get("code") == "RU-ROS-CHERTKOVSKY")
        assert "warning_s" not in other["properties"] and other["properties"]["effective_warning_s"] == 90
