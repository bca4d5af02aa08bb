"""Multi-target tracking: detections associated to tracks with gating, bearings triangulated into new tracks.

Each track is a constant-velocity Kalman filter (filterpy's ExtendedKalmanFilter holds its state, so bearings
and positions update the same state) in a local metric frame. Gating is vectorised over all live tracks, and
so is the bearing update: every track that heard something in a slice is predicted and updated in one stacked
NumPy pass (batch_ekf, held to filterpy's arithmetic by a test); radar and observer positions, rare, go through
filterpy itself. Track life: tentative → confirmed → lost (coasted too long) or destroyed.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict, deque
from dataclasses import dataclass

import numpy as np
from filterpy.kalman import ExtendedKalmanFilter
from numpy.typing import NDArray

from airwarn.tracks import batch_ekf
from airwarn.tracks.classes import MOTION, ThreatClass, vote
from airwarn.tracks.detections import Detection
from airwarn.tracks.frame import LocalFrame
from airwarn.tracks.measurements import (
    bearing_fits,
    identity4,
    position_hx,
    position_jacobian,
    q_continuous,
    state4,
)
from airwarn.tracks.sensors import SensorKind
from airwarn.tracks.track import Track, TrackerConfig, TrackState
from airwarn.tracks.triangulate import Bearing, intersect

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class _Columns:
    """One slice's bearings as arrays (radians, metres, POSIX seconds)."""

    sxy: F64
    z: F64
    sigma: F64
    reach_m: F64
    t: F64


