"""Small hand-made walk graphs placed near Helsinki (lat 60, lon 25) for exact checks."""

from __future__ import annotations

import numpy as np

from airwarn.shelters.graph import LocalProjection, WalkGraph
from airwarn.shelters.model import Building, ShelterSite
from airwarn.shelters.nearest import NearestIndex

LAT0, LON0 = 60.0, 25.0
PROJ = LocalProjection(LAT0, LON0)


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = PROJ.to_lonlat(x, y)
    return float(lon), float(lat)


def street(length_m: float = 400.0, step_m: float = 100.0) -> WalkGraph:
    """One straight street along x from 0 to ``length_m``, nodes every ``step_m``."""
    xs = np.arange(0.0, length_m + 1e-9, step_m)
    ids = np.arange(xs.size)
    return WalkGraph(xs, np.zeros(xs.size), ids[:-1], ids[1:], LAT0, LON0, sample_m=5.0)


def index(
    graph: WalkGraph,
    shelters_xy: list[tuple[float, float]],
    buildings_xy: list[tuple[float, float, float]] = (),  # type: ignore[assignment]
    *,
    capacities: list[int | None] | None = None,
    open_flags: list[bool] | None = None,
    districts: list[str] | None = None,
    warning_s: float = 60.0,
    entry_s: float = 0.0,
) -> NearestIndex:
    """Attach shelters (x, y) and buildings (x, y, people) to the graph and build the index."""
    pts = list(shelters_xy) + [(x, y) for x, y, _ in buildings_xy]
    g, nodes = graph.with_points(np.array([p[0] for p in pts]), np.array([p[1] for p in pts]))
    shelters = []
    for i, (x, y) in enumerate(shelters_xy):
        lon, lat = lonlat(x, y)
        cap = capacities[i] if capacities else None
        is_open = open_flags[i] if open_flags else True
        shelters.append(
            ShelterSite(f"S{i}", f"Shelter {i}", lat, lon, cap, is_open, "", "registry", int(nodes[i]))
        )
    buildings = []
    for j, (x, y, people) in enumerate(buildings_xy):
        lon, lat = lonlat(x, y)
        d = districts[j] if districts else "A"
        node = int(nodes[len(shelters_xy) + j])
        buildings.append(Building(f"B{j}", f"Building {j}", lat, lon, 1.0, 100.0, people, d, node))
    return NearestIndex(g, shelters, buildings, warning_s=warning_s, entry_s=entry_s)
