"""Walk graph in projected metres: CSR adjacency, exact edge snapping and point insertion.

Nodes carry planar coordinates (metres) in a local Lambert azimuthal equal-area projection
centred on the data, so straight segments have Euclidean lengths (scale error < 1e-6 over a city).
Every edge is one straight segment; parallel edges are reduced to their minimum length before the
sparse matrix is built (scipy would otherwise add them up).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from pyproj import Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

#: Shorter than this (metres) counts as "the same place" when inserting points.
EPS_M = 1e-3
#: Smallest edge weight given to scipy (explicit zeros would be dropped as non-edges).
MIN_EDGE_M = 1e-9

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


class LocalProjection:
    """WGS84 lon/lat <-> local LAEA metres centred on (lat0, lon0)."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0 = float(lat0)
        self.lon0 = float(lon0)
        crs = f"+proj=laea +lat_0={self.lat0} +lon_0={self.lon0} +datum=WGS84 +units=m +no_defs"
        self._fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def to_xy(self, lon: F64 | float, lat: F64 | float) -> tuple[F64, F64]:
        x, y = self._fwd.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def to_lonlat(self, x: F64 | float, y: F64 | float) -> tuple[F64, F64]:
        lon, lat = self._inv.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def reduce_parallel(
    a: I64, b: I64, w_m: F64, flags: NDArray[np.bool_] | None = None
) -> tuple[I64, I64, F64, NDArray[np.bool_]]:
    """Undirected edges with self-loops dropped and parallel edges reduced to their minimum.

    ``flags`` (e.g. step-free) of parallel edges are OR-ed: both run straight between the same two
    points, so one that is step-free makes the pair step-free.
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    w_m = np.asarray(w_m, dtype=float)
    f = np.ones(a.size, dtype=bool) if flags is None else np.asarray(flags, dtype=bool)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    lo, hi, w_m, f = lo[keep], hi[keep], w_m[keep], f[keep]
    if lo.size == 0:
        return lo, hi, w_m, f
    order = np.lexsort((w_m, hi, lo))
    lo, hi, w_m, f = lo[order], hi[order], w_m[order], f[order]
    first = np.ones(lo.size, dtype=bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    group = np.cumsum(first) - 1
    any_flag = np.zeros(int(first.sum()), dtype=bool)
    np.logical_or.at(any_flag, group, f)
    # sorted by weight within each (lo, hi) group, so the first row is the minimum
    return lo[first], hi[first], w_m[first], any_flag


@dataclass(frozen=True)
class Snap:
    """Where a point meets the network: segment, fraction along it, foot point and distance."""

    seg: int
    t: float
    dist_m: float
    foot_x: float
    foot_y: float


@dataclass
class WalkGraph:
    """Undirected walk graph: node coordinates, unique straight segments and their CSR matrix."""

    x_m: F64
    y_m: F64
    seg_a: I64
    seg_b: I64
    lat0: float
    lon0: float
    sample_m: float = 10.0
    #: Per segment: usable without steps (no highway=steps, wheelchair=no, raised kerb, steep incline).
    step_free: NDArray[np.bool_] | None = None
    length_m: F64 = field(init=False, repr=False)
    matrix: csr_matrix = field(init=False, repr=False)
    _segments: SegmentIndex | None = field(default=None, init=False, repr=False)
    _components: tuple[I64, I64] | None = field(default=None, init=False, repr=False)
    _node_tree: cKDTree | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.x_m = np.ascontiguousarray(self.x_m, dtype=float)
        self.y_m = np.ascontiguousarray(self.y_m, dtype=float)
        w = np.hypot(self.x_m[self.seg_a] - self.x_m[self.seg_b], self.y_m[self.seg_a] - self.y_m[self.seg_b])
        a, b, w, free = reduce_parallel(self.seg_a, self.seg_b, w, self.step_free)
        self.seg_a, self.seg_b, self.length_m = a, b, w
        self.step_free = free
        n = self.node_count
        weights = np.maximum(np.concatenate([w, w]), MIN_EDGE_M)
        rows = np.concatenate([a, b])
        cols = np.concatenate([b, a])
        self.matrix = csr_matrix((weights, (rows, cols)), shape=(n, n))

    @property
    def node_count(self) -> int:
        return int(self.x_m.size)

    @property
    def projection(self) -> LocalProjection:
        return LocalProjection(self.lat0, self.lon0)

    # ---- snapping -------------------------------------------------------------------------------
    def node_tree(self) -> cKDTree:
        """KD-tree over node coordinates (built once)."""
        if self._node_tree is None:
            self._node_tree = cKDTree(np.column_stack([self.x_m, self.y_m]))
        return self._node_tree

    def segment_index(self) -> SegmentIndex:
        """Nearest-segment index over every segment (built once)."""
        if self._segments is None:
            self._segments = SegmentIndex(self, np.arange(self.seg_a.size, dtype=np.int64))
        return self._segments

    def step_free_matrix(self) -> csr_matrix:
        """The adjacency matrix with only step-free segments (all of them when the data says nothing)."""
        if self.step_free is None or bool(self.step_free.all()):
            return self.matrix
        a, b, w = self.seg_a[self.step_free], self.seg_b[self.step_free], self.length_m[self.step_free]
        weights = np.maximum(np.concatenate([w, w]), MIN_EDGE_M)
        n = self.node_count
        return csr_matrix((weights, (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n))

    def components(self) -> tuple[I64, I64]:
        """(component label of every node, node count of every component); computed once."""
        if self._components is None:
            _, labels = connected_components(self.matrix, directed=False)
            labels = np.asarray(labels, dtype=np.int64)
            self._components = (labels, np.bincount(labels).astype(np.int64))
        return self._components

    def network_segments(self, min_nodes: int) -> I64:
        """Segments of components with at least ``min_nodes`` nodes (always those of the largest).

        Smaller pieces ("islands": a footpath whose junction OSM does not record, a courtyard path)
        stay in the graph for the map but are not where doors and people are attached.
        """
        labels, sizes = self.components()
        if sizes.size == 0:
            return np.zeros(0, dtype=np.int64)
        threshold = min(int(min_nodes), int(sizes.max()))
        return np.flatnonzero(sizes[labels[self.seg_a]] >= threshold).astype(np.int64)

    def snap_many(self, px: F64, py: F64) -> tuple[I64, F64, F64, F64, F64]:
        """Exact nearest segment for each point: (seg, t, dist_m, foot_x, foot_y)."""
        if self.seg_a.size == 0:
            raise ValueError("the walk graph has no edges")
        return self.segment_index().snap_many(px, py)

    def snap(self, x: float, y: float) -> Snap:
        """Exact nearest segment for one point (the query fast path of :meth:`snap_many`)."""
        if self.seg_a.size == 0:
            raise ValueError("the walk graph has no edges")
        found = self.segment_index().snap(x, y)
        assert found is not None
        return found

    # ---- insertion ------------------------------------------------------------------------------
    def with_points(self, px: F64, py: F64, min_component_nodes: int = 1) -> tuple[WalkGraph, I64]:
        """A new graph with each point joined to its nearest segment; returns (graph, point nodes).

        The segment is split at the foot of the perpendicular and a connector edge runs from the
        foot to the point, so walking to the point costs exactly its distance off the network.
        Only segments of components with at least ``min_component_nodes`` nodes are candidates
        (see :meth:`network_segments`), so a door is never joined to a stray two-node island.
        """
        px = np.atleast_1d(np.asarray(px, dtype=float))
        py = np.atleast_1d(np.asarray(py, dtype=float))
        if px.size == 0:
            return self, np.zeros(0, dtype=np.int64)
        if self.seg_a.size == 0:
            raise ValueError("the walk graph has no edges")
        if min_component_nodes > 1:
            seg, t, dist, fx, fy = SegmentIndex(self, self.network_segments(min_component_nodes)).snap_many(px, py)
        else:
            seg, t, dist, fx, fy = self.snap_many(px, py)
        length = self.length_m[seg]
        xs, ys = [self.x_m], [self.y_m]
        n = self.node_count
        attach = np.where(t * length <= EPS_M, self.seg_a[seg], -1)
        attach = np.where((attach < 0) & ((1 - t) * length <= EPS_M), self.seg_b[seg], attach)
        split = np.flatnonzero(attach < 0)
        # one new node per distinct (segment, position) split
        keys = np.column_stack([seg[split], np.round(t[split] * length[split] / EPS_M)])
        uniq, inv = np.unique(keys, axis=0, return_inverse=True) if split.size else (keys, split)
        inv = np.asarray(inv).ravel()
        first_of = np.full(len(uniq), -1, dtype=np.int64)
        first_of[inv[::-1]] = split[::-1]
        new_ids = n + np.arange(len(uniq), dtype=np.int64)
        xs.append(fx[first_of])
        ys.append(fy[first_of])
        attach[split] = new_ids[inv]
        n += len(uniq)
        # rebuild split segments as chains a -> feet (by t) -> b
        cut = np.zeros(self.seg_a.size, dtype=bool)
        new_a: list[I64] = []
        new_b: list[I64] = []
        new_free: list[NDArray[np.bool_]] = []
        free = self.step_free if self.step_free is not None else np.ones(self.seg_a.size, dtype=bool)
        if len(uniq):
            useg = uniq[:, 0].astype(np.int64)
            ut = t[first_of]
            order = np.lexsort((ut, useg))
            useg, ids = useg[order], new_ids[order]
            cut[useg] = True
            starts = np.flatnonzero(np.r_[True, useg[1:] != useg[:-1]])
            ends = np.r_[starts[1:], useg.size]
            for s, e in zip(starts, ends, strict=True):
                chain = np.concatenate([[self.seg_a[useg[s]]], ids[s:e], [self.seg_b[useg[s]]]])
                new_a.append(chain[:-1])
                new_b.append(chain[1:])
                new_free.append(np.full(chain.size - 1, free[useg[s]], dtype=bool))
        # connector from foot to the point itself, unless the point lies on the network
        off = dist > EPS_M
        door = attach.copy()
        door_ids = n + np.arange(int(off.sum()), dtype=np.int64)
        door[off] = door_ids
        xs.append(px[off])
        ys.append(py[off])
        new_a.append(attach[off])
        new_b.append(door_ids)
        new_free.append(np.ones(door_ids.size, dtype=bool))  # the way in: whether a door is step-free is the site's
        keep = ~cut
        graph = WalkGraph(
            np.concatenate(xs),
            np.concatenate(ys),
            np.concatenate([self.seg_a[keep], *new_a]),
            np.concatenate([self.seg_b[keep], *new_b]),
            self.lat0,
            self.lon0,
            self.sample_m,
            np.concatenate([free[keep], *new_free]),
        )
        return graph, door


class SegmentIndex:
    """Exact nearest segment among a subset of a graph's segments.

    A KD-tree holds points sampled at most ``graph.sample_m`` apart along every chosen segment, so
    the nearest segment owns a sample within (nearest sample distance + sample_m / 2); every
    segment owning a sample in that ball is projected onto exactly.
    """

    def __init__(self, graph: WalkGraph, segs: I64) -> None:
        self.graph = graph
        self.segs = np.asarray(segs, dtype=np.int64)
        self.sample_m = graph.sample_m
        self._tree: cKDTree | None = None
        self._sample_seg: I64 = np.zeros(0, dtype=np.int64)
        if self.segs.size:
            length = graph.length_m[self.segs]
            counts = np.maximum(np.ceil(length / self.sample_m).astype(np.int64), 1) + 1
            seg = np.repeat(self.segs, counts)
            starts = np.cumsum(counts) - counts
            pos = np.arange(seg.size) - np.repeat(starts, counts)
            t = pos / np.repeat(counts - 1, counts)
            ax, ay = graph.x_m[graph.seg_a[seg]], graph.y_m[graph.seg_a[seg]]
            bx, by = graph.x_m[graph.seg_b[seg]], graph.y_m[graph.seg_b[seg]]
            self._tree = cKDTree(np.column_stack([ax + t * (bx - ax), ay + t * (by - ay)]))
            self._sample_seg = seg

    @property
    def empty(self) -> bool:
        return self._tree is None

    def _project(self, segs: I64, px: F64 | np.float64, py: F64 | np.float64) -> tuple[F64, F64, F64, F64]:
        g = self.graph
        ax, ay = g.x_m[g.seg_a[segs]], g.y_m[g.seg_a[segs]]
        bx, by = g.x_m[g.seg_b[segs]], g.y_m[g.seg_b[segs]]
        dx, dy = bx - ax, by - ay
        den = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(den > 0, ((px - ax) * dx + (py - ay) * dy) / np.where(den > 0, den, 1.0), 0.0)
        t = np.clip(t, 0.0, 1.0)
        fx, fy = ax + t * dx, ay + t * dy
        return t, fx, fy, np.hypot(px - fx, py - fy)

    def snap_many(self, px: F64, py: F64) -> tuple[I64, F64, F64, F64, F64]:
        """Exact nearest chosen segment for each point: (seg, t, dist_m, foot_x, foot_y)."""
        if self._tree is None:
            raise ValueError("no segments to snap to")
        px = np.atleast_1d(np.asarray(px, dtype=float))
        py = np.atleast_1d(np.asarray(py, dtype=float))
        pts = np.column_stack([px, py])
        d0, _ = self._tree.query(pts)
        balls = self._tree.query_ball_point(pts, d0 + self.sample_m / 2 + 1e-6)
        sizes = np.fromiter((len(b) for b in balls), dtype=np.int64, count=len(balls))
        flat = np.fromiter((i for b in balls for i in b), dtype=np.int64, count=int(sizes.sum()))
        owner = np.repeat(np.arange(pts.shape[0]), sizes)
        segs = self._sample_seg[flat]
        t, fx, fy, dist = self._project(segs, px[owner], py[owner])
        order = np.lexsort((segs, dist, owner))
        first = np.ones(order.size, dtype=bool)
        first[1:] = owner[order][1:] != owner[order][:-1]
        best = order[first]
        return segs[best], t[best], dist[best], fx[best], fy[best]

    def snap(self, x: float, y: float, limit_m: float = np.inf) -> Snap | None:
        """Exact nearest chosen segment for one point; None when none is within ``limit_m``."""
        if self._tree is None:
            return None
        d0, _ = self._tree.query((x, y), distance_upper_bound=limit_m + self.sample_m)
        if not np.isfinite(d0):
            return None
        near = self._tree.query_ball_point((x, y), d0 + self.sample_m / 2 + 1e-6)
        segs = np.unique(self._sample_seg[np.asarray(near, dtype=np.int64)])
        t, fx, fy, dist = self._project(segs, np.float64(x), np.float64(y))
        order = np.lexsort((segs, dist))
        i = int(order[0])
        if dist[i] > limit_m:
            return None
        return Snap(int(segs[i]), float(t[i]), float(dist[i]), float(fx[i]), float(fy[i]))


def grid_graph(nx_nodes: int, ny_nodes: int, spacing_m: float = 50.0) -> WalkGraph:
    """A square street grid (for tests and benchmarks), origin at (0, 0)."""
    ix, iy = np.meshgrid(np.arange(nx_nodes), np.arange(ny_nodes), indexing="xy")
    x = (ix.ravel() * spacing_m).astype(float)
    y = (iy.ravel() * spacing_m).astype(float)
    ids = np.arange(nx_nodes * ny_nodes, dtype=np.int64).reshape(ny_nodes, nx_nodes)
    a = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    b = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    return WalkGraph(x, y, a, b, lat0=0.0, lon0=0.0, sample_m=max(spacing_m / 2, 1.0))
