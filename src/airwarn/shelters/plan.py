"""Where new shelters save the most people: the maximal covering location problem (MCLP).

Demand points carry the people a capacity-aware coverage leaves outside; a candidate site covers a
demand point when the walk between them fits the budget. New sites are uncapacitated (like the
classic MCLP). Greedy with lazy evaluation (CELF) scales; ``scipy.optimize.milp`` solves small
inputs exactly, and the gap between the two is reported. For greedy alone an upper bound on the
optimum is given: f(S) + the k largest marginal gains with respect to S (submodularity).
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix, hstack, identity

from airwarn.shelters.coverage import assign_flow, compute, reach_pairs
from airwarn.shelters.graph import F64, I64, WalkGraph
from airwarn.shelters.nearest import NearestIndex

#: Inputs at most this large are also solved exactly.
EXACT_MAX_CANDIDATES = 3000
EXACT_MAX_PAIRS = 300_000
EXACT_TIME_LIMIT_S = 20.0


@dataclass
class Solution:
    """Chosen candidate indices (in pick order), their marginal gains and the total covered."""

    sites: list[int]
    gains: list[float]
    covered: float
    upper_bound: float
    optimal: bool = False
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def coverage_matrix(
    graph: WalkGraph, candidates: I64, demand: I64, budget_m: float | F64, *, distances: bool = False
) -> csr_matrix:
    """Candidates x demand matrix: 1 (or the walk in m, ``distances``) where the walk fits the demand's budget."""
    per = np.broadcast_to(np.asarray(budget_m, dtype=float), (len(demand),))
    limit = float(per.max()) if per.size else 0.0
    ci, di, dist = reach_pairs(graph, candidates, demand, limit)
    fits = dist <= per[di]
    ci, di, dist = ci[fits], di[fits], dist[fits]
    data = np.maximum(dist, 1e-9) if distances else np.ones(ci.size)
    return csr_matrix((data, (ci, di)), shape=(len(candidates), len(demand)))


def greedy_capacitated(cover: csr_matrix, dist: csr_matrix, weight: F64, k: int, capacity: float) -> Solution:
    """Greedy for sites that hold at most ``capacity`` people each: a site takes its nearest people first.

    Gains (min(capacity, people left in reach)) only shrink as sites are added, so lazy evaluation
    stays valid. The total reported is the best assignment of people to the chosen sites (max flow).
    """
    started = time.perf_counter()
    cover, dist = csr_matrix(cover), csr_matrix(dist)
    left = np.asarray(weight, dtype=float).copy()
    heap = [(-min(capacity, float(g)), j, 0) for j, g in enumerate(cover @ left) if g > 0]
    heapq.heapify(heap)
    sites: list[int] = []
    gains: list[float] = []
    while heap and len(sites) < k:
        neg, j, stamp = heapq.heappop(heap)
        if stamp != len(sites):
            g = min(capacity, float(left[_row(cover, j)].sum()))
            if g > 0:
                heapq.heappush(heap, (-g, j, len(sites)))
            continue
        row = _row(dist, j)
        room = capacity
        for d in row[np.argsort(dist.data[dist.indptr[j] : dist.indptr[j + 1]], kind="stable")]:
            take = min(room, left[d])
            left[d] -= take
            room -= take
            if room <= 0:
                break
        sites.append(j)
        gains.append(-neg)
    return Solution(sites, gains, float(sum(gains)), float("nan"), seconds=time.perf_counter() - started)


def _row(cover: csr_matrix, j: int) -> I64:
    return np.asarray(cover.indices[cover.indptr[j] : cover.indptr[j + 1]], dtype=np.int64)


