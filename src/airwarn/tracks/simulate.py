"""The raid simulator: threats fly their routes, sensors hear (or miss) them with bearing errors and false
alarms, interceptions end some; out come detections as sensors would send them, with the ground truth."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from airwarn.tracks.classes import ThreatClass
from airwarn.tracks.frame import LocalFrame, bearing_deg
from airwarn.tracks.scenario import Group, Scenario
from airwarn.tracks.sensors import Sensor, SensorKind

F64 = NDArray[np.float64]


@dataclass
class ThreatTruth:
    id: str
    group: str
    threat_class: ThreatClass
    launch_s: float
    speed_mps: float
    path: F64  # (n, 2) polyline in the local frame
    cumulative_m: F64
    end_s: float
    intercepted: bool

    def position(self, t_s: float) -> tuple[float, float] | None:
        if t_s < self.launch_s or t_s > self.end_s:
            return None
        s = (t_s - self.launch_s) * self.speed_mps
        x = float(np.interp(s, self.cumulative_m, self.path[:, 0]))
        y = float(np.interp(s, self.cumulative_m, self.path[:, 1]))
        return x, y


@dataclass
class Raid:
    scenario: Scenario
    frame: LocalFrame
    sensors: list[Sensor]
    threats: list[ThreatTruth]
    #: (seconds after start, detections as a sensor would POST them) per time step, in order
    steps: list[tuple[float, list[dict[str, Any]]]] = field(default_factory=list)
    first_seen_s: dict[str, float] = field(default_factory=dict)  # threat id → first true detection
    noise: set[tuple[int, int]] = field(default_factory=set)  # (step, item) of every false alarm

    @property
    def detection_count(self) -> int:
        return sum(len(d) for _, d in self.steps)

    def iso(self, t_s: float) -> str:
        return (self.scenario.start + timedelta(seconds=t_s)).isoformat()


def simulate(scenario: Scenario) -> Raid:
    rng = np.random.default_rng(scenario.seed)
    points = [p for g in scenario.groups for p in g.waypoints]
    frame = LocalFrame(float(np.mean([p[0] for p in points])), float(np.mean([p[1] for p in points])))
    threats = [t for g in scenario.groups for t in _threats(g, scenario, frame, rng)]
    sensors = _sensors(scenario, frame, rng)
    observers = _interceptions(scenario, threats, frame)
    raid = Raid(scenario, frame, sensors + [o for o, _, _ in observers], threats)
    _listen(raid, sensors, observers, rng)
    return raid


def _route_xy(group: Group, frame: LocalFrame) -> F64:
    lat, lon = zip(*group.waypoints, strict=True)
    x, y = frame.to_xy(lat, lon)
    return np.column_stack([x, y])


def _threats(group: Group, scenario: Scenario, frame: LocalFrame, rng: np.random.Generator) -> list[ThreatTruth]:
    route = _route_xy(group, frame)
    out = []
    for i in range(group.count):
        path = route.copy()
        path[0] += rng.normal(0, 500.0, 2)
        path[1:] += rng.normal(0, group.spread_m, (len(path) - 1, 2))
        cumulative = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(path, axis=0).T))])
        speed = rng.uniform(*group.speed_kmh) / 3.6
        launch = group.start_s + i * group.launch_interval_s
        out.append(ThreatTruth(f"{group.name}-{i + 1:02d}", group.name, group.threat_class, launch, speed, path,
                               cumulative, launch + cumulative[-1] / speed, False))
    for interception in scenario.interceptions:
        members = [t for t in out if t.group == interception.group]
        if interception.index < len(members):
            t = members[interception.index]
            t.end_s = t.launch_s + interception.at_fraction * t.cumulative_m[-1] / t.speed_mps
            t.intercepted = True
    return out


def _sensors(scenario: Scenario, frame: LocalFrame, rng: np.random.Generator) -> list[Sensor]:
    """Fences of sensors across every route at regular intervals, then the rest scattered over the area."""
    net = scenario.sensors
    spots: list[tuple[float, float]] = []
    taken: set[tuple[int, int]] = set()

    def place(x: float, y: float) -> None:
        cell = (int(x // (net.spacing_m * 0.8)), int(y // (net.spacing_m * 0.8)))
        if cell not in taken and len(spots) < net.count:
            taken.add(cell)
            spots.append((x, y))

    for group in scenario.groups:
        route = _route_xy(group, frame)
        seg = np.diff(route, axis=0)
        lengths = np.hypot(seg[:, 0], seg[:, 1])
        cumulative = np.concatenate([[0.0], np.cumsum(lengths)])
        along = net.fence_start_km * 1000.0
        while along < cumulative[-1] - 5_000.0:
            k = int(np.searchsorted(cumulative, along, side="right") - 1)
            u = seg[k] / lengths[k]
            c = route[k] + u * (along - cumulative[k])
            half = int(net.fence_width_km * 1000.0 / 2 // net.spacing_m)
            for j in range(-half, half + 1):
                place(c[0] - u[1] * j * net.spacing_m, c[1] + u[0] * j * net.spacing_m)
            along += net.fence_every_km * 1000.0
    xs = [p[0] for g in scenario.groups for p in _route_xy(g, frame)]
    ys = [p[1] for g in scenario.groups for p in _route_xy(g, frame)]
    while len(spots) < net.count:
        place(rng.uniform(min(xs) - 50_000, max(xs) + 50_000), rng.uniform(min(ys) - 50_000, max(ys) + 50_000))
    lat, lon = frame.to_latlon([p[0] for p in spots], [p[1] for p in spots])
    return [Sensor(f"ac-{n + 1:05d}", SensorKind.ACOUSTIC, round(float(a), 6), round(float(o), 6), net.range_m,
                   net.bearing_sd_deg) for n, (a, o) in enumerate(zip(lat, lon, strict=True))]


def _interceptions(scenario: Scenario, threats: list[ThreatTruth], frame: LocalFrame,
                   ) -> list[tuple[Sensor, ThreatTruth, tuple[float, float]]]:
    """An air-defence post beside every kill, which reports it as an observer sighting."""
    out = []
    for n, threat in enumerate(t for t in threats if t.intercepted):
        x, y = threat.position(threat.end_s) or (0.0, 0.0)
        lat, lon = frame.point_latlon(x, y)
        post_lat, post_lon = frame.point_latlon(x + 1_000.0, y)
        out.append((Sensor(f"ad-{n + 1:03d}", SensorKind.OBSERVER, round(post_lat, 6), round(post_lon, 6),
                           10_000.0), threat, (lat, lon)))
    return out


def _listen(raid: Raid, sensors: list[Sensor], observers: list[tuple[Sensor, ThreatTruth, tuple[float, float]]],
            rng: np.random.Generator) -> None:
    scenario, net = raid.scenario, raid.scenario.sensors
    sx, sy = raid.frame.to_xy([s.lat for s in sensors], [s.lon for s in sensors])
    tree = cKDTree(np.column_stack([sx, sy]))
    every = max(1, round(net.report_every_s / scenario.step_s))
    phase = rng.integers(0, every, len(sensors))
    false_rate = len(sensors) * net.false_alarms_per_hour / 3600.0 * scenario.step_s
    kills = sorted(((t.end_s, s, t, where) for s, t, where in observers), key=lambda k: k[0])
    end = max(t.end_s for t in raid.threats) + 600.0
    step = 0
    t = 0.0
    while t <= end:
        found: list[dict[str, Any]] = []
        live = [(th, p) for th in raid.threats if (p := th.position(t)) is not None]
        if live:
            hits = tree.query_ball_point(np.array([p for _, p in live]), r=net.range_m)
            for (threat, (x, y)), near in zip(live, hits, strict=True):
                for i in near:
                    if (step + phase[i]) % every or rng.random() < net.miss_rate:
                        continue
                    true = float(bearing_deg(x - sx[i], y - sy[i]))
                    guess = threat.threat_class if rng.random() < 0.7 else ThreatClass.UNKNOWN
                    found.append({"sensor": sensors[i].id, "time": raid.iso(t), "kind": "acoustic",
                                  "bearing_deg": round((true + rng.normal(0, net.bearing_sd_deg)) % 360, 2),
                                  "class": guess.value, "confidence": round(float(rng.uniform(0.4, 0.9)), 2)})
                    raid.first_seen_s.setdefault(threat.id, t)
        for i in rng.integers(0, len(sensors), rng.poisson(false_rate)):
            raid.noise.add((len(raid.steps), len(found)))
            found.append({"sensor": sensors[i].id, "time": raid.iso(t), "kind": "acoustic",
                          "bearing_deg": round(float(rng.uniform(0, 360)), 2), "class": "unknown",
                          "confidence": round(float(rng.uniform(0.2, 0.5)), 2)})
        while kills and kills[0][0] <= t:
            _, post, threat, (lat, lon) = kills.pop(0)
            found.append({"sensor": post.id, "time": raid.iso(t), "kind": "observer", "lat": round(lat, 6),
                          "lon": round(lon, 6), "class": threat.threat_class.value, "confidence": 0.9,
                          "destroyed": True})
        if found:
            raid.steps.append((t, found))
        step += 1
        t = step * scenario.step_s


def ground_truth_entries(raid: Raid, index: Any, step_s: float = 10.0) -> dict[str, tuple[float, str]]:
    """For every district a threat entered: the first time any threat entered it, and which threat."""
    entries: dict[str, tuple[float, str]] = {}
    for threat in raid.threats:
        t = threat.launch_s
        while t <= threat.end_s:
            p = threat.position(t)
            if p is not None:
                for area in index.within(p[0], p[1], 0.0):
                    if area.code not in entries or t < entries[area.code][0]:
                        entries[area.code] = (t, threat.id)
            t += step_s
    return entries


def districts_near_paths(raid: Raid, index: Any, radius_m: float) -> set[str]:
    """Districts some threat came within `radius_m` of (up to where it ended)."""
    import shapely

    near: set[str] = set()
    for threat in raid.threats:
        flown = (threat.end_s - threat.launch_s) * threat.speed_mps
        keep = threat.cumulative_m < flown
        pts = threat.path[keep]
        end = threat.position(threat.end_s)
        if end is not None:
            pts = np.vstack([pts, end])
        if len(pts) < 2:
            continue
        line = shapely.LineString(pts)
        near.update(index.areas[i].code for i in index.tree.query(line, predicate="dwithin", distance=radius_m))
    return near


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1]) / 1000.0
