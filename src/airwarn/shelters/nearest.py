"""Nearest reachable shelter from any point, answered in O(snap) after one multi-source Dijkstra.

At load time one pass of ``scipy.sparse.csgraph.dijkstra(min_only=True)`` labels every node with
its distance to the nearest open shelter (and, separately, to the nearest building, the fallback
"safe room"). A query snaps the point onto its nearest segment (a, b, t) and takes
``snap + min(t*L + D[a], (1-t)*L + D[b])``; the route follows the predecessor tree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from airwarn.errors import InvalidInput
from airwarn.shelters.graph import F64, I64, SegmentIndex, Snap, WalkGraph
from airwarn.shelters.model import (
    DEFAULT_ENTRY_S,
    DEFAULT_SPEED_M_S,
    DEFAULT_WARNING_S,
    STEP_FREE_PROFILES,
    Building,
    ShelterSite,
)

#: A point farther than this from every walkable segment is outside the graph.
MAX_SNAP_M = 500.0
#: Components with fewer nodes than this are "islands" (a footway whose junction OSM lacks, a
#: courtyard path): kept for the map, but shelter doors and buildings are joined to real networks.
ISLAND_NODES = 50
#: Walks within this much (m) of the budget count as reaching the shelter (float noise, not people).
REACH_TOLERANCE_M = 1e-3


@dataclass
class SourceField:
    """Distance from every node to its nearest source node, with the shortest-path tree."""

    dist_m: F64
    pred: I64
    source: I64

    @classmethod
    def build(cls, graph: WalkGraph, nodes: I64, limit_m: float = np.inf, matrix: Any = None) -> SourceField:
        n = graph.node_count
        if len(nodes) == 0:
            return cls(np.full(n, np.inf), np.full(n, -9999, np.int64), np.full(n, -9999, np.int64))
        dist, pred, source = dijkstra(
            graph.matrix if matrix is None else matrix,
            directed=True,
            indices=np.asarray(nodes),
            min_only=True,
            return_predecessors=True,
            limit=limit_m,
        )
        return cls(np.asarray(dist), np.asarray(pred, np.int64), np.asarray(source, np.int64))

    def path(self, node: int) -> list[int]:
        """Nodes from ``node`` back to its source (inclusive)."""
        out = [node]
        while self.pred[out[-1]] >= 0:
            out.append(int(self.pred[out[-1]]))
        return out


@dataclass(frozen=True)
class Approach:
    """Best way from a snapped point to the nearest source of a field."""

    distance_m: float
    source_node: int
    route_xy: list[tuple[float, float]]


@dataclass
class Network:
    """What one walking profile can use: its shelters, shortest-path fields and where a point attaches."""

    profile: str
    shelters: list[ShelterSite]
    shelter_field: SourceField
    building_field: SourceField
    reach: SegmentIndex
    reach_building: SegmentIndex
    shelter_at: dict[int, ShelterSite]
    door_nodes: I64
    door_tree: cKDTree | None

    @classmethod
    def build(
        cls,
        profile: str,
        graph: WalkGraph,
        shelters: list[ShelterSite],
        building_nodes: I64,
        street: np.ndarray,
        streets: SegmentIndex | None = None,
    ) -> Network:
        """Default: every open shelter, every path. Step-free: no steps and no shelter marked wheelchair=no."""
        step_free = profile in STEP_FREE_PROFILES
        usable = [s for s in shelters if s.open and s.node >= 0 and not (step_free and s.wheelchair == "no")]
        matrix = graph.step_free_matrix() if step_free else graph.matrix
        mask = street & graph.step_free if step_free and graph.step_free is not None else street
        shelter_field = SourceField.build(graph, np.array([s.node for s in usable], np.int64), matrix=matrix)
        building_field = SourceField.build(graph, building_nodes, matrix=matrix)
        shelter_at = {s.node: s for s in usable}
        doors = np.array(list(shelter_at), np.int64)
        tree = cKDTree(np.column_stack([graph.x_m[doors], graph.y_m[doors]])) if doors.size else None
        reach = _reachable_segments(graph, shelter_field, mask, streets)
        building_reach = _reachable_segments(graph, building_field, mask, reach)
        return cls(profile, usable, shelter_field, building_field, reach, building_reach, shelter_at, doors, tree)


class NearestIndex:
    """Shelters, buildings and the walk graph, ready for queries."""

    def __init__(
        self,
        graph: WalkGraph,
        shelters: list[ShelterSite],
        buildings: list[Building],
        *,
        warning_s: float = DEFAULT_WARNING_S,
        entry_s: float = DEFAULT_ENTRY_S,
        max_snap_m: float = MAX_SNAP_M,
    ) -> None:
        self.graph = graph
        self.shelters = shelters
        self.buildings = buildings
        self.warning_s = float(warning_s)
        self.entry_s = float(entry_s)
        self.max_snap_m = float(max_snap_m)
        self.proj = graph.projection
        self._building_at = {b.node: b for b in buildings if b.node >= 0}
        self._street = _street_mask(graph, [s.node for s in shelters] + [b.node for b in buildings])
        self._streets = SegmentIndex(graph, np.flatnonzero(self._street).astype(np.int64))
        self._networks: dict[str, Network] = {}
        default = self.network("default")
        self.open_shelters = default.shelters
        self._shelter_at = default.shelter_at
        self.shelter_field = default.shelter_field
        self.building_field = default.building_field
        self._reach = default.reach

    def network(self, profile: str = "default") -> Network:
        """The fields of a profile (``wheelchair``: step-free); built on first use, then kept."""
        key = "wheelchair" if profile in STEP_FREE_PROFILES else "default"
        if key not in self._networks:
            buildings = np.array(list(self._building_at), np.int64)
            self._networks[key] = Network.build(key, self.graph, self.shelters, buildings, self._street, self._streets)
        return self._networks[key]

    # ---- geometry helpers --------------------------------------------------------------------
    def _xy(self, lat: float, lon: float) -> tuple[float, float]:
        if not (math.isfinite(lat) and -90 <= lat <= 90):
            raise InvalidInput(f"lat {lat} is not a latitude", field="lat")
        if not (math.isfinite(lon) and -180 <= lon <= 180):
            raise InvalidInput(f"lon {lon} is not a longitude", field="lon")
        x, y = self.proj.to_xy(lon, lat)
        return float(x), float(y)

    def _linestring(self, xy: list[tuple[float, float]]) -> dict[str, Any]:
        pts = np.asarray(xy, dtype=float)
        keep = np.ones(len(pts), dtype=bool)
        keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
        pts = pts[keep] if keep.sum() > 1 else np.vstack([pts[:1], pts[:1]])
        lon, lat = self.proj.to_lonlat(pts[:, 0], pts[:, 1])
        return {"type": "LineString", "coordinates": np.round(np.column_stack([lon, lat]), 7).tolist()}

    def locate(self, x: float, y: float) -> Snap:
        """The nearest street segment, connected or not; InvalidInput when the point is outside the graph."""
        snap = self._streets.snap(x, y)
        if snap is None or snap.dist_m > self.max_snap_m:
            dist = f"{snap.dist_m:.0f}" if snap is not None else "an unknown number of"
            raise InvalidInput(
                f"the point is {dist} m from the nearest walkable path "
                f"(limit {self.max_snap_m:.0f} m): it is outside the imported street graph",
                field="lat,lon",
            )
        return snap

    def attach(self, x: float, y: float, net: Network | None = None) -> Snap | None:
        """The nearest segment from which an open shelter can be walked to (None: none within the limit).

        A stray island nearer to the point never wins over a connected street a few metres farther.
        """
        return (net.reach if net is not None else self._reach).snap(x, y, self.max_snap_m)

    def why_none(self, nearest: Snap, net: Network | None = None) -> str:
        """Why no open shelter can be reached from the point (for the answer's ``reason``)."""
        step_free = net is not None and net.profile in STEP_FREE_PROFILES
        if not (net.shelters if net is not None else self.open_shelters):
            return "there is no open shelter" + (" a wheelchair can use" if step_free else "") + " in the imported data"
        if step_free:
            return (f"no open shelter can be reached without steps from any path within {self.max_snap_m:.0f} m "
                    "of the point (steps, wheelchair=no ways, raised kerbs and steep inclines are avoided)")
        labels, sizes = self.graph.components()
        piece = int(sizes[labels[int(self.graph.seg_a[nearest.seg])]])
        return (
            f"no open shelter can be reached from any path within {self.max_snap_m:.0f} m of the point; "
            f"the nearest path ({nearest.dist_m:.0f} m away) belongs to a piece of {piece} nodes "
            f"that is not connected to a shelter"
        )

    def approach(self, x: float, y: float, snap: Snap, field: SourceField) -> Approach | None:
        """Shortest walk from (x, y), met the network at ``snap``, to the nearest source of ``field``."""
        a, b = int(self.graph.seg_a[snap.seg]), int(self.graph.seg_b[snap.seg])
        length = float(self.graph.length_m[snap.seg])
        via_a = snap.dist_m + snap.t * length + field.dist_m[a]
        via_b = snap.dist_m + (1.0 - snap.t) * length + field.dist_m[b]
        end = a if via_a <= via_b else b
        best = min(via_a, via_b)
        if not math.isfinite(best):
            return None
        nodes = field.path(end)
        route = [(x, y), (snap.foot_x, snap.foot_y)] + [
            (float(self.graph.x_m[n]), float(self.graph.y_m[n])) for n in nodes
        ]
        return Approach(float(best), nodes[-1], route)

    def _direct_door(self, x: float, y: float, snap_m: float, net: Network) -> Approach | None:
        """A shelter door no farther than the nearest path is walked to in a straight line."""
        if net.door_tree is None:
            return None
        dist, i = net.door_tree.query([x, y])
        if dist > snap_m:
            return None
        node = int(net.door_nodes[int(i)])
        return Approach(float(dist), node, [(x, y), (float(self.graph.x_m[node]), float(self.graph.y_m[node]))])

    # ---- the query ---------------------------------------------------------------------------
    def nearest(
        self,
        lat: float,
        lon: float,
        speed_m_s: float = DEFAULT_SPEED_M_S,
        warning_s: float | None = None,
        profile: str = "default",
    ) -> dict[str, Any]:
        """The DESIGN.md nearest-shelter answer for a point (JSON-ready); ``wheelchair``: step-free only."""
        if not (math.isfinite(speed_m_s) and 0.1 <= speed_m_s <= 10.0):
            raise InvalidInput(f"speed {speed_m_s} m/s is outside 0.1..10", field="speed")
        warn_s = self.warning_s if warning_s is None else float(warning_s)
        if not (math.isfinite(warn_s) and 0 <= warn_s <= 86400):
            raise InvalidInput(f"warning {warn_s} s is outside 0..86400", field="warning")
        x, y = self._xy(lat, lon)
        nearest_path = self.locate(x, y)
        net = self.network(profile)
        snap = self.attach(x, y, net)
        best = self.approach(x, y, snap, net.shelter_field) if snap is not None else None
        direct = self._direct_door(x, y, snap.dist_m if snap is not None else nearest_path.dist_m, net)
        if direct is not None and (best is None or direct.distance_m < best.distance_m):
            best = direct
        out: dict[str, Any] = {
            "shelter": None,
            "distance_m": None,
            "walk_s": None,
            "warning_s": warn_s,
            "reachable": False,
            "short_by_m": None,
            "short_by_s": None,
            "route": None,
        }
        if best is not None:
            site = net.shelter_at[best.source_node]
            walk_s = best.distance_m / speed_m_s + self.entry_s
            budget_m = max(0.0, warn_s - self.entry_s) * speed_m_s
            short_m = best.distance_m - budget_m if best.distance_m > budget_m + REACH_TOLERANCE_M else 0.0
            if warn_s < self.entry_s:  # not even time to get through the door
                short_m = best.distance_m + (self.entry_s - warn_s) * speed_m_s
            out.update(
                shelter=site.public(),
                distance_m=round(best.distance_m, 2),
                walk_s=round(walk_s, 2),
                reachable=short_m == 0.0,
                short_by_m=round(short_m, 2),
                short_by_s=round(short_m / speed_m_s, 2),
                route=self._linestring(best.route_xy),
            )
        out.update(speed_m_s=speed_m_s, entry_s=self.entry_s, alternative=None)
        out["snap_m"] = round(snap.dist_m if snap is not None else nearest_path.dist_m, 2)
        out["profile"] = net.profile
        # the shelter object keeps the DESIGN.md contract's keys; its access is reported beside it
        out["shelter_wheelchair"] = net.shelter_at[best.source_node].wheelchair or None if best is not None else None
        if net.profile in STEP_FREE_PROFILES:
            out["step_free_data"] = bool(self.graph.step_free is not None and not self.graph.step_free.all())
        if best is None:
            out["reason"] = self.why_none(nearest_path, net)
        if not out["reachable"]:
            out["alternative"] = self._safe_room(x, y, speed_m_s, net)
        return out

    def _safe_room(self, x: float, y: float, speed_m_s: float, net: Network) -> dict[str, Any] | None:
        snap = net.reach_building.snap(x, y, self.max_snap_m)
        if snap is None:
            return None
        alt = self.approach(x, y, snap, net.building_field)
        if alt is None:
            return None
        b = self._building_at[alt.source_node]
        return {
            "kind": "safe_room",
            "advice": "No shelter in time: go to the nearest building, an inner room away from windows.",
            "building": {"id": b.id, "name": b.name, "lat": b.lat, "lon": b.lon},
            "distance_m": round(alt.distance_m, 2),
            "walk_s": round(alt.distance_m / speed_m_s, 2),
            "route": self._linestring(alt.route_xy),
        }


def _street_mask(graph: WalkGraph, doors: list[int]) -> np.ndarray:
    """Segments that are streets or paths, not the connector from a street to a door or a building.

    A door or building centroid joined off the network is a node of degree one; its connector is
    how it is entered, not a path a person standing near it walks along.
    """
    degree = np.bincount(np.concatenate([graph.seg_a, graph.seg_b]), minlength=graph.node_count)
    nodes = np.asarray([d for d in doors if d >= 0], dtype=np.int64)
    is_door = np.zeros(graph.node_count, dtype=bool)
    is_door[nodes[degree[nodes] == 1]] = True
    a, b = graph.seg_a, graph.seg_b
    connector = (is_door[a] & (degree[b] >= 2)) | (is_door[b] & (degree[a] >= 2))
    return ~connector


def _reachable_segments(
    graph: WalkGraph, field: SourceField, street: np.ndarray, same: SegmentIndex | None = None
) -> SegmentIndex:
    """Index over the street segments from which a source of ``field`` can be reached.

    ``same`` is reused when it already covers exactly those segments (one connected network: the
    usual case), so a big city builds one sample tree, not three.
    """
    ok = np.isfinite(field.dist_m[graph.seg_a]) | np.isfinite(field.dist_m[graph.seg_b])
    segs = np.flatnonzero(ok & street).astype(np.int64)
    if same is not None and same.segs.size == segs.size and np.array_equal(same.segs, segs):
        return same
    return SegmentIndex(graph, segs)
