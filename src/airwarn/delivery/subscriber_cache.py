"""A node's active subscribers in memory for the fan-out, so an alert never reloads them from the database.

Positions, district choices, and per subscriber a preference profile and a channel set (numbers into two
short lists: a population has few distinct ones) are held as arrays. The first alert loads every active
subscription; each later one loads only the rows whose `version` rose since (a database trigger raises it
on every insert and update, in commit order — migration 0006_subscription_version), before each expansion
of fan-out jobs (delivery/expansion.py), so a subscriber added, confirmed or cancelled on any node or by
any tool is seen by the next alert. Each row also keeps the crc32 of its id: its fan-out shard. Changed
rows go to a small tail segment and their old row is switched off; when the tail grows past a share of
the whole, the two are merged in memory.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, String, cast, literal_column, select

from airwarn.domain.alerts import Alert, Severity
from airwarn.domain.targeting import (
    BoolArray,
    FloatArray,
    IntArray,
    Preferences,
    SubscriberIndex,
    target,
    wants_each,
)
from airwarn.store.delivery_tables import subscriptions as subs

#: The tail is merged into the base once it holds more than this many rows, or this share of the base.
TAIL_MIN_ROWS = 2_000
TAIL_SHARE = 1 / 64
#: Changed rows read per query when bringing the copy up to date.
CHANGES_PAGE = 10_000

#: A subscription's channel names, comma-joined in SQL: the addresses never leave the database here, and
#: decoding each row's JSON in Python was most of the first load's time. Order and repeats do not matter.
_CHANNEL_NAMES = {
    "sqlite": "(SELECT group_concat(json_extract(j.value, '$.channel')) FROM json_each(subscriptions.channels) AS j)",
    "postgresql": "(SELECT string_agg(j ->> 'channel', ',') FROM json_array_elements(subscriptions.channels) AS j)",
}


def _columns(conn: Connection) -> tuple[Any, ...]:
    """What the cache reads per subscription, in the order `_Row` unpacks it."""
    names: Any = literal_column(_CHANNEL_NAMES[conn.dialect.name])
    return (subs.c.id, subs.c.lat, subs.c.lon, cast(subs.c.districts, String), names,
            cast(subs.c.threat_kinds, String), subs.c.min_severity, subs.c.quiet_start, subs.c.quiet_end,
            subs.c.timezone, cast(subs.c.accept_tests, String), subs.c.state, subs.c.version)


@dataclass
class Segment:
    """Subscribers held as arrays (row i is one subscriber); `live[i]` is False once row i changed or left."""

    ids: npt.NDArray[np.object_]
    districts: list[tuple[str, ...]]
    profile: IntArray
    channels: IntArray
    live: BoolArray
    index: SubscriberIndex
    hashes: npt.NDArray[np.uint32]  # crc32 of each id: its fan-out shard is hash % shards, alike on every node

    @classmethod
    def of(cls, ids: Sequence[str], lat: FloatArray, lon: FloatArray, districts: list[tuple[str, ...]],
           profile: Sequence[int] | IntArray, channels: Sequence[int] | IntArray) -> Segment:
        return cls(np.array(ids, dtype=object), districts, np.asarray(profile, dtype=np.int64),
                   np.asarray(channels, dtype=np.int64), np.ones(len(ids), dtype=np.bool_),
                   SubscriberIndex.build(lat, lon, districts), id_hashes(ids))

    def __len__(self) -> int:
        return len(self.ids)

    def matches(self, alert: Alert, districts: Sequence[str], profiles: Sequence[Preferences]) -> IntArray:
        """Live rows in the alert's area (or subscribed to one of `districts`) whose preferences let it
        through."""
        rows = target(self.index, polygons=alert.area.polygons, districts=districts)
        rows = rows[self.live[rows]]
        wanted: IntArray = rows[wants_each(profiles, self.profile[rows], alert, alert.sent)]
        return wanted


@dataclass(frozen=True)
class Matched:
    """The subscribers an alert reaches, as a node's copy saw them at version `mark`."""

    ids: npt.NDArray[np.object_]
    channels: IntArray  # per subscriber, a number into `channel_sets`
    hashes: npt.NDArray[np.uint32]  # per subscriber, crc32 of its id
    channel_sets: list[tuple[str, ...]]
    mark: int | None


