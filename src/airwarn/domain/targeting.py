"""Alert area → subscribers, vectorised; subscriber preferences; which channels work under restrictions.

Pure logic: numpy arrays in, numpy index arrays out. No Python loop over subscribers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Polygon

from airwarn.domain.alerts import Alert, MsgType, Severity, Urgency
from airwarn.domain.reports import Status
from airwarn.domain.territory import Rings

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Grid size of the spatial prefilter cell, degrees.
CELL_DEG = 0.1
EARTH_RADIUS_M = 6_371_000.0

#: Channels that still work while mobile internet is cut: SMS, sirens (MQTT) and the CAP feed.
RESTRICTED_OK = frozenset({"sms", "mqtt", "cap"})
SUBSCRIBER_CHANNELS = frozenset({"sms", "webhook", "webpush"})


def grid_cell(lat: float, lon: float) -> int:
    """The 0.1° grid cell number of a point (stored and indexed for prefiltering)."""
    row = int(math.floor((lat + 90.0) / CELL_DEG))
    col = int(math.floor((lon + 180.0) / CELL_DEG))
    return row * 10_000 + col


@dataclass(frozen=True)
class Circle:
    lat: float
    lon: float
    radius_m: float


#: Cell size of the in-memory grid: cells wholly inside a polygon are taken without testing their points.
INDEX_CELL_DEG = 0.05
_COLS = int(round(360 / INDEX_CELL_DEG)) + 2
MAX_CELLS = 250_000  # above this many cells in a polygon's bbox, fall back to testing every point in it
_PAD_DEG = 1e-9  # a cell is "inside" only if it stays inside when grown by this (float rounding of keys)


@dataclass(frozen=True)
class Grid:
    """Positioned rows sorted by cell key; the rows of cell k are one contiguous run of `order`."""

    order: IntArray
    keys: IntArray

    def rows_in(self, cells: IntArray) -> IntArray:
        """Rows of all the given cells, gathered as index ranges (no Python loop)."""
        starts = np.searchsorted(self.keys, cells, "left")
        lengths = np.searchsorted(self.keys, cells, "right") - starts
        total = int(lengths.sum())
        if total == 0:
            return np.empty(0, dtype=np.int64)
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        rows: IntArray = self.order[offsets]
        return rows


def _cell_rc(lat: FloatArray, lon: FloatArray) -> tuple[IntArray, IntArray]:
    row = np.floor((lat + 90.0) / INDEX_CELL_DEG).astype(np.int64)
    col = np.floor((lon + 180.0) / INDEX_CELL_DEG).astype(np.int64)
    return row, col


@dataclass
class SubscriberIndex:
    """Subscriber positions as arrays: row i is (lat[i], lon[i]) (NaN when only districts were chosen)."""

    lat: FloatArray
    lon: FloatArray
    by_district: dict[str, IntArray] = field(default_factory=dict)
    _grid: Grid | None = field(default=None, init=False, repr=False)

    @classmethod
    def build(cls, lat: Sequence[float | None] | FloatArray, lon: Sequence[float | None] | FloatArray,
              districts: Sequence[Sequence[str]] = ()) -> SubscriberIndex:
        lat_a, lon_a = _floats(lat), _floats(lon)
        if lat_a.shape != lon_a.shape:
            raise ValueError("lat and lon must have the same length")
        rows: dict[str, list[int]] = {}
        for i, codes in enumerate(districts):  # explicit choices are few; positions are the bulk
            for code in codes:
                rows.setdefault(code, []).append(i)
        return cls(lat_a, lon_a, {k: np.asarray(v, dtype=np.int64) for k, v in rows.items()})

    def __len__(self) -> int:
        return int(self.lat.shape[0])

    def grid(self) -> Grid:
        """The cell grid over positioned rows, built on first use (one sort)."""
        if self._grid is None:
            placed = np.flatnonzero(~(np.isnan(self.lat) | np.isnan(self.lon)))
            row, col = _cell_rc(self.lat[placed], self.lon[placed])
            keys = row * _COLS + col
            by_key = np.argsort(keys, kind="stable")
            self._grid = Grid(order=placed[by_key].astype(np.int64), keys=keys[by_key])
        return self._grid


def _floats(values: Sequence[float | None] | FloatArray) -> FloatArray:
    if isinstance(values, np.ndarray):
        return values.astype(np.float64, copy=False)
    return np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)


def in_polygons(index: SubscriberIndex, polygons: Rings) -> IntArray:
    """Rows whose point lies in any of the (lon, lat) rings.

    The grid cells the ring's bbox covers are classified with vectorised shapely: rows of cells wholly
    inside are taken as they are; only rows of cells the boundary crosses are tested with contains_xy.
    """
    hits: list[IntArray] = []
    for ring in polygons:
        if len(ring) < 4 or not len(index):
            continue
        poly = Polygon(ring)
        shapely.prepare(poly)
        lon0, lat0, lon1, lat1 = poly.bounds
        r0, c0 = (int(v) for v in np.floor((np.array([lat0, lon0]) + [90.0, 180.0]) / INDEX_CELL_DEG))
        r1, c1 = (int(v) for v in np.floor((np.array([lat1, lon1]) + [90.0, 180.0]) / INDEX_CELL_DEG))
        if (r1 - r0 + 1) * (c1 - c0 + 1) > MAX_CELLS:  # continent-sized: test the points in the bbox
            box = (index.lon >= lon0) & (index.lon <= lon1) & (index.lat >= lat0) & (index.lat <= lat1)
            candidates = np.flatnonzero(box)
            hits.append(candidates[shapely.contains_xy(poly, index.lon[candidates], index.lat[candidates])])
            continue
        grid_r, grid_c = np.meshgrid(np.arange(r0, r1 + 1), np.arange(c0, c1 + 1), indexing="ij")
        rr, cc = grid_r.ravel(), grid_c.ravel()
        x0, y0 = cc * INDEX_CELL_DEG - 180.0, rr * INDEX_CELL_DEG - 90.0
        boxes = shapely.box(x0 - _PAD_DEG, y0 - _PAD_DEG, x0 + INDEX_CELL_DEG + _PAD_DEG,
                            y0 + INDEX_CELL_DEG + _PAD_DEG)
        touched = np.flatnonzero(shapely.intersects(poly, boxes))  # then split: wholly inside, or crossed
        inside = shapely.contains_properly(poly, boxes[touched])
        keys = (rr * _COLS + cc)[touched]
        grid = index.grid()
        hits.append(grid.rows_in(keys[inside]))
        candidates = grid.rows_in(keys[~inside])
        if candidates.size:
            hits.append(candidates[shapely.contains_xy(poly, index.lon[candidates], index.lat[candidates])])
    return _union(hits, len(index))


def in_circle(index: SubscriberIndex, circle: Circle) -> IntArray:
    """Rows within `circle.radius_m` (haversine), after a degree-box prefilter."""
    dlat = math.degrees(circle.radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(circle.lat)), 1e-6)
    box = ((np.abs(index.lat - circle.lat) <= dlat) & (np.abs(index.lon - circle.lon) <= dlon))
    cand = np.flatnonzero(box)
    if cand.size == 0:
        return cand.astype(np.int64)
    lat1, lon1 = math.radians(circle.lat), math.radians(circle.lon)
    lat2, lon2 = np.radians(index.lat[cand]), np.radians(index.lon[cand])
    a = np.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    dist_m = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))
    found: IntArray = cand[dist_m <= circle.radius_m].astype(np.int64)
    return found


def in_districts(index: SubscriberIndex, codes: Iterable[str]) -> IntArray:
    """Rows that chose any of the district codes explicitly."""
    return _union([index.by_district[c] for c in codes if c in index.by_district], len(index))


def target(index: SubscriberIndex, *, polygons: Rings = (), circles: Sequence[Circle] = (),
           districts: Iterable[str] = ()) -> IntArray:
    """Sorted unique rows in the alert's area: inside a polygon or circle, or subscribed to a district."""
    parts = [in_polygons(index, polygons), in_districts(index, districts)]
    parts += [in_circle(index, c) for c in circles]
    return _union(parts, len(index))


