from __future__ import annotations

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

from airwarn.shelters.graph import WalkGraph, grid_graph, reduce_parallel


def test_parallel_edges_reduce_to_their_minimum_not_their_sum() -> None:
    a, b, w, _ = reduce_parallel(np.array([0, 1, 0, 2]), np.array([1, 0, 1, 2]), np.array([5.0, 3.0, 4.0, 1.0]))
    assert a.tolist() == [0] and b.tolist() == [1] and w.tolist() == [3.0]  # self-loop dropped


def test_csr_keeps_shortest_of_duplicate_segments() -> None:
    x = np.array([0.0, 10.0, 10.0])
    y = np.array([0.0, 0.0, 0.0])
    g = WalkGraph(x, y, np.array([0, 1, 0, 0]), np.array([1, 0, 1, 2]), 60.0, 25.0)
    dist = dijkstra(g.matrix, indices=0)
    assert dist[1] == 10.0 and dist[2] == 10.0
    assert g.matrix.nnz == 4  # (0,1) and (0,2) in both directions


def test_snap_is_exact_against_brute_force() -> None:
    rng = np.random.default_rng(3)
    n = 60
    x, y = rng.uniform(0, 500, n), rng.uniform(0, 500, n)
    a, b = rng.integers(0, n, 120), rng.integers(0, n, 120)
    g = WalkGraph(x, y, a, b, 60.0, 25.0, sample_m=7.0)
    px, py = rng.uniform(-50, 550, 300), rng.uniform(-50, 550, 300)
    seg, t, dist, fx, fy = g.snap_many(px, py)
    ax, ay, bx, by = x[g.seg_a], y[g.seg_a], x[g.seg_b], y[g.seg_b]
    for i in range(px.size):
        dx, dy = bx - ax, by - ay
        tt = np.clip(((px[i] - ax) * dx + (py[i] - ay) * dy) / (dx * dx + dy * dy), 0, 1)
        brute = np.hypot(px[i] - (ax + tt * dx), py[i] - (ay + tt * dy)).min()
        assert abs(dist[i] - brute) < 1e-9
        assert abs(np.hypot(px[i] - fx[i], py[i] - fy[i]) - dist[i]) < 1e-9


def test_with_points_splits_segments_and_adds_connectors() -> None:
    g = WalkGraph(np.array([0.0, 100.0]), np.array([0.0, 0.0]), np.array([0]), np.array([1]), 60.0, 25.0)
    g2, nodes = g.with_points(np.array([30.0, 70.0, 100.0, 30.0]), np.array([5.0, -2.0, 0.0, 5.0]))
    dist = dijkstra(g2.matrix, indices=0)
    assert abs(dist[nodes[0]] - 35.0) < 1e-9  # 30 along + 5 off the street
    assert abs(dist[nodes[1]] - 72.0) < 1e-9
    assert nodes[2] == 1  # on an existing node: no new node
    assert abs(dist[nodes[3]] - 35.0) < 1e-9  # the same place twice: same foot, own door node
    assert g2.node_count == 2 + 2 + 3  # two feet, three doors
    assert abs(dist[1] - 100.0) < 1e-9  # the split street still measures 100 m


def test_grid_distances_match_networkx() -> None:
    g = grid_graph(12, 9, spacing_m=50.0)
    ours = dijkstra(g.matrix, indices=[0, 50])
    ref = nx.Graph()
    for a, b, w in zip(g.seg_a, g.seg_b, g.length_m, strict=True):
        ref.add_edge(int(a), int(b), weight=float(w))
    for row, src in enumerate((0, 50)):
        lengths = nx.single_source_dijkstra_path_length(ref, src)
        assert all(abs(ours[row, n] - d) < 1e-9 for n, d in lengths.items())
