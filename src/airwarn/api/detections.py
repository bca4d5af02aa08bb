"""Sensor detections in (sensor role), the sensor registry, the live tracks for the console, and the public's
share of the forecast (minutes to arrival where a warning is in force)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from airwarn.api.auth import CurrentUser, Observer, Operator
from airwarn.domain.reports import Status
from airwarn.tracks.detections import parse_body
from airwarn.tracks.sensors import parse_registry
from airwarn.tracks.service import TrackingService, require_sensor

router = APIRouter(prefix="/api/v1", tags=["tracks"])

#: A batch of 10,000 detections is about 1.5 MB of JSON.
DETECTIONS_MAX_BYTES = 4 * 1_048_576


def _tracking(request: Request) -> TrackingService:
    service: TrackingService = request.app.state.tracking
    return service


@router.post("/detections", status_code=202)
async def post_detections(request: Request, user: CurrentUser, status: Status = Status.ACTUAL,
                          speed: float = 1.0) -> dict[str, Any]:
    """A batch of detections (JSON array or NDJSON, up to 10,000). Each bad one is rejected with its index,
    field and reason; the rest are tracked. The answer lists the warning changes the batch caused.
    `speed` (1–100, Exercise or Test only) runs that drill picture on a clock that many times faster."""
    require_sensor(user)
    items = parse_body(await request.body(), request.headers.get("content-type", ""))
    from starlette.concurrency import run_in_threadpool

    result = await run_in_threadpool(_tracking(request).ingest, items, user, status, speed)
    return result.to_dict()


@router.get("/sensors")
def list_sensors(request: Request, _user: Observer) -> list[dict[str, Any]]:
    return [s.to_dict() for s in _tracking(request).sensors.values()]


@router.post("/sensors", status_code=201)
async def register_sensors(request: Request, user: Operator) -> dict[str, Any]:
    """Register sensors from CSV (id,kind,lat,lon[,range_m,bearing_sd_deg,region]) or a GeoJSON of points."""
    raw = (await request.body()).decode("utf-8", errors="strict")
    sensors = parse_registry(raw, fmt="geojson" if "json" in request.headers.get("content-type", "") else None)
    count = _tracking(request).register(sensors, user)
    return {"registered": count}


@router.get("/tracks")
def list_tracks(request: Request, _user: Observer, status: Status = Status.ACTUAL) -> list[dict[str, Any]]:
    """Live tracks: position, velocity, class, state, the path behind, the corridor ahead and the ETA window
    for each district in it (with the level it calls for and the level the board reached)."""
    return _tracking(request).snapshot(status)


@router.get("/tracks/districts")
def track_districts(request: Request, _user: Observer, status: Status = Status.ACTUAL) -> list[dict[str, Any]]:
    """Districts inside a live corridor, soonest first: ETA window, level due and reached, and the tracks."""
    return _tracking(request).outlook(status)


@router.get("/approach")
def approach(request: Request, status: Status = Status.ACTUAL) -> dict[str, Any]:
    """Public: about how many minutes until the threat can arrive, for districts where a pre-alert or alert is
    in force (approved) and a live forecast reaches; nothing about any other district, no tracks or sensors."""
    found = _tracking(request).approach(status)
    return {"status": status.value, "districts": [a.to_dict() for a in found]}
