"""`airwarn demo` imports the SYNTHETIC Millerovo street sample: the shelter API answers with a route."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from rich.console import Console

from airwarn.api.app import create_app
from airwarn.demo import run_demo
from airwarn.service_layer.bootstrap import build_deps
from airwarn.settings import Settings


def test_the_demo_answers_the_nearest_shelter_in_millerovo_with_rostovs_warning_time(tmp_path: Path) -> None:
    console = Console(record=True, width=160)
    result = run_demo(speed=0, serve=False, console=console, workdir=tmp_path / "work")
    line = re.search(r"streets: synthetic sample of central Millerovo \((\d+) nodes, (\d+) shelters\)",
                     console.export_text())
    assert line and 200 <= int(line[1]) <= 1000 and int(line[2]) == 7

    # the demo's database, served again by a fresh app (as `airwarn serve --db` would)
    deps = build_deps(Settings(db=f"sqlite:///{result.workdir / 'airwarn.db'}", keys_dir=result.workdir / "keys"))
    client = TestClient(create_app(deps))
    rostov = deps.territory.regions["RU-ROS"]
    r = client.get("/api/v1/shelters/nearest", params={"lat": 48.92, "lon": 40.39})
    assert r.status_code == 200, r.text
    near = r.json()
    assert near["warning_s"] == rostov.warning_s and near["warning_from"] == "region" and near["region"] == "RU-ROS"
    assert isinstance(near["reachable"], bool) and near["shelter"]["id"].startswith("MLR-S")
    assert near["route"]["type"] == "LineString" and len(near["route"]["coordinates"]) >= 3
    assert near["route"]["coordinates"][0] == [40.39, 48.92]
    assert near["walk_s"] == round(near["distance_m"] / 1.2 + near["entry_s"], 2)
    if not near["reachable"]:
        assert near["short_by_m"] > 0 and near["alternative"]["kind"] == "safe_room"

    # next to a shelter's door the verdict is "reachable", and a shorter warning time is the caller's to give
    door = next(f for f in client.get("/api/v1/shelters/streets", params={"bbox": "40.37,48.90,40.42,48.94"})
                .json()["features"] if f["properties"].get("id") == "MLR-S4")
    lon, lat = door["geometry"]["coordinates"]
    close = client.get("/api/v1/shelters/nearest", params={"lat": lat - 0.0001, "lon": lon}).json()
    assert close["shelter"]["id"] == "MLR-S4" and close["reachable"] is True and close["short_by_m"] == 0
    assert client.get("/api/v1/shelters/nearest", params={"lat": lat - 0.0001, "lon": lon, "warning": 5}).json()[
        "reachable"] is False

    far = client.get("/api/v1/shelters/nearest", params={"lat": 47.3, "lon": 39.7})  # Rostov-on-Don: no streets here
    assert far.status_code == 422 and far.json()["field"] == "lat,lon"
