"""Shelters over HTTP: nearest reachable shelter for a point, coverage of the whole area, streets for the map."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from airwarn.api.auth import Observer
from airwarn.errors import InvalidInput, NotFound
from airwarn.shelters.model import PROFILES_M_S

router = APIRouter(prefix="/api/v1/shelters", tags=["shelters"])


def _service(request: Request) -> Any:
    svc = getattr(request.app.state, "shelters", None)
    if svc is None:
        raise NotFound("the shelter service is not configured on this server", field="shelters")
    return svc


def _speed(speed: float | None, profile: str) -> float:
    if profile not in PROFILES_M_S:
        raise InvalidInput(f"profile must be one of {', '.join(PROFILES_M_S)}", field="profile")
    return PROFILES_M_S[profile] if speed is None else speed


@router.get("/nearest")
def nearest(
    request: Request,
    lat: float = Query(..., ge=-90, le=90, description="latitude, WGS84"),
    lon: float = Query(..., ge=-180, le=180, description="longitude, WGS84"),
    speed: float | None = Query(None, gt=0, le=10, description="walking speed, m/s (default 1.2)"),
    profile: str = Query(
        "default", description="default (1.2 m/s), elderly (0.8 m/s) or wheelchair (0.9 m/s, step-free routes)"
    ),
    warning: float | None = Query(None, ge=0, le=86400, description="override the area's warning time, s"),
) -> dict[str, Any]:
    """Nearest open shelter by walking time, the route, and whether it is reached before the warning ends.

    Without ``warning`` the point's region gives the warning time (``warning_from``: region), else the import.
    """
    result: dict[str, Any] = _service(request).nearest(lat, lon, _speed(speed, profile), warning, profile)
    return result


@router.get("/coverage")
def coverage(
    request: Request,
    warning: float | None = Query(None, ge=0, le=86400, description="warning time, s (default: the area's)"),
    speed: float | None = Query(None, gt=0, le=10, description="walking speed, m/s"),
    profile: str = Query("default", description="default or elderly"),
    capacity: bool = Query(True, description="respect shelter capacity"),
) -> dict[str, Any]:
    """Share of people reaching a shelter with room in time, by district; uncovered places as GeoJSON."""
    result: dict[str, Any] = _service(request).coverage(
        warning, _speed(speed, profile), capacity_aware=capacity
    )
    return result


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        raise InvalidInput("bbox must be four numbers: west,south,east,north (degrees)", field="bbox") from None
    return west, south, east, north


@router.get("/streets")
def streets(
    request: Request,
    bbox: str = Query(..., description="west,south,east,north in degrees (WGS84)", max_length=200),
) -> dict[str, Any]:
    """Imported walkable segments and shelters inside a box, as GeoJSON for the map (with the data's own note)."""
    result: dict[str, Any] = _service(request).streets(_bbox(bbox))
    return result


@router.get("/plan")
def plan(
    request: Request,
    _user: Observer,
    add: int = Query(..., ge=1, le=200, description="how many new shelter sites"),
    warning: float | None = Query(None, ge=0, le=86400, description="warning time, s (default: each district's)"),
    speed: float | None = Query(None, gt=0, le=10, description="walking speed, m/s"),
    site_capacity: int | None = Query(
        None, ge=0, le=1_000_000, description="people a new site holds (default: the registry's median; 0: no limit)"
    ),
    method: str = Query("auto", description="auto, greedy or exact"),
) -> dict[str, Any]:
    """The new sites that cover the most people who cannot reach a shelter in time; ``geojson`` for the map."""
    capacity: int | None | str = "median" if site_capacity is None else (site_capacity or None)
    result: dict[str, Any] = _service(request).plan(add, warning, speed, method, capacity)
    return result