def greedy(cover: csr_matrix, weight: F64, k: int) -> Solution:
    """Lazy greedy (CELF): marginal gains only shrink, so stale heap entries are upper bounds."""
    started = time.perf_counter()
    cover = csr_matrix(cover)
    weight = np.asarray(weight, dtype=float)
    left = weight.copy()
    gains0 = cover @ left
    heap = [(-float(g), j, 0) for j, g in enumerate(gains0) if g > 0]
    heapq.heapify(heap)
    sites: list[int] = []
    gains: list[float] = []
    while heap and len(sites) < k:
        neg, j, stamp = heapq.heappop(heap)
        if stamp == len(sites):
            sites.append(j)
            gains.append(-neg)
            left[_row(cover, j)] = 0.0
            continue
        g = float(left[_row(cover, j)].sum())
        if g > 0:
            heapq.heappush(heap, (-g, j, len(sites)))
    covered = float(sum(gains))
    marginal = cover @ left
    top = np.sort(marginal)[::-1][:k]
    bound = min(float(weight.sum()), covered + float(top.sum()))
    return Solution(
        sites, gains, covered, bound, optimal=bound <= covered + 1e-9, seconds=time.perf_counter() - started
    )


def exact(cover: csr_matrix, weight: F64, k: int, time_limit_s: float = EXACT_TIME_LIMIT_S) -> Solution:
    """MILP: max sum w_i y_i  s.t.  y_i <= sum_j a_ji x_j,  sum_j x_j <= k,  x binary, 0 <= y <= 1."""
    started = time.perf_counter()
    cover = csr_matrix(cover)
    weight = np.asarray(weight, dtype=float)
    useful = np.flatnonzero((cover.getnnz(axis=0) > 0) & (weight > 0))
    sub = cover[:, useful]
    n_c, n_d = sub.shape
    if n_c == 0 or n_d == 0 or k <= 0:
        return Solution([], [], 0.0, 0.0, optimal=True, seconds=time.perf_counter() - started)
    link = hstack([-sub.T, identity(n_d, format="csr")], format="csr")
    budget = csr_matrix(np.concatenate([np.ones(n_c), np.zeros(n_d)])[None, :])
    c = np.concatenate([np.zeros(n_c), -weight[useful]])
    res = milp(
        c,
        integrality=np.concatenate([np.ones(n_c), np.zeros(n_d)]),
        bounds=Bounds(0, 1),
        constraints=[LinearConstraint(link, -np.inf, 0), LinearConstraint(budget, 0, min(k, n_c))],
        options={"time_limit": time_limit_s},
    )
    if res.x is None:
        raise RuntimeError(f"MILP found no solution: {res.message}")
    chosen = [int(j) for j in np.flatnonzero(res.x[:n_c] > 0.5)]
    left = weight.copy()
    sites, gains = [], []
    pending = set(chosen)
    while pending:  # list the exact sites in greedy order of their marginal gain
        gain, j = max((float(left[_row(cover, j)].sum()), j) for j in pending)
        pending.discard(j)
        left[_row(cover, j)] = 0.0
        sites.append(j)
        gains.append(gain)
    covered = float(sum(gains))
    dual = getattr(res, "mip_dual_bound", None)
    bound = -float(dual) if dual is not None and np.isfinite(dual) else covered
    return Solution(
        sites,
        gains,
        covered,
        max(bound, covered),
        optimal=res.status == 0,
        seconds=time.perf_counter() - started,
        extra={"status": res.message},
    )


