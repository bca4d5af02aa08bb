"""Planning with real constraints: each district's warning time, capacitated new sites, a GeoJSON layer."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from airwarn.shelters import coverage, plan
from airwarn.shelters.model import ShelterSite
from airwarn.shelters.service import median_capacity
from tests.unit.shelters.helpers import index, street


def test_each_building_counts_with_its_own_district_warning_time() -> None:
    idx = index(street(), [(0.0, 0.0)], [(50.0, 0.0, 10.0), (150.0, 0.0, 20.0)], districts=["Border", "Inland"])
    one = coverage.report(idx, warning_s=100.0, speed_m_s=1.0)
    assert one["covered_people"] == 10  # only the building 50 m away fits 100 m
    per = coverage.report(idx, warning_s=np.array([30.0, 200.0]), speed_m_s=1.0)
    assert per["warning_by_district"] is True and per["warning_s"] is None
    assert per["by_district"]["Border"]["covered_people"] == 0  # 50 m > 30 m
    assert per["by_district"]["Inland"]["covered_people"] == 20  # 150 m <= 200 m
    assert per["by_district"]["Border"]["warning_s"] == 30.0


def _brute_force(cover: csr_matrix, weight: np.ndarray, k: int, capacity: int) -> float:
    best = 0.0
    for sites in combinations(range(cover.shape[0]), k):
        pair_site, pair_demand = cover[list(sites)].nonzero()
        placed = coverage.assign_capacity(weight.astype(np.int64), np.full(k, capacity), pair_demand, pair_site)
        best = max(best, float(placed.sum()))
    return best


@pytest.mark.parametrize("seed", range(5))
def test_capacitated_exact_plan_matches_brute_force_and_greedy_never_beats_it(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cover = csr_matrix((rng.random((7, 9)) < 0.35).astype(float))
    weight = rng.integers(5, 60, 9).astype(float)
    dist = csr_matrix((rng.uniform(1, 100, cover.nnz), cover.indices, cover.indptr), shape=cover.shape)
    best, placed, out = plan._solve_capacitated(cover, dist, weight, 3, 70, "exact")
    optimum = _brute_force(cover, weight, 3, 70)
    assert out["exact"]["covered"] == pytest.approx(optimum)
    assert out["greedy"]["covered"] <= optimum + 1e-9 and out["gap"] >= 0
    assert all(p <= 70 for p in placed) and sum(placed) == pytest.approx(best.covered)


def test_the_plan_respects_site_capacity_and_gives_a_geojson_layer() -> None:
    buildings = [(x, 0.0, 100.0) for x in (300.0, 320.0, 340.0)]
    idx = index(street(), [(0.0, 0.0)], buildings, capacities=[10])
    free = plan.plan(idx, 1, 60.0, 1.0, site_capacity=None)
    assert free["covered_people_added"] == 300  # one uncapacitated site takes all three buildings
    capped = plan.plan(idx, 1, 60.0, 1.0, site_capacity=120)
    assert capped["covered_people_added"] == 120 and capped["sites"][0]["covered_people"] == 120
    assert capped["site_capacity"] == 120 and capped["sites"][0]["capacity"] == 120
    two = plan.plan(idx, 2, 60.0, 1.0, site_capacity=120)
    assert two["covered_people_added"] == 240 and all(s["covered_people"] <= 120 for s in two["sites"])
    layer = two["geojson"]
    assert layer["type"] == "FeatureCollection" and len(layer["features"]) == 2
    assert layer["features"][0]["properties"]["kind"] == "proposed_shelter"
    assert layer["features"][0]["geometry"]["type"] == "Point"


def test_new_sites_default_to_the_registry_median_capacity() -> None:
    sites = [ShelterSite(str(i), "s", 60.0, 25.0, cap) for i, cap in enumerate([100, None, 300, 200, 0])]
    assert median_capacity(sites) == 200
    assert median_capacity([ShelterSite("a", "s", 60.0, 25.0, None)]) is None
