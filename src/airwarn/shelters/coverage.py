"""Coverage: who reaches a shelter with room for them before the warning time runs out.

Reachability comes from Dijkstra limited to the walking budget ``(warning_s - entry_s) * speed``.
Capacity-aware assignment is a maximum flow (source -> building [people] -> shelter within budget
-> sink [capacity]), so the covered count is the best any assignment can do, not a greedy guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra, maximum_flow
from shapely.geometry import mapping

from airwarn.shelters.graph import F64, I64, WalkGraph
from airwarn.shelters.nearest import NearestIndex

#: Dense Dijkstra output is produced in chunks of at most this many entries (8 bytes each).
CHUNK_ENTRIES = 16_000_000
#: Buffer (m) drawn around uncovered buildings for the "uncovered area" polygon.
UNCOVERED_BUFFER_M = 30.0


def grid_district(x_m: F64, y_m: F64, cell_m: float = 500.0) -> list[str]:
    """Label points by a square grid when no districts are known: ``grid 500m r2 c-1``."""
    rows = np.floor(np.asarray(y_m) / cell_m).astype(int)
    cols = np.floor(np.asarray(x_m) / cell_m).astype(int)
    return [f"grid {int(cell_m)}m r{r} c{c}" for r, c in zip(rows, cols, strict=True)]


def reach_pairs(graph: WalkGraph, sources: I64, targets: I64, limit_m: float) -> tuple[I64, I64, F64]:
    """All (source index, target index, distance) with network distance <= ``limit_m``.

    A walk of at most ``limit_m`` never leaves the disc of that radius around its start, so sources
    are grouped in square tiles and Dijkstra runs on the subgraph induced by the nodes within
    (tile half-diagonal + limit) of the tile centre: exact, and the work stays local.
    """
    sources = np.asarray(sources, np.int64)
    targets = np.asarray(targets, np.int64)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if sources.size == 0 or targets.size == 0 or not limit_m >= 0:
        return empty
    if not np.isfinite(limit_m):
        return _reach_dense(graph, sources, targets, limit_m)
    uniq, inv = np.unique(targets, return_inverse=True)
    target_pos = np.full(graph.node_count, -1, np.int64)
    target_pos[uniq] = np.arange(uniq.size)
    cell_m = max(limit_m, 25.0)
    tx = np.floor(graph.x_m[sources] / cell_m).astype(np.int64)
    ty = np.floor(graph.y_m[sources] / cell_m).astype(np.int64)
    _, tile = np.unique(np.column_stack([tx, ty]), axis=0, return_inverse=True)
    tile = np.asarray(tile).ravel()
    order = np.argsort(tile, kind="stable")
    cuts = np.flatnonzero(np.diff(tile[order])) + 1
    local = np.full(graph.node_count, -1, np.int64)
    tree = graph.node_tree()
    out_s, out_t, out_d = [], [], []
    for group in np.split(order, cuts):
        cx = (tx[group[0]] + 0.5) * cell_m
        cy = (ty[group[0]] + 0.5) * cell_m
        sub = np.asarray(tree.query_ball_point((cx, cy), cell_m * 0.7072 + limit_m + 1e-6), np.int64)
        local[sub] = np.arange(sub.size)
        matrix = graph.matrix[sub][:, sub]
        dist = np.atleast_2d(dijkstra(matrix, directed=True, indices=local[sources[group]], limit=limit_m))
        local[sub] = -1
        tpos = target_pos[sub]
        cols = np.flatnonzero(tpos >= 0)
        block = dist[:, cols]
        i, j = np.nonzero(block <= limit_m)
        out_s.append(group[i])
        out_t.append(tpos[cols[j]])
        out_d.append(block[i, j])
    ps, pu, pd = np.concatenate(out_s), np.concatenate(out_t), np.concatenate(out_d)
    return _expand(ps, pu, pd, np.asarray(inv).ravel())


def _expand(ps: I64, pu: I64, pd: F64, inv: I64) -> tuple[I64, I64, F64]:
    """Pairs over unique target nodes -> pairs over the caller's targets (which may repeat)."""
    counts = np.bincount(inv, minlength=int(pu.max()) + 1 if pu.size else 0)
    if counts.size == 0 or counts.max(initial=0) <= 1:
        by_node = np.full(counts.size, -1, np.int64)
        by_node[inv] = np.arange(inv.size)
        return ps, by_node[pu], pd
    order = np.argsort(inv, kind="stable")
    starts = np.cumsum(counts) - counts
    rep = counts[pu]
    offs = np.arange(int(rep.sum())) - np.repeat(np.cumsum(rep) - rep, rep)
    return np.repeat(ps, rep), order[np.repeat(starts[pu], rep) + offs], np.repeat(pd, rep)