def exact_capacitated(
    cover: csr_matrix, weight: F64, k: int, capacity: float, time_limit_s: float = EXACT_TIME_LIMIT_S
) -> Solution:
    """MILP with site capacity: max sum z_p  s.t.  sum_{p at d} z_p <= w_d,  sum_{p at j} z_p <= C x_j,
    sum_j x_j <= k;  x binary, z >= 0 (z_p: people of demand d placed in candidate j, for each pair p)."""
    started = time.perf_counter()
    cover = csr_matrix(cover)
    weight = np.asarray(weight, dtype=float)
    n_c, n_d = cover.shape
    site, dem = cover.nonzero()
    n_p = site.size
    if n_c == 0 or n_p == 0 or k <= 0:
        return Solution([], [], 0.0, 0.0, optimal=True, seconds=time.perf_counter() - started)
    cols = np.arange(n_p)
    per_demand = csr_matrix((np.ones(n_p), (dem, n_c + cols)), shape=(n_d, n_c + n_p))
    per_site = csr_matrix(
        (np.concatenate([np.ones(n_p), np.full(n_c, -capacity)]),
         (np.concatenate([site, np.arange(n_c)]), np.concatenate([n_c + cols, np.arange(n_c)]))),
        shape=(n_c, n_c + n_p),
    )
    budget = csr_matrix(np.concatenate([np.ones(n_c), np.zeros(n_p)])[None, :])
    upper = np.concatenate([np.ones(n_c), np.minimum(weight[dem], capacity)])
    res = milp(
        np.concatenate([np.zeros(n_c), -np.ones(n_p)]),
        integrality=np.concatenate([np.ones(n_c), np.zeros(n_p)]),
        bounds=Bounds(0, upper),
        constraints=[LinearConstraint(per_demand, -np.inf, weight), LinearConstraint(per_site, -np.inf, 0),
                     LinearConstraint(budget, 0, min(k, n_c))],
        options={"time_limit": time_limit_s},
    )
    if res.x is None:
        raise RuntimeError(f"MILP found no solution: {res.message}")
    chosen = [int(j) for j in np.flatnonzero(res.x[:n_c] > 0.5)]
    taken = np.bincount(site, weights=res.x[n_c:], minlength=n_c)
    chosen.sort(key=lambda j: -taken[j])
    covered = float(taken[chosen].sum())
    dual = getattr(res, "mip_dual_bound", None)
    bound = -float(dual) if dual is not None and np.isfinite(dual) else covered
    return Solution(chosen, [float(taken[j]) for j in chosen], covered, max(bound, covered),
                    optimal=res.status == 0, seconds=time.perf_counter() - started, extra={"status": res.message})


def solve(cover: csr_matrix, weight: F64, k: int, method: str = "auto") -> dict[str, Any]:
    """Greedy always; exact too when small (or asked). Reports both and the relative gap."""
    g = greedy(cover, weight, k)
    out: dict[str, Any] = {
        "greedy": {"covered": g.covered, "seconds": round(g.seconds, 4), "upper_bound": g.upper_bound},
        "best": g,
        "method": "greedy",
    }
    small = cover.shape[0] <= EXACT_MAX_CANDIDATES and cover.nnz <= EXACT_MAX_PAIRS
    if method == "exact" or (method == "auto" and small):
        e = exact(cover, weight, k)
        out["exact"] = {
            "covered": e.covered,
            "seconds": round(e.seconds, 4),
            "optimal": e.optimal,
            "upper_bound": e.upper_bound,
        }
        if e.covered >= g.covered:
            out["best"], out["method"] = e, "exact"
        ref = e.upper_bound if not e.optimal else e.covered
        out["gap"] = round((ref - g.covered) / ref, 6) if ref > 0 else 0.0
    else:
        out["gap_bound"] = round((g.upper_bound - g.covered) / g.upper_bound, 6) if g.upper_bound > 0 else 0.0
    return out


