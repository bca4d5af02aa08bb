from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from airwarn.shelters import coverage, plan
from tests.unit.shelters.helpers import index, street


def test_capacity_assignment_is_a_maximum_flow() -> None:
    # demand 0 reaches shelters 0 and 1, demand 1 only shelter 0; one place each.
    # Nearest-first would put demand 0 in shelter 0 and leave demand 1 out; the flow places both.
    placed = coverage.assign_capacity(
        np.array([1, 1]), np.array([1, 1]), np.array([0, 0, 1]), np.array([0, 1, 0])
    )
    assert placed.tolist() == [1, 1]


def test_capacity_limits_and_unlimited_shelters() -> None:
    placed = coverage.assign_capacity(np.array([80, 50]), np.array([100]), np.array([0, 1]), np.array([0, 0]))
    assert placed.sum() == 100
    placed = coverage.assign_capacity(np.array([80, 50]), np.array([-1]), np.array([0, 1]), np.array([0, 0]))
    assert placed.tolist() == [80, 50]


def test_coverage_report_by_district_and_uncovered_geojson() -> None:
    idx = index(
        street(),
        [(100.0, 0.0)],
        [(110.0, 0.0, 30.0), (130.0, 0.0, 30.0), (390.0, 0.0, 10.0)],
        capacities=[40],
        districts=["Near", "Near", "Far"],
        warning_s=60.0,
    )
    rep = coverage.report(idx, warning_s=60.0, speed_m_s=1.0)
    assert rep["budget_m"] == 60.0
    assert rep["people"] == 70 and rep["covered_people"] == 40
    assert rep["covered_share"] == pytest.approx(40 / 70, abs=1e-4)
    assert rep["by_district"]["Far"]["covered_share"] == 0.0
    assert rep["by_district"]["Near"]["covered_people"] == 40
    kinds = [f["geometry"]["type"] for f in rep["uncovered"]["features"]]
    assert kinds.count("Point") == 2 and kinds[-1] in ("Polygon", "MultiPolygon")
    free = coverage.report(idx, warning_s=60.0, speed_m_s=1.0, capacity_aware=False)
    assert free["covered_people"] == 60


def test_greedy_misses_what_the_exact_solver_finds() -> None:
    # S0 covers the middle four, S1 and S2 each two of them plus a heavier outlier.
    w = np.array([1, 1, 1, 1, 1.5, 1.5])
    cover = csr_matrix(np.array([[1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 1, 0], [0, 0, 1, 1, 0, 1]], dtype=float))
    g = plan.greedy(cover, w, 2)
    e = plan.exact(cover, w, 2)
    assert g.covered == pytest.approx(5.5) and sorted(e.sites) == [1, 2] and e.covered == pytest.approx(7.0)
    assert g.upper_bound >= e.covered
    out = plan.solve(cover, w, 2)
    assert out["method"] == "exact" and out["gap"] == pytest.approx((7 - 5.5) / 7, abs=1e-6)


def test_greedy_is_within_its_bound_on_random_instances() -> None:
    rng = np.random.default_rng(11)
    for _ in range(5):
        cover = csr_matrix((rng.random((40, 120)) < 0.06).astype(float))
        w = rng.integers(1, 50, 120).astype(float)
        g, e = plan.greedy(cover, w, 4), plan.exact(cover, w, 4)
        assert e.optimal
        assert g.covered <= e.covered + 1e-9 <= g.upper_bound + 1e-9
        assert g.covered >= (1 - 1 / np.e) * e.covered


def test_plan_sites_cover_the_uncovered_people() -> None:
    idx = index(
        street(), [(0.0, 0.0)], [(200.0, 5.0, 50.0), (380.0, 5.0, 20.0), (210.0, 5.0, 5.0)], warning_s=60.0
    )
    out = plan.plan(idx, 1, warning_s=60.0, speed_m_s=1.0)
    assert out["uncovered_people_before"] == 75
    assert out["sites"][0]["building_id"] in ("B0", "B2") and out["covered_people_added"] == 55


def test_tiled_reach_pairs_equal_full_dijkstra() -> None:
    from scipy.sparse.csgraph import dijkstra

    from airwarn.shelters.graph import grid_graph

    g = grid_graph(40, 30, spacing_m=50.0)
    rng = np.random.default_rng(4)
    sources = rng.choice(g.node_count, 60, replace=False)
    targets = np.concatenate([rng.choice(g.node_count, 300, replace=False), sources[:5], sources[:5]])
    for limit_m in (0.0, 120.0, 333.0, np.inf):
        si, ti, d = coverage.reach_pairs(g, sources, targets, limit_m)
        full = dijkstra(g.matrix, indices=sources)[:, targets]
        want = {(int(a), int(b)) for a, b in zip(*np.nonzero(full <= limit_m), strict=True)}
        assert {(int(a), int(b)) for a, b in zip(si, ti, strict=True)} == want
        assert np.allclose(d, full[si, ti])