def _union(parts: Sequence[IntArray], n: int) -> IntArray:
    """Sorted unique rows of all parts: a mark per row (O(n)), cheaper than sorting half a million hits."""
    parts = [p for p in parts if p.size]
    if not parts:
        return np.empty(0, dtype=np.int64)
    if len(parts) == 1 and parts[0].size < n // 64:  # few rows: sorting them beats a pass over n
        return np.unique(parts[0]).astype(np.int64)
    marked = np.zeros(n, dtype=bool)
    for part in parts:
        marked[part] = True
    return np.flatnonzero(marked).astype(np.int64)


# --- preferences ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preferences:
    """What one subscriber wants: threat kinds ([] = all), a minimum severity, quiet hours in their zone."""

    threat_kinds: tuple[str, ...] = ()
    min_severity: Severity = Severity.MINOR
    quiet_start: time | None = None
    quiet_end: time | None = None
    timezone: str = "UTC"
    accept_tests: bool = False  # Test alerts reach only subscribers who opted into them

    def quiet_at(self, at: datetime) -> bool:
        if self.quiet_start is None or self.quiet_end is None or self.quiet_start == self.quiet_end:
            return False
        local = at.astimezone(ZoneInfo(self.timezone)).time()
        if self.quiet_start < self.quiet_end:
            return self.quiet_start <= local < self.quiet_end
        return local >= self.quiet_start or local < self.quiet_end  # spans midnight


