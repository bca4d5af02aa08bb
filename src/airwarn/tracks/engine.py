"""The tracking engine of one picture: detections → tracks → ETAs → warning changes. No I/O."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import shapely

from airwarn.domain.territory import Territory
from airwarn.tracks.board import Board, BoardConfig, Change, Outlook, SharedView, Threat
from airwarn.tracks.detections import Detection
from airwarn.tracks.forecast import DistrictIndex, Eta, ForecastConfig, etas
from airwarn.tracks.frame import LocalFrame
from airwarn.tracks.track import Track, TrackerConfig, TrackState
from airwarn.tracks.tracker import Tracker


@dataclass(frozen=True)
class EngineConfig:
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    forecast: ForecastConfig = field(default_factory=ForecastConfig)
    board: BoardConfig = field(default_factory=BoardConfig)
    forecast_every_s: float = 30.0  # a track's corridor is recomputed at most this often
    history_every_s: float = 15.0  # a confirmed track's path is kept as a point this often …
    history_points: int = 40  # … for the last this many points (10 min), to draw where it came from


@dataclass
class _Forecast:
    at_s: float
    corridor: Any
    etas: tuple[Eta, ...]


def frame_for(territory: Territory) -> LocalFrame:
    """A frame centred on the territory's districts (or regions, when it has no districts)."""
    centres = [d.centre for d in territory.districts.values() if d.centre] or \
        [r.centre for r in territory.regions.values() if r.centre]
    lat = float(np.mean([c[0] for c in centres])) if centres else 0.0
    lon = float(np.mean([c[1] for c in centres])) if centres else 0.0
    return LocalFrame(round(lat, 3), round(lon, 3))