class Tracker:
    """All tracks of one picture (one status, one partition of regions) and the detections that feed them."""

    def __init__(self, frame: LocalFrame, config: TrackerConfig | None = None, *, prefix: str = "T") -> None:
        self.frame = frame
        self.config = config or TrackerConfig()
        self.tracks: dict[str, Track] = {}
        self.ended: deque[Track] = deque(maxlen=1_000)
        self._ids = itertools.count(1)
        self._prefix = prefix
        self._pool: dict[tuple[int, int], deque[Bearing]] = defaultdict(deque)
        self._cell_m = 10_000.0
        self._arrays_stale = True
        self._live: list[Track] = []
        self._x: F64 = np.zeros((0, 4))
        self._p: F64 = np.zeros((0, 4, 4))
        self._t: F64 = np.zeros(0)
        self._q: F64 = np.zeros(0)
        self._merged_s = float("-inf")
        self._sensor_cache: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {}
        self.changed: set[str] = set()  # ids of tracks created, updated or ended since the last take_changed()

    # ---- feeding -------------------------------------------------------------------------------
    def ingest(self, detections: list[Detection]) -> None:
        """Detections in time order, a slice at a time: bearings gated against every live track at once,
        each track updated once per slice with all its bearings; stale tracks retire as time passes."""
        ordered = sorted(detections, key=lambda d: d.t_s)
        start = 0
        while start < len(ordered):
            end = start
            limit = ordered[start].t_s + self.config.slice_s
            while end < len(ordered) and ordered[end].t_s < limit:
                end += 1
            self._slice(ordered[start:end])
            start = end
        if ordered:
            self.retire(ordered[-1].t_s)

    def _slice(self, detections: list[Detection]) -> None:
        bearings = [d for d in detections if d.kind is SensorKind.ACOUSTIC]
        for d in detections:
            if d.kind is not SensorKind.ACOUSTIC:
                self._position(d)
        if not bearings:
            return
        cols = self._columns(bearings)
        assigned = self._gate_bearings(cols)
        if (assigned >= 0).any():
            self._update_gated(bearings, cols, assigned)
        fresh: list[Track] = []  # tracks this slice started: later bearings of the slice may belong to them
        for i in np.flatnonzero(assigned < 0):
            d = bearings[i]
            sx, sy = float(cols.sxy[i, 0]), float(cols.sxy[i, 1])
            z, sigma = float(cols.z[i]), float(cols.sigma[i])
            owner = next((t for t in fresh if bearing_fits(t, sx, sy, z, sigma, self.config.gate_sigma)), None)
            if owner is not None:
                self._update_bearings(owner, [d])
                continue
            track = self._initiate(Bearing(d.sensor.id, sx, sy, z, sigma, d.sensor.range_m, d.t_s, d.threat_class,
                                           d.confidence))
            if track is not None:
                fresh.append(track)
        now_s = detections[-1].t_s
        if now_s - self._merged_s >= self.config.merge_every_s:
            self._merged_s = now_s
            self._merge_duplicates()

    def retire(self, now_s: float) -> None:
        cfg = self.config
        for track in list(self.tracks.values()):
            idle = now_s - track.last_update_s
            limit = cfg.tentative_timeout_s if track.state is TrackState.TENTATIVE else cfg.coast_s
            if idle > limit:
                self._end(track, TrackState.LOST, now_s)

    def destroy_near(self, x: float, y: float, t_s: float, radius_m: float | None = None) -> Track | None:
        """An interception at (x, y): the nearest live track within the radius ends as destroyed."""
        radius = radius_m or self.config.destroyed_radius_m
        best, best_d = None, radius
        for track in self.tracks.values():
            px, py = self._predicted_xy(track, t_s)
            d = math.hypot(px - x, py - y)
            if d <= best_d:
                best, best_d = track, d
        if best is not None:
            self._end(best, TrackState.DESTROYED, t_s)
        return best

    def take_changed(self) -> set[str]:
        changed, self.changed = self.changed, set()
        return changed

    def _merge_duplicates(self) -> None:
        """Two live tracks that are one target (same place, same motion) become the older one."""
        self._refresh_arrays()
        n = len(self._live)
        if n < 2:
            return
        xy, v = self._x[:, :2], self._x[:, 2:]
        close = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) < self.config.merge_m
        similar = np.hypot(*(v[:, None, :] - v[None, :, :]).transpose(2, 0, 1)) < self.config.merge_mps
        uncertain = np.sqrt(self._p[:, 2, 2]) > self.config.confirm_speed_sd_mps
        pairs = np.argwhere(np.triu(close & (similar | uncertain[:, None] | uncertain[None, :]), 1))
        gone: set[str] = set()
        for i, j in pairs:
            a, b = self._live[int(i)], self._live[int(j)]
            if a.id in gone or b.id in gone:
                continue
            rank_a, rank_b = (a.state is TrackState.CONFIRMED, a.hits), (b.state is TrackState.CONFIRMED, b.hits)
            keep, drop = (a, b) if rank_a >= rank_b else (b, a)
            keep.hits += drop.hits
            keep.sensors |= drop.sensors
            for cls, w in drop.votes.items():
                keep.votes[cls] += w
            keep.threat_class = vote(keep.votes)
            del self.tracks[drop.id]
            self.changed.add(drop.id)
            gone.add(drop.id)
        if gone:
            self._arrays_stale = True

    def _sensor_xy(self, d: Detection) -> tuple[float, float]:
        cached = self._sensor_cache.get(d.sensor.id)
        if cached is None or cached[0] != (d.sensor.lat, d.sensor.lon):
            cached = ((d.sensor.lat, d.sensor.lon), self.frame.point_xy(d.sensor.lat, d.sensor.lon))
            self._sensor_cache[d.sensor.id] = cached
        return cached[1]

    def _columns(self, bearings: list[Detection]) -> _Columns:
        """The slice's bearings as arrays: sensor positions, bearings and their sd (radians), reach, time."""
        n = len(bearings)
        sxy = np.empty((n, 2))
        for i, d in enumerate(bearings):
            sxy[i] = self._sensor_xy(d)
        z = np.radians(np.fromiter((d.bearing_deg for d in bearings), float, n))
        sigma = np.radians(np.fromiter((d.bearing_sd_deg for d in bearings), float, n))
        reach = np.fromiter((d.sensor.range_m for d in bearings), float, n)
        t = np.fromiter((d.t_s for d in bearings), float, n)
        return _Columns(sxy, z, sigma, reach, t)

    def _gate_bearings(self, cols: _Columns) -> NDArray[np.int64]:
        """For every bearing, the row of the live track it belongs to (by normalised innovation), or -1."""
        self._refresh_arrays()
        n = len(cols.t)
        if not self._live:
            return np.full(n, -1, dtype=np.int64)
        sxy, z, sigma, reach_m, t = cols.sxy, cols.z, cols.sigma, cols.reach_m, cols.t
        dt = np.maximum(t[:, None] - self._t[None, :], 0.0)  # (bearings, tracks)
        px = self._x[None, :, 0] + self._x[None, :, 2] * dt
        py = self._x[None, :, 1] + self._x[None, :, 3] * dt
        dx, dy = px - sxy[:, 0:1], py - sxy[:, 1:2]
        r2 = np.maximum(dx * dx + dy * dy, 1.0)
        p = self._p
        pxx = p[:, 0, 0] + 2 * p[:, 0, 2] * dt + p[:, 2, 2] * dt**2 + self._q * dt**3 / 3
        pyy = p[:, 1, 1] + 2 * p[:, 1, 3] * dt + p[:, 3, 3] * dt**2 + self._q * dt**3 / 3
        pxy = p[:, 0, 1] + (p[:, 0, 3] + p[:, 2, 1]) * dt + p[:, 2, 3] * dt**2
        hx, hy = dy / r2, -dx / r2  # d(atan2(dx, dy)) / d(x, y)
        s = hx * hx * pxx + 2 * hx * hy * pxy + hy * hy * pyy + sigma[:, None] ** 2
        nu = (z[:, None] - np.arctan2(dx, dy) + math.pi) % (2 * math.pi) - math.pi
        d2 = nu * nu / s
        reach = np.sqrt(r2) <= reach_m[:, None] * 1.3 + 2.0 * np.sqrt(np.maximum(pxx, pyy))
        d2 = np.where(reach, d2, np.inf)
        best = np.argmin(d2, axis=1)
        ok = d2[np.arange(n), best] <= self.config.gate_sigma**2
        return np.where(ok, best, -1)

    def _update_gated(self, bearings: list[Detection], cols: _Columns, assigned: NDArray[np.int64]) -> None:
        """Every track that gated bearings in this slice: predicted to its last bearing and updated with all of
        them in one stacked update, all tracks at once (batch_ekf)."""
        gated = np.flatnonzero(assigned >= 0)
        rows, where, used = batch_ekf.pad_groups(assigned[gated])
        members = gated[where]  # (tracks, most bearings of one track) indices into the slice's bearings
        t_last = np.where(used, cols.t[members], -np.inf).max(axis=1)
        t_now = np.maximum(self._t[rows], t_last)
        x, p = batch_ekf.predict(self._x[rows], self._p[rows], t_now - self._t[rows], self._q[rows])
        x, p = batch_ekf.update_bearings(x, p, cols.sxy[members], cols.z[members], cols.sigma[members], used)
        for j, row in enumerate(rows):
            track = self._live[row]
            track.kf.x = x[j].reshape(4, 1)
            track.kf.P = p[j]
            track.t_s = float(t_now[j])
            self._hit(track, [bearings[i] for i in members[j, used[j]]])

    def _update_bearings(self, track: Track, bearings: list[Detection]) -> None:
        """One track's update with its bearings of this slice (a track the slice itself started)."""
        self._predict(track, max(d.t_s for d in bearings))
        cols = self._columns(bearings)
        used = np.ones((1, len(bearings)), dtype=bool)
        x, p = batch_ekf.update_bearings(track.kf.x.T, track.kf.P[None], cols.sxy[None], cols.z[None],
                                         cols.sigma[None], used)
        track.kf.x = x[0].reshape(4, 1)
        track.kf.P = p[0]
        self._hit(track, bearings)

    def _initiate(self, b: Bearing) -> Track | None:
        """Triangulate with a recent bearing from another sensor nearby; no partner yet: wait in the pool."""
        cell = (int(b.x // self._cell_m), int(b.y // self._cell_m))
        best = None
        for cx in (cell[0] - 1, cell[0], cell[0] + 1):
            for cy in (cell[1] - 1, cell[1], cell[1] + 1):
                pool = self._pool.get((cx, cy))
                if not pool:
                    continue
                while pool and b.t_s - pool[0].t_s > self.config.pair_window_s:
                    pool.popleft()
                for other in pool:
                    if other.sensor == b.sensor or abs(other.t_s - b.t_s) > self.config.pair_window_s:
                        continue
                    fix = intersect(b, other)
                    if fix is not None and (best is None or fix.sd_m < best[0].sd_m):
                        best = (fix, other)
        if best is None:
            self._pool[cell].append(b)
            return None
        fix, other = best
        self._pool[(int(other.x // self._cell_m), int(other.y // self._cell_m))].remove(other)
        cls = vote({b.threat_class: b.confidence, other.threat_class: other.confidence})
        track = self._new_track(fix.x, fix.y, fix.sd_m, max(b.t_s, other.t_s), cls)
        track.sensors.update((b.sensor, other.sensor))
        track.votes[b.threat_class] += b.confidence
        track.votes[other.threat_class] += other.confidence
        track.hits = 2
        track.threat_class = vote(track.votes)
        return track

    # ---- positions (radar plots, observers) ----------------------------------------------------
    def _position(self, d: Detection) -> None:
        assert d.lat is not None and d.lon is not None
        x, y = self.frame.point_xy(d.lat, d.lon)
        if d.destroyed:
            self.destroy_near(x, y, d.t_s)
            return
        cfg = self.config
        sd = cfg.radar_sd_m if d.kind is SensorKind.RADAR else cfg.observer_sd_m
        track = self._gate_position(x, y, sd, d.t_s)
        with_velocity = d.east_mps is not None and d.north_mps is not None
        if track is None:
            track = self._new_track(x, y, sd, d.t_s, d.threat_class)
            track.votes[d.threat_class] += d.confidence
            track.threat_class = vote(track.votes)
            track.sensors.add(d.sensor.id)
            if with_velocity:
                track.kf.x[2:, 0] = (d.east_mps, d.north_mps)
                track.kf.P[2:, 2:] = np.eye(2) * cfg.radar_velocity_sd_mps**2
            self._arrays_stale = True
            return
        self._predict(track, d.t_s)
        if with_velocity:
            z = np.array([[x], [y], [d.east_mps], [d.north_mps]])
            r = np.diag([sd**2, sd**2, cfg.radar_velocity_sd_mps**2, cfg.radar_velocity_sd_mps**2])
            track.kf.update(z, identity4, state4, R=r)
        else:
            track.kf.update(np.array([[x], [y]]), position_jacobian, position_hx, R=np.eye(2) * sd**2)
        self._hit(track, [d])

    def _gate_position(self, x: float, y: float, sd: float, t_s: float) -> Track | None:
        self._refresh_arrays()
        if not self._live:
            return None
        dt = np.maximum(t_s - self._t, 0.0)
        pos = self._x[:, :2] + self._x[:, 2:] * dt[:, None]
        var = (self._p[:, 0, 0] + self._p[:, 1, 1]) / 2 + (self._p[:, 2, 2] + self._p[:, 3, 3]) / 2 * dt**2 \
            + self._q * dt**3 / 3.0 + sd**2
        d2 = ((pos[:, 0] - x) ** 2 + (pos[:, 1] - y) ** 2) / var
        best = int(np.argmin(d2))
        return self._live[best] if d2[best] <= 2 * self.config.gate_sigma**2 else None

    # ---- the filter ----------------------------------------------------------------------------
    def _new_track(self, x: float, y: float, sd_m: float, t_s: float, cls: ThreatClass) -> Track:
        motion = MOTION[cls if cls is not ThreatClass.UNKNOWN else ThreatClass.SHAHED]
        kf = ExtendedKalmanFilter(dim_x=4, dim_z=1)
        kf.x = np.array([[x], [y], [0.0], [0.0]])
        kf.P = np.diag([sd_m**2, sd_m**2, motion.max_mps**2, motion.max_mps**2])
        track = Track(f"{self._prefix}{next(self._ids):05d}", kf, t_s, t_s, last_update_s=t_s)
        self.tracks[track.id] = track
        self.changed.add(track.id)
        self._arrays_stale = True
        return track

    def _predict(self, track: Track, t_s: float) -> None:
        dt = t_s - track.t_s
        if dt <= 0:
            return
        kf = track.kf
        kf.F = np.array([[1, 0, dt, 0], [0, 1, 0, dt], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=float)
        kf.Q = q_continuous(dt, MOTION[track.threat_class].q)
        kf.predict()
        track.t_s = t_s

    def _predicted_xy(self, track: Track, t_s: float) -> tuple[float, float]:
        dt = max(t_s - track.t_s, 0.0)
        (x, y), (vx, vy) = track.xy, track.velocity
        return x + vx * dt, y + vy * dt

    def _hit(self, track: Track, detections: list[Detection]) -> None:
        for d in detections:
            track.sensors.add(d.sensor.id)
            track.votes[d.threat_class] += d.confidence
        track.hits += len(detections)
        track.threat_class = vote(track.votes)
        track.last_update_s = max(track.last_update_s, max(d.t_s for d in detections))
        self._clamp_speed(track)
        cfg = self.config
        if (track.state is TrackState.TENTATIVE and track.hits >= cfg.confirm_hits
                and len(track.sensors) >= cfg.confirm_sensors and track.speed_sd_mps <= cfg.confirm_speed_sd_mps):
            track.state = TrackState.CONFIRMED
        self.changed.add(track.id)
        self._store_row(track)

    def _clamp_speed(self, track: Track) -> None:
        """A speed beyond the class's band is noise: pull it back to the band's edge."""
        band = MOTION[track.threat_class]
        speed = track.speed_mps
        if speed > band.max_mps * 1.2:
            track.kf.x[2:, 0] *= band.max_mps / speed

    def _end(self, track: Track, state: TrackState, t_s: float) -> None:
        track.state = state
        track.ended_s = t_s
        del self.tracks[track.id]
        self.ended.append(track)
        self.changed.add(track.id)
        self._arrays_stale = True

    # ---- vectorised copies of the live tracks for gating --------------------------------------------
    def _refresh_arrays(self) -> None:
        if not self._arrays_stale:
            return
        self._live = list(self.tracks.values())
        n = len(self._live)
        self._x = np.array([t.kf.x[:, 0] for t in self._live]).reshape(n, 4)
        self._p = np.array([t.kf.P for t in self._live]).reshape(n, 4, 4)
        self._t = np.array([t.t_s for t in self._live], dtype=float)
        self._q = np.array([MOTION[t.threat_class].q for t in self._live], dtype=float)
        self._row = {t.id: i for i, t in enumerate(self._live)}
        self._arrays_stale = False

    def _store_row(self, track: Track) -> None:
        if self._arrays_stale:
            return
        i = self._row[track.id]
        self._x[i] = track.kf.x[:, 0]
        self._p[i] = track.kf.P
        self._t[i] = track.t_s
        self._q[i] = MOTION[track.threat_class].q