def _reach_dense(graph: WalkGraph, sources: I64, targets: I64, limit_m: float) -> tuple[I64, I64, F64]:
    chunk = max(1, CHUNK_ENTRIES // graph.node_count)
    src_out, tgt_out, dist_out = [], [], []
    for start in range(0, sources.size, chunk):
        block = sources[start : start + chunk]
        dist = dijkstra(graph.matrix, directed=True, indices=block, limit=limit_m)
        sub = np.asarray(dist)[:, targets].reshape(block.size, targets.size)
        i, j = np.nonzero(sub <= limit_m)
        src_out.append(i + start)
        tgt_out.append(j)
        dist_out.append(sub[i, j])
    return np.concatenate(src_out), np.concatenate(tgt_out), np.concatenate(dist_out)


def assign_capacity(people: I64, capacity: I64, pair_demand: I64, pair_shelter: I64) -> I64:
    """People of each demand point placed in a shelter in time, maximised over all assignments.

    ``capacity`` < 0 means unlimited. Pairs list which shelter each demand point can reach.
    """
    return assign_flow(people, capacity, pair_demand, pair_shelter)[0]


def assign_flow(people: I64, capacity: I64, pair_demand: I64, pair_shelter: I64) -> tuple[I64, I64]:
    """:func:`assign_capacity` and, per shelter, how many people it takes in that assignment."""
    people = np.asarray(people, np.int64)
    n_d, n_s = people.size, len(capacity)
    if n_d == 0 or n_s == 0 or len(pair_demand) == 0:
        return np.zeros(n_d, np.int64), np.zeros(n_s, np.int64)
    total = int(people.sum())
    if total >= 2**31 - 1:
        raise ValueError("population too large for int32 max-flow")
    cap = np.where(np.asarray(capacity) < 0, total, np.minimum(np.asarray(capacity), total))
    src, sink = 0, 1 + n_d + n_s
    rows = np.concatenate([np.zeros(n_d, np.int64), 1 + np.asarray(pair_demand), 1 + n_d + np.arange(n_s)])
    cols = np.concatenate([1 + np.arange(n_d), 1 + n_d + np.asarray(pair_shelter), np.full(n_s, sink)])
    caps = np.concatenate([people, np.full(len(pair_demand), total), cap]).astype(np.int32)
    keep = caps > 0
    graph = csr_matrix((caps[keep], (rows[keep], cols[keep])), shape=(sink + 1, sink + 1))
    graph.sum_duplicates()
    flow = maximum_flow(graph, src, sink).flow
    placed = np.asarray(flow[0, 1 : 1 + n_d].todense()).ravel()
    per_shelter = np.asarray(flow[1 + n_d : 1 + n_d + n_s, sink].todense()).ravel()
    return placed.astype(np.int64), per_shelter.astype(np.int64)


@dataclass
class CoverageResult:
    """Per building: people, people placed in time, distance to the nearest open shelter, walk budget."""

    people: I64
    covered: I64
    nearest_m: F64
    budget_m: float  # the largest budget (all buildings share it when the warning time is one number)
    budgets_m: F64 | None = None  # per building, when warning times differ by district


def budgets(index: NearestIndex, warning_s: float | F64, speed_m_s: float) -> F64:
    """Walking budget (m) per building: (warning time there - entry time) x speed, never below 0."""
    warn = np.broadcast_to(np.asarray(warning_s, dtype=float), (len(index.buildings),))
    return np.maximum(0.0, (warn - index.entry_s) * speed_m_s)


def compute(
    index: NearestIndex, warning_s: float | F64, speed_m_s: float, capacity_aware: bool = True
) -> CoverageResult:
    """Coverage arrays for every building; ``warning_s`` is one number or one per building."""
    buildings = index.buildings
    nodes = np.array([b.node for b in buildings], np.int64)
    people = np.rint([b.population for b in buildings]).astype(np.int64) if buildings else np.zeros(0, np.int64)
    per = budgets(index, warning_s, speed_m_s)
    budget_m = float(per.max()) if per.size else max(0.0, (float(np.max(warning_s)) - index.entry_s) * speed_m_s)
    varied = per.size > 0 and bool(np.ptp(per) > 0)
    nearest_m = index.shelter_field.dist_m[nodes] if nodes.size else np.zeros(0)
    if not capacity_aware:
        covered = np.where(nearest_m <= per, people, 0)
        return CoverageResult(people, covered, nearest_m, budget_m, per if varied else None)
    shelters = index.open_shelters
    s_nodes = np.array([s.node for s in shelters], np.int64)
    capacity = np.array([-1 if s.capacity is None else s.capacity for s in shelters], np.int64)
    want = np.flatnonzero((people > 0) & (nearest_m <= per))
    si, di, dist = reach_pairs(index.graph, s_nodes, nodes[want], budget_m)
    fits = dist <= per[want][di]  # each building's own budget (its district's warning time)
    covered = np.zeros(len(buildings), np.int64)
    covered[want] = assign_capacity(people[want], capacity, di[fits], si[fits])
    return CoverageResult(people, covered, nearest_m, budget_m, per if varied else None)


def report(
    index: NearestIndex,
    warning_s: float | F64,
    speed_m_s: float,
    capacity_aware: bool = True,
    districts: list[str] | None = None,
) -> dict[str, Any]:
    """The coverage JSON: ``covered_share`` 0..1, ``by_district`` and uncovered places as GeoJSON.

    ``districts`` (one per building) groups by the territory's districts instead of the import's labels.
    """
    res = compute(index, warning_s, speed_m_s, capacity_aware)
    total, placed = int(res.people.sum()), int(res.covered.sum())
    warn = np.broadcast_to(np.asarray(warning_s, dtype=float), (len(index.buildings),))
    labels = districts or [b.district or "unknown" for b in index.buildings]
    by: dict[str, dict[str, Any]] = {}
    for label, p, c, w in zip(labels, res.people, res.covered, warn, strict=True):
        row = by.setdefault(label, {"people": 0, "covered_people": 0, "buildings": 0, "warning_s": float(w)})
        row["people"] += int(p)
        row["covered_people"] += int(c)
        row["buildings"] += 1
        row["warning_s"] = min(row["warning_s"], float(w))
    for row in by.values():
        row["covered_share"] = round(row["covered_people"] / row["people"], 4) if row["people"] else 1.0
    single = np.asarray(warning_s).ndim == 0
    return {
        "warning_s": float(warning_s) if single else None,
        "warning_by_district": not single,
        "speed_m_s": speed_m_s,
        "entry_s": index.entry_s,
        "budget_m": round(res.budget_m, 2),
        "capacity_aware": capacity_aware,
        "people": total,
        "covered_people": placed,
        "covered_share": round(placed / total, 4) if total else 1.0,
        "by_district": dict(sorted(by.items())),
        "uncovered": uncovered_geojson(index, res, speed_m_s),
    }


def uncovered_geojson(index: NearestIndex, res: CoverageResult, speed_m_s: float) -> dict[str, Any]:
    """Buildings with people left outside, as Points, plus one buffered ``uncovered_area`` polygon."""
    features: list[dict[str, Any]] = []
    left = res.people - res.covered
    idx = np.flatnonzero(left > 0)
    for i in idx:
        b = index.buildings[int(i)]
        near = float(res.nearest_m[i])
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(b.lon, 7), round(b.lat, 7)]},
                "properties": {
                    "id": b.id,
                    "name": b.name,
                    "district": b.district,
                    "people": int(res.people[i]),
                    "uncovered_people": int(left[i]),
                    "walk_s": round(near / speed_m_s + index.entry_s, 1) if np.isfinite(near) else None,
                },
            }
        )
    if idx.size:
        g = index.graph
        nodes = np.array([index.buildings[int(i)].node for i in idx])
        area = shapely.union_all(
            shapely.buffer(shapely.points(g.x_m[nodes], g.y_m[nodes]), UNCOVERED_BUFFER_M, quad_segs=4)
        )
        proj = index.proj
        area = shapely.transform(area, lambda xy: np.column_stack(proj.to_lonlat(xy[:, 0], xy[:, 1])))
        area = shapely.set_precision(area, 1e-7)
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(area),
                "properties": {"kind": "uncovered_area", "buffer_m": UNCOVERED_BUFFER_M},
            }
        )
    return {"type": "FeatureCollection", "features": features}