def threat_kind(alert: Alert) -> str | None:
    """The alert's threat kind from its event codes (drone_hazard, missile_hazard, airport, …)."""
    for info in alert.infos:
        for name, value in info.event_codes:
            if name == "airwarn:regime":
                return value
            if name == "airwarn:airport":
                return "airport"
    return None


def always_through(alert: Alert) -> bool:
    """An Actual alert of Extreme severity and Immediate urgency ignores every preference."""
    return alert.status is Status.ACTUAL and any(
        i.severity is Severity.EXTREME and i.urgency is Urgency.IMMEDIATE for i in alert.infos)


def wants(prefs: Preferences, alert: Alert, at: datetime) -> bool:
    """Whether a subscriber with `prefs` gets `alert` at `at`.

    Updates and cancels (all-clears, false alarms) skip the severity filter: whoever got the alert must
    get its end. Quiet hours hold everything except what `always_through` lets pass. A Test reaches only
    those who accept tests.
    """
    if alert.status is Status.TEST and not prefs.accept_tests:
        return False
    if always_through(alert):
        return True
    kind = threat_kind(alert)
    if prefs.threat_kinds and kind is not None and kind not in prefs.threat_kinds:
        return False
    if alert.msg_type is MsgType.ALERT and alert.severity.rank < prefs.min_severity.rank:
        return False
    return not prefs.quiet_at(at)


def wants_each(profiles: Sequence[Preferences], profile_of: IntArray, alert: Alert, at: datetime) -> BoolArray:
    """Per subscriber, whether they get `alert`: subscriber i has preferences `profiles[profile_of[i]]`.

    `wants` decides once per distinct profile (a population has few), then every subscriber takes its
    profile's answer: one rule, no Python loop over subscribers.
    """
    answers = np.fromiter((wants(p, alert, at) for p in profiles), dtype=np.bool_, count=len(profiles))
    chosen: BoolArray = answers[profile_of]
    return chosen


# --- channel policy -------------------------------------------------------------------------------


def allowed_channels(channels: Iterable[str], region: str,
                     internet_restricted: bool) -> tuple[list[str], str]:
    """Channels to use and why: while mobile internet is restricted only SMS, sirens and the CAP feed work."""
    wanted = list(dict.fromkeys(channels))
    if not internet_restricted:
        return wanted, ""
    return [c for c in wanted if c in RESTRICTED_OK], f"mobile internet restricted in {region}"
