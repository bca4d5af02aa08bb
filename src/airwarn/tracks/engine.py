"""The tracking engine of one picture: detections → tracks → ETAs → warning changes. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from airwarn.domain.territory import Territory
from airwarn.tracks.board import Board, BoardConfig, Change, Threat
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
                 frame: LocalFrame | None = None, index: DistrictIndex | None = None, prefix: str = "T") -> None:
        self.config = config or EngineConfig()
        self.frame = frame or (index.frame if index else frame_for(territory))
        self.index = index or DistrictIndex(territory, self.frame)
        self.tracker = Tracker(self.frame, self.config.tracker, prefix=prefix)
        self.board = Board(self.index, self.config.board)
        self.forecasts: dict[str, _Forecast] = {}
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
        threats = []
        for track in self.tracker.tracks.values():
            if track.state is not TrackState.CONFIRMED:
                continue
            forecast = self.forecasts.get(track.id)
            if forecast is None or self.now_s - forecast.at_s >= cfg.forecast_every_s:
                cone, found = etas(self._at_now(track), self.index, cfg.forecast)
                forecast = _Forecast(self.now_s, cone, tuple(found))
                self.forecasts[track.id] = forecast
            threats.append(Threat(track.id, track.threat_class, forecast.etas))
        return self.board.assess(self.now_s, threats)

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

    def snapshot(self) -> list[dict[str, Any]]:
        """Live tracks for the console: position, velocity, class, state, corridor and ETAs."""
        out = []
        for track in self.tracker.tracks.values():
            lat, lon = self.frame.point_latlon(*track.xy)
            forecast = self.forecasts.get(track.id)
            item: dict[str, Any] = {
                "id": track.id, "state": track.state.value, "class": track.threat_class.value,
                "lat": round(lat, 5), "lon": round(lon, 5), "speed_mps": round(track.speed_mps, 1),
                "heading_deg": round(track.heading_deg, 1), "position_sd_m": round(track.position_sd_m),
                "hits": track.hits, "sensors": len(track.sensors), "updated_s": track.last_update_s,
            }
            if forecast is not None:
                item["corridor"] = self._geojson(forecast.corridor)
                item["etas"] = [{"district": e.district, "region": e.region, "earliest_s": round(e.earliest_s),
                                 "latest_s": round(e.latest_s), "inside": e.inside} for e in forecast.etas]
            out.append(item)
        return out

    def _geojson(self, polygon: Any) -> dict[str, Any]:
        xy = np.asarray(polygon.exterior.coords)
        lat, lon = self.frame.to_latlon(xy[:, 0], xy[:, 1])
        ring = [[round(float(o), 5), round(float(a), 5)] for a, o in zip(lat, lon, strict=True)]
        return {"type": "Polygon", "coordinates": [ring]}


__all__ = ["Change", "EngineConfig", "TrackingEngine", "frame_for", "shapely"]
