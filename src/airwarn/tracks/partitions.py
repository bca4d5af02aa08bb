"""Partitions of the detection stream: whole regions, or sectors of a region along its approaches.

A region's detections arrive on `airwarn.detections.<region>` (every publisher so far) or, from a gateway that
knows the sectors, on `airwarn.detections.<region>.<sector>`. A sector is a wedge of bearings seen from the
region's centre, written `<from>-<to>` in whole degrees clockwise (`200-260`, `260-200` for the rest of the
circle): drones and missiles fly toward their targets, so an approach stays inside its wedge when the wedges'
edges are set between the approaches. The nodes that split a region must tile the circle with their sectors;
each takes the sector subjects of its own sectors and, from the region's own subject, the detections of the
sensors that lie in its sectors (an unknown sensor's belong to the sector holding bearing 0°, so that exactly
one node rejects it). No I/O here: names, subjects and the bearing rule.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from airwarn.domain.territory import Territory
from airwarn.errors import InvalidInput

SUBJECT = "airwarn.detections"
_REGION = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_SECTOR = re.compile(r"^(\d{1,3})-(\d{1,3})$")


@dataclass(frozen=True)
class Sector:
    """Bearings from `start_deg` clockwise to `end_deg` (the start inside, the end outside)."""

    start_deg: int
    end_deg: int

    @property
    def token(self) -> str:
        return f"{self.start_deg}-{self.end_deg}"

    @property
    def width_deg(self) -> int:
        return (self.end_deg - self.start_deg) % 360 or 360

    def contains(self, bearing_deg: float) -> bool:
        return (bearing_deg - self.start_deg) % 360.0 < self.width_deg


@dataclass(frozen=True)
class Partition:
    region: str
    sector: Sector | None = None  # None: the whole region

    @property
    def name(self) -> str:
        return self.region if self.sector is None else f"{self.region}.{self.sector.token}"


@dataclass(frozen=True)
class Subscription:
    """One durable consumer: its filter subject, its name, and — for a region's own subject taken by a node
    that holds only some of its sectors — the sectors whose detections it keeps (None: all of them)."""

    subject: str
    durable: str
    region: str | None = None
    keep: tuple[Sector, ...] | None = None


def parse_sector(token: str, where: str = "sector") -> Sector:
    m = _SECTOR.match(token)
    if not m or not all(0 <= int(v) <= 360 for v in m.groups()) or int(m[1]) % 360 == int(m[2]) % 360:
        raise InvalidInput("a sector is FROM-TO in whole degrees clockwise (0–360, FROM ≠ TO), e.g. 200-260",
                           field=where)
    return Sector(int(m[1]) % 360, int(m[2]) % 360)


def parse_partitions(entries: list[str]) -> list[Partition]:
    """`RU-ROS` (the whole region) or `RU-ROS.200-260` (a sector of it), as AIRWARN_TRACK_REGIONS lists them.
    A node may hold a region whole or some of its sectors, not both, and its sectors of one region must not
    overlap."""
    out: list[Partition] = []
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        region, _, token = entry.partition(".")
        if not _REGION.match(region):
            raise InvalidInput(f"{entry!r}: a region code is letters, digits, - and _", field="regions")
        out.append(Partition(region, parse_sector(token, "regions") if token else None))
    for region in {p.region for p in out}:
        mine = [p for p in out if p.region == region]
        if len(mine) > 1 and any(p.sector is None for p in mine):
            raise InvalidInput(f"{region} is listed whole and again (or by sector)", field="regions")
        sectors = [p.sector for p in mine if p.sector is not None]
        for n, a in enumerate(sectors):
            for b in sectors[n + 1:]:
                if _overlap(a, b):
                    raise InvalidInput(f"the sectors {region}.{a.token} and {region}.{b.token} overlap",
                                       field="regions")
    return out


def _overlap(a: Sector, b: Sector) -> bool:
    return a.contains(b.start_deg) or b.contains(a.start_deg)


def subscriptions(partitions: list[Partition], subject: str = SUBJECT) -> list[Subscription]:
    """The consumers a node needs for its partitions (all detections when it has none); `subject` is the
    subjects' root (another one keeps a test or a benchmark apart from a live stream on the same server)."""
    if not partitions:
        return [Subscription(f"{subject}.>", "tracks-all")]
    out: list[Subscription] = []
    for region in dict.fromkeys(p.region for p in partitions):
        sectors = tuple(p.sector for p in partitions if p.region == region and p.sector is not None)
        if not sectors:  # whole: the region's subject (as before) and every sector subject of it
            out.append(Subscription(f"{subject}.{region}", f"tracks-{region}", region))
            out.append(Subscription(f"{subject}.{region}.*", f"tracks-{region}-sectors", region))
            continue
        for sector in sectors:
            out.append(Subscription(f"{subject}.{region}.{sector.token}", f"tracks-{region}-{sector.token}", region))
        tokens = "_".join(s.token for s in sorted(sectors, key=lambda s: s.start_deg))
        out.append(Subscription(f"{subject}.{region}", f"tracks-{region}-for-{tokens}", region, sectors))
    return out


def bearing_deg(lat0: float, lon0: float, lat1: float, lon1: float) -> float:
    """Initial great-circle bearing from the first point to the second, degrees clockwise from north."""
    p0, p1 = math.radians(lat0), math.radians(lat1)
    dl = math.radians(lon1 - lon0)
    y = math.sin(dl) * math.cos(p1)
    x = math.cos(p0) * math.sin(p1) - math.sin(p0) * math.cos(p1) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


def region_centre(territory: Territory, code: str) -> tuple[float, float] | None:
    """Where a region's sectors meet: its centre, or the mean of its districts' centres when it has none."""
    region = territory.regions.get(code)
    if region is not None and region.centre is not None:
        return region.centre
    centres = [d.centre for d in territory.districts.values() if d.region == code and d.centre]
    if not centres:
        return None
    return (sum(c[0] for c in centres) / len(centres), sum(c[1] for c in centres) / len(centres))


def keeps(keep: tuple[Sector, ...], centre: tuple[float, float] | None,
          position: tuple[float, float] | None) -> bool:
    """Whether a node holding sectors `keep` of a region takes a detection by a sensor at `position`; without
    a position (unknown sensor) or a centre, the sector that holds bearing 0° takes it."""
    if centre is None or position is None:
        return any(s.contains(0.0) for s in keep)
    b = bearing_deg(centre[0], centre[1], position[0], position[1])
    return any(s.contains(b) for s in keep)