def id_hashes(ids: Sequence[str] | npt.NDArray[np.object_]) -> npt.NDArray[np.uint32]:
    """crc32 of each subscription id: stable across nodes and processes (Python's hash() is salted)."""
    return np.fromiter((zlib.crc32(i.encode()) for i in ids), dtype=np.uint32, count=len(ids))


class SubscriberCache:
    """The active subscribers of one node, refreshed from the database before each expansion."""

    def __init__(self) -> None:
        self.mark: int | None = None  # highest subscription version seen; None: nothing loaded yet
        self.profiles: list[Preferences] = []
        self.channel_sets: list[tuple[str, ...]] = []
        self._profile_no: dict[tuple[str | None, ...], int] = {}
        self._channels_no: dict[str, int] = {}
        self._base = Segment.of([], np.empty(0), np.empty(0), [], [], [])
        self._base_row: dict[str, int] = {}
        self._tail: dict[str, tuple[float, float, tuple[str, ...], int, int]] = {}
        self._tail_segment: Segment | None = None
        self._lock = threading.Lock()
        self._present: tuple[int | None, frozenset[str]] | None = None

    def __len__(self) -> int:
        return int(self._base.live.sum()) + len(self._tail)

    def match(self, conn: Connection | None, alert: Alert, districts: Sequence[str]) -> Matched:
        """Subscription ids that get `alert` (in its area, or subscribed to one of the `districts` it
        covers), each one's channel set (a number into `channel_sets`) and id hash (its shard). With `conn`
        the copy is brought up to date first; without, it is used as it is (its caller just did)."""
        with self._lock:
            if conn is not None:
                self.refresh(conn)
            parts = [(seg, seg.matches(alert, districts, self.profiles)) for seg in (self._base, self._tail_seg())]
            sets = list(self.channel_sets)
        ids = np.concatenate([seg.ids[rows] for seg, rows in parts])
        channels: IntArray = np.concatenate([seg.channels[rows] for seg, rows in parts])
        hashes = np.concatenate([seg.hashes[rows] for seg, rows in parts])
        return Matched(ids, channels, hashes, sets, self.mark)

    def channels_present(self) -> frozenset[str]:
        """The channels at least one subscriber in the copy has: a fan-out job for any other has no target
        (worked out once per version of the copy)."""
        with self._lock:
            if self._present is None or self._present[0] != self.mark:
                used = set(np.unique(self._base.channels[self._base.live]).tolist())
                used |= {numbers[-1] for numbers in self._tail.values()}
                self._present = (self.mark, frozenset(name for i in used for name in self.channel_sets[i]))
            return self._present[1]

    def load(self, conn: Connection) -> None:
        """Bring the copy up to date now (a node warming up), under the same lock as `match`."""
        with self._lock:
            self.refresh(conn)

    def refresh(self, conn: Connection) -> None:
        """Load every active subscription the first time, afterwards only the rows changed since."""
        if self.mark is None:
            rows = conn.execute(select(*_columns(conn)).where(subs.c.state == "active").order_by(subs.c.id)).all()
            self._base = self._segment(rows)
            self._base_row = {sub_id: i for i, sub_id in enumerate(self._base.ids.tolist())}
            self.mark = max((r[-1] for r in rows), default=-1)
            return
        while True:  # in version order, a page at a time: an index range scan even where the table has no
            # statistics yet (PostgreSQL planned a full scan of a freshly imported million rows per alert)
            changed = conn.execute(select(*_columns(conn)).where(subs.c.version > self.mark)
                                   .order_by(subs.c.version).limit(CHANGES_PAGE)).all()
            for sub_id, lat, lon, *prefs, state, version in changed:
                i = self._base_row.get(sub_id)
                if i is not None:
                    self._base.live[i] = False
                self._tail.pop(sub_id, None)
                if state == "active":
                    self._tail[sub_id] = (_float(lat), _float(lon), *self._numbers(*prefs))
                self.mark = version
            if changed:
                self._tail_segment = None
                if len(self._tail) > max(TAIL_MIN_ROWS, TAIL_SHARE * len(self._base)):
                    self._merge()
            if len(changed) < CHANGES_PAGE:
                return

    def _tail_seg(self) -> Segment:
        if self._tail_segment is None:
            ids = list(self._tail)
            cols = list(zip(*self._tail.values(), strict=True)) or [()] * 5
            self._tail_segment = Segment.of(ids, np.array(cols[0], dtype=np.float64),
                                            np.array(cols[1], dtype=np.float64), list(cols[2]), cols[3], cols[4])
        return self._tail_segment

    def _merge(self) -> None:
        """One base from the live base rows and the tail (the grid is rebuilt on the next alert)."""
        base, tail = self._base, self._tail_seg()
        keep = np.flatnonzero(base.live)
        self._base = Segment.of(
            np.concatenate([base.ids[keep], tail.ids]).tolist(),
            np.concatenate([base.index.lat[keep], tail.index.lat]),
            np.concatenate([base.index.lon[keep], tail.index.lon]),
            [base.districts[i] for i in keep.tolist()] + tail.districts,
            np.concatenate([base.profile[keep], tail.profile]), np.concatenate([base.channels[keep], tail.channels]))
        self._base_row = {sub_id: i for i, sub_id in enumerate(self._base.ids.tolist())}
        self._tail, self._tail_segment = {}, None

    def _segment(self, rows: Sequence[Any]) -> Segment:
        ids, lat, lon, districts, profile, channels = [], [], [], [], [], []
        for sub_id, row_lat, row_lon, *prefs, _state, _version in rows:
            chose, p, c = self._numbers(*prefs)
            ids.append(sub_id)
            lat.append(row_lat)
            lon.append(row_lon)
            districts.append(chose)
            profile.append(p)
            channels.append(c)
        return Segment.of(ids, np.array(lat, dtype=np.float64), np.array(lon, dtype=np.float64), districts,
                          profile, channels)

    def _numbers(self, districts: str, channel_names: str | None, *prefs: str | None
                 ) -> tuple[tuple[str, ...], int, int]:
        """District choices, preference profile number and channel set number, from a row's columns."""
        profile = self._profile_no.get(prefs)
        if profile is None:
            profile = self._profile_no[prefs] = len(self.profiles)
            self.profiles.append(_preferences(*prefs))
        channels = self._channels_no.get(channel_names or "")
        if channels is None:
            channels = self._channels_no[channel_names or ""] = len(self.channel_sets)
            self.channel_sets.append(tuple(sorted(set((channel_names or "").split(",")) - {""})))
        return (tuple(json.loads(districts)) if districts != "[]" else ()), profile, channels


def _float(value: float | None) -> float:
    return np.nan if value is None else float(value)


def _preferences(*prefs: str | None) -> Preferences:
    kinds_json, min_severity, quiet_start, quiet_end, timezone, accept_tests = prefs
    return Preferences(
        threat_kinds=tuple(json.loads(kinds_json or "[]") or ()),
        min_severity=Severity(min_severity or Severity.MINOR.value),
        quiet_start=time.fromisoformat(quiet_start) if quiet_start else None,
        quiet_end=time.fromisoformat(quiet_end) if quiet_end else None,
        timezone=timezone or "UTC",
        accept_tests=str(accept_tests).lower() in ("1", "true", "t"),
    )
