"""A raid scenario: who launches what from where along which route, which sensors listen, what is shot down."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from airwarn.errors import InvalidInput
from airwarn.tracks.classes import ThreatClass

LatLon = tuple[float, float]


@dataclass(frozen=True)
class Group:
    name: str
    count: int
    threat_class: ThreatClass
    waypoints: tuple[LatLon, ...]  # launch point first
    start_s: float = 0.0  # seconds after the scenario's start
    launch_interval_s: float = 60.0
    speed_kmh: tuple[float, float] = (150.0, 200.0)
    spread_m: float = 3_000.0  # each threat's own lateral offset from the route


@dataclass(frozen=True)
class SensorNetwork:
    count: int = 2_000
    fence_every_km: float = 25.0
    fence_width_km: float = 60.0
    fence_start_km: float = 15.0  # first fence this far along each route from its launch point
    spacing_m: float = 3_000.0
    range_m: float = 4_000.0
    bearing_sd_deg: float = 5.0
    miss_rate: float = 0.1
    false_alarms_per_hour: float = 0.2  # per sensor
    report_every_s: float = 2.0


@dataclass(frozen=True)
class Interception:
    group: str
    index: int  # which threat of the group
    at_fraction: float  # how far along its route (0..1) it is shot down


@dataclass(frozen=True)
class Scenario:
    name: str
    start: datetime
    groups: tuple[Group, ...]
    sensors: SensorNetwork = field(default_factory=SensorNetwork)
    interceptions: tuple[Interception, ...] = ()
    status: str = "Exercise"
    seed: int = 1
    step_s: float = 2.0


def load_scenario(path: str | Path) -> Scenario:
    """A scenario from YAML or JSON; InvalidInput names the key at fault."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        doc = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as e:
        raise InvalidInput(f"cannot parse the scenario: {e}", field=str(path)) from None
    return scenario_from(doc)


def scenario_from(doc: Any) -> Scenario:
    if not isinstance(doc, dict):
        raise InvalidInput("a scenario is a mapping", field="scenario")
    try:
        start = datetime.fromisoformat(str(doc.get("start", "")))
    except ValueError:
        raise InvalidInput("an ISO 8601 time with its offset", field="start") from None
    if start.tzinfo is None:
        raise InvalidInput("the start time needs its UTC offset", field="start")
    groups = tuple(_group(g, f"groups[{n}]") for n, g in enumerate(_list(doc, "groups")))
    if not groups:
        raise InvalidInput("at least one group of threats", field="groups")
    names = {g.name for g in groups}
    sensors = SensorNetwork(**_known(doc.get("sensors") or {}, SensorNetwork, "sensors"))
    interceptions = []
    for n, item in enumerate(doc.get("interceptions") or []):
        where = f"interceptions[{n}]"
        i = Interception(**_known(item, Interception, where))
        if i.group not in names:
            raise InvalidInput(f"no group named {i.group!r}", field=f"{where}.group")
        if not 0 < i.at_fraction < 1:
            raise InvalidInput("between 0 and 1", field=f"{where}.at_fraction")
        interceptions.append(i)
    status = str(doc.get("status", "Exercise"))
    if status not in ("Actual", "Exercise", "Test"):
        raise InvalidInput("Actual, Exercise or Test", field="status")
    return Scenario(str(doc.get("name", "raid")), start, groups, sensors, tuple(interceptions), status,
                    int(doc.get("seed", 1)), float(doc.get("step_s", 2.0)))


def _group(doc: Any, where: str) -> Group:
    if not isinstance(doc, dict):
        raise InvalidInput("a group is a mapping", field=where)
    try:
        cls = ThreatClass(doc.get("class", "shahed"))
    except ValueError:
        raise InvalidInput(f"one of: {', '.join(c.value for c in ThreatClass)}", field=f"{where}.class") from None
    points = [doc.get("launch"), *(doc.get("waypoints") or [])]
    waypoints = []
    for n, p in enumerate(points):
        if not (isinstance(p, list | tuple) and len(p) == 2 and all(isinstance(v, int | float) for v in p)
                and -90 <= p[0] <= 90 and -180 <= p[1] <= 180):
            raise InvalidInput("[lat, lon]", field=f"{where}.{'launch' if n == 0 else f'waypoints[{n - 1}]'}")
        waypoints.append((float(p[0]), float(p[1])))
    if len(waypoints) < 2:
        raise InvalidInput("a launch point and at least one waypoint", field=f"{where}.waypoints")
    count = doc.get("count", 1)
    if not isinstance(count, int) or not 1 <= count <= 1_000:
        raise InvalidInput("between 1 and 1000", field=f"{where}.count")
    lo, hi = doc.get("speed_kmh", (150, 200))
    return Group(str(doc.get("name", where)), count, cls, tuple(waypoints), float(doc.get("start_s", 0)),
                 float(doc.get("launch_interval_s", 60)), (float(lo), float(hi)), float(doc.get("spread_m", 3000)))


def _list(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc.get(key) or []
    if not isinstance(value, list):
        raise InvalidInput("a list", field=key)
    return value


def _known(doc: Any, cls: type, where: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise InvalidInput("a mapping", field=where)
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = set(doc) - fields
    if unknown:
        raise InvalidInput(f"unknown keys: {', '.join(sorted(unknown))}", field=where)
    return dict(doc)


def bundled(name: str = "seed_night") -> Path:
    return Path(__file__).parent / "data" / f"{name}_raid.yaml"