class TrackingEngine:
    def __init__(self, territory: Territory, config: EngineConfig | None = None, *,
                 frame: LocalFrame | None = None, index: DistrictIndex | None = None, prefix: str = "T",
                 view: SharedView | None = None) -> None:
        self.config = config or EngineConfig()
        self.frame = frame or (index.frame if index else frame_for(territory))
        self.index = index or DistrictIndex(territory, self.frame)
        self.tracker = Tracker(self.frame, self.config.tracker, prefix=prefix)
        self.board = Board(self.index, self.config.board, view)
        self.forecasts: dict[str, _Forecast] = {}
        self.history: dict[str, deque[tuple[float, float, float]]] = {}  # track → (t_s, x, y), oldest first
        self.now_s = 0.0

    def ingest(self, detections: list[Detection]) -> list[Change]:
        """Feed one batch; the warning changes it causes."""
        if not detections:
            return []
        self.tracker.ingest(detections)
        self.now_s = max(self.now_s, max(d.t_s for d in detections))
        return self._assess()

    def tick(self, now_s: float) -> list[Change]:
        """Time passes with no detections: tracks coast or are lost, quiet districts get their all-clear."""
        self.now_s = max(self.now_s, now_s)
        self.tracker.retire(self.now_s)
        return self._assess()

    def _assess(self) -> list[Change]:
        cfg = self.config
        for track_id in self.tracker.take_changed():
            track = self.tracker.tracks.get(track_id)
            if track is None:
                self.forecasts.pop(track_id, None)
                self.history.pop(track_id, None)
        threats = []
        for track in self.tracker.tracks.values():
            if track.state is not TrackState.CONFIRMED:
                continue
            self._remember(track)
            forecast = self.forecasts.get(track.id)
            if forecast is None or self.now_s - forecast.at_s >= cfg.forecast_every_s:
                cone, found = etas(self._at_now(track), self.index, cfg.forecast)
                forecast = _Forecast(self.now_s, cone, tuple(found))
                self.forecasts[track.id] = forecast
            threats.append(Threat(track.id, track.threat_class, forecast.etas))
        return self.board.assess(self.now_s, threats)

    def _remember(self, track: Track) -> None:
        """Keep a point of the track's path every `history_every_s` (its own filtered positions)."""
        path = self.history.get(track.id)
        if path is None:
            path = self.history[track.id] = deque(maxlen=self.config.history_points)
        if not path or track.t_s - path[-1][0] >= self.config.history_every_s:
            path.append((track.t_s, *track.xy))

    def threats_at(self, now_s: float) -> list[Threat]:
        """The live confirmed tracks' ETAs as of `now_s`: each window shortened by the age of its forecast."""
        out = []
        for track in self.tracker.tracks.values():
            forecast = self.forecasts.get(track.id)
            if track.state is not TrackState.CONFIRMED or forecast is None:
                continue
            age = max(0.0, now_s - forecast.at_s)
            aged = tuple(replace(e, earliest_s=max(0.0, e.earliest_s - age), latest_s=max(0.0, e.latest_s - age))
                         for e in forecast.etas)
            out.append(Threat(track.id, track.threat_class, aged))
        return out

    def outlook(self, now_s: float) -> list[Outlook]:
        """Every district in a live corridor, soonest first, with the level due and the level reached."""
        return self.board.outlook(self.threats_at(max(now_s, self.now_s)))

    def _at_now(self, track: Track) -> Track:
        """The track as it is expected to be now (it may not have been updated for a while)."""
        self.tracker._predict(track, self.now_s)
        return track

    def end_over(self, districts: list[str], point: tuple[float, float] | None, now_s: float) -> list[str]:
        """Live tracks over these districts (or within 5 km of the point) end as destroyed."""
        shapes = [self.index.by_code[c].shape for c in districts if c in self.index.by_code]
        target = self.frame.point_xy(*point) if point else None
        ended = []
        for track in list(self.tracker.tracks.values()):
            x, y = self.tracker._predicted_xy(track, now_s)
            here = shapely.Point(x, y)
            near = target is not None and here.distance(shapely.Point(*target)) <= 5_000.0
            if near or any(shape.contains(here) for shape in shapes):
                self.tracker._end(track, TrackState.DESTROYED, now_s)
                ended.append(track.id)
        return ended

    def snapshot(self, now_s: float | None = None) -> list[dict[str, Any]]:
        """Live tracks for the console: position, velocity, class, state, the path behind it, the corridor
        ahead and, per district in it, the ETA window as of `now_s` with the level due and reached."""
        at_s = max(self.now_s, now_s or 0.0)
        aged = {t.track: t.etas for t in self.threats_at(at_s)}
        out = []
        for track in self.tracker.tracks.values():
            lat, lon = self.frame.point_latlon(*track.xy)
            forecast = self.forecasts.get(track.id)
            item: dict[str, Any] = {
                "id": track.id, "state": track.state.value, "class": track.threat_class.value,
                "lat": round(lat, 5), "lon": round(lon, 5), "speed_mps": round(track.speed_mps, 1),
                "heading_deg": round(track.heading_deg, 1), "position_sd_m": round(track.position_sd_m),
                "hits": track.hits, "sensors": len(track.sensors), "updated_s": track.last_update_s,
                "history": self._line([(x, y) for _, x, y in self.history.get(track.id, ())] + [track.xy]),
            }
            if forecast is not None:
                item["corridor"] = self._geojson(forecast.corridor)
                item["etas"] = [self._eta(e) for e in aged.get(track.id, forecast.etas)]
            out.append(item)
        return out

    def _eta(self, eta: Eta) -> dict[str, Any]:
        area = self.index.by_code.get(eta.district)
        return {"district": eta.district, "region": eta.region, "name": area.name_en if area else eta.district,
                "earliest_s": round(eta.earliest_s), "latest_s": round(eta.latest_s), "inside": eta.inside,
                "due": self.board.due(eta).name.lower(), "level": self.board.level_of(eta.district).name.lower()}

    def _line(self, xy: list[tuple[float, float]]) -> dict[str, Any]:
        lat, lon = self.frame.to_latlon([p[0] for p in xy], [p[1] for p in xy])
        return {"type": "LineString",
                "coordinates": [[round(float(o), 5), round(float(a), 5)] for a, o in zip(lat, lon, strict=True)]}

    def _geojson(self, polygon: Any) -> dict[str, Any]:
        xy = np.asarray(polygon.exterior.coords)
        lat, lon = self.frame.to_latlon(xy[:, 0], xy[:, 1])
        ring = [[round(float(o), 5), round(float(a), 5)] for a, o in zip(lat, lon, strict=True)]
        return {"type": "Polygon", "coordinates": [ring]}


__all__ = ["Change", "EngineConfig", "TrackingEngine", "frame_for", "shapely"]