def plan(
    index: NearestIndex,
    add: int,
    warning_s: float | F64,
    speed_m_s: float,
    method: str = "auto",
    site_capacity: int | None = None,
) -> dict[str, Any]:
    """The ``add`` new sites (from the buildings) that cover the most people left uncovered today.

    ``warning_s`` is one number or one per building (each district's own). ``site_capacity`` people fit
    in a new site (None: unlimited, the classic MCLP); then a site covers at most that many.
    """
    res = compute(index, warning_s, speed_m_s, capacity_aware=True)
    left = (res.people - res.covered).astype(float)
    demand = np.flatnonzero(left > 0)
    taken = {s.node for s in index.shelters}
    cand = [i for i, b in enumerate(index.buildings) if b.node not in taken]
    d_nodes = np.array([index.buildings[i].node for i in demand], np.int64)
    c_nodes = np.array([index.buildings[i].node for i in cand], np.int64)
    per = res.budgets_m[demand] if res.budgets_m is not None else res.budget_m
    if site_capacity is None:
        cover = coverage_matrix(index.graph, c_nodes, d_nodes, per)
        solved = solve(cover, left[demand], add, method)
        best: Solution = solved.pop("best")
        placed = [int(round(g)) for g in best.gains]
    else:
        dist = coverage_matrix(index.graph, c_nodes, d_nodes, per, distances=True)
        cover = csr_matrix((np.ones(dist.nnz), dist.indices, dist.indptr), shape=dist.shape)
        best, placed, solved = _solve_capacitated(cover, dist, left[demand], add, site_capacity, method)
    sites = []
    for rank, (j, people) in enumerate(zip(best.sites, placed, strict=True), start=1):
        b = index.buildings[cand[j]]
        sites.append(
            {
                "rank": rank,
                "building_id": b.id,
                "name": b.name,
                "lat": b.lat,
                "lon": b.lon,
                "district": b.district,
                "covered_people": people,
                "capacity": site_capacity,
            }
        )
    uncovered = int(left.sum())
    single = np.asarray(warning_s).ndim == 0
    return {
        "add": add,
        "warning_s": float(warning_s) if single else None,
        "warning_by_district": not single,
        "speed_m_s": speed_m_s,
        "budget_m": round(res.budget_m, 2),
        "site_capacity": site_capacity,
        "uncovered_people_before": uncovered,
        "covered_people_added": int(round(best.covered)),
        "uncovered_people_after": uncovered - int(round(best.covered)),
        "candidates": len(cand),
        "demand_points": int(demand.size),
        "sites": sites,
        "geojson": sites_geojson(sites),
        **solved,
    }


def _solve_capacitated(
    cover: csr_matrix, dist: csr_matrix, weight: F64, k: int, capacity: int, method: str
) -> tuple[Solution, list[int], dict[str, Any]]:
    """Capacitated greedy always (people per site from the best assignment); the exact MILP when small."""
    people = np.rint(weight).astype(np.int64)

    def placed_at(sol: Solution) -> list[int]:  # people per site in the best assignment to those sites
        pair_site, pair_demand = cover[sol.sites].nonzero()
        taken, by_site = assign_flow(people, np.full(len(sol.sites), capacity, np.int64), pair_demand, pair_site)
        sol.covered = float(taken.sum())
        return [int(n) for n in by_site]

    g = greedy_capacitated(cover, dist, weight, k, float(capacity))
    best, placed = g, placed_at(g)
    out: dict[str, Any] = {"method": "greedy", "greedy": {"covered": g.covered, "seconds": round(g.seconds, 4)}}
    pairs = cover.nnz + cover.shape[0]
    if method == "exact" or (method == "auto" and cover.shape[0] <= EXACT_MAX_CANDIDATES and pairs <= EXACT_MAX_PAIRS):
        e = exact_capacitated(cover, weight, k, float(capacity))
        e_placed = placed_at(e)
        out["exact"] = {"covered": e.covered, "seconds": round(e.seconds, 4), "optimal": e.optimal,
                        "upper_bound": round(e.upper_bound, 2)}
        if e.covered >= g.covered:
            best, placed, out["method"] = e, e_placed, "exact"
        ref = e.upper_bound if not e.optimal else e.covered
        out["gap"] = round(max(0.0, ref - g.covered) / ref, 6) if ref > 0 else 0.0
    return best, placed, out


def sites_geojson(sites: list[dict[str, Any]]) -> dict[str, Any]:
    """The proposed sites as a GeoJSON layer for the console map (Points with rank, people, capacity)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(s["lon"], 7), round(s["lat"], 7)]},
                "properties": {"kind": "proposed_shelter", **{k: v for k, v in s.items() if k not in ("lat", "lon")}},
            }
            for s in sites
        ],
    }
