"""The operator console (`/console`) and the public page (`/`): HTML shells, static files, a few UI helpers."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.routing import Match, Mount

from airwarn.api.auth import DepsDep, Observer
from airwarn.errors import NotFound

router = APIRouter(tags=["web"])

#: Optional routes the pages use when the server has them (other parts add them): (scope type, sample path).
OPTIONAL = {
    "live_ws": ("websocket", "/api/v1/live"),
    "live_sse": ("http", "/api/v1/live/sse"),
    "shelters": ("http", "/api/v1/shelters/nearest"),
    "subscriptions": ("http", "/api/v1/subscriptions"),
    "deliveries": ("http", "/api/v1/alerts/sample/deliveries"),
}


def web_dir() -> Path:
    """Where the templates and static files live inside the installed package."""
    return Path(str(resources.files("airwarn.web")))


def static_files() -> StaticFiles:
    """Mount at `/static`: the pages' JS/CSS and the vendored Leaflet."""
    return StaticFiles(directory=web_dir() / "static")


def _has_route(app: Any, kind: str, path: str) -> bool:
    """Whether a route answers `path` (any method), asked the way Starlette routes a request."""
    scope = {"type": kind, "path": path, "root_path": "", "method": "GET", "headers": [], "query_string": b""}
    for route in app.router.routes:
        try:
            match, _ = route.matches(scope)
        except Exception:  # a route kind that cannot judge this scope
            continue
        if match is not Match.NONE and not isinstance(route, Mount):
            return True
    return False


def _features(request: Request) -> dict[str, bool]:
    return {name: _has_route(request.app, kind, path) for name, (kind, path) in OPTIONAL.items()}


#: Channel → the setting that enables it on this node: rows of an unset channel wait, and the console says why.
CHANNEL_SETTINGS = {"mqtt": ("mqtt_host", "AIRWARN_MQTT_HOST"), "sms": ("sms_url", "AIRWARN_SMS_URL"),
                    "webhook": ("webhook_secret", "AIRWARN_WEBHOOK_SECRET"),
                    "webpush": ("vapid_private_key", "AIRWARN_VAPID_PRIVATE_KEY")}


def _delivery_setup(request: Request) -> dict[str, Any]:
    """Which channels this node leaves waiting (not configured) and whether it runs the dispatcher."""
    settings = getattr(request.app.state, "settings", None)
    if settings is None:
        return {"unconfigured": {}, "dispatch": True}
    return {"unconfigured": {ch: env for ch, (attr, env) in CHANNEL_SETTINGS.items()
                             if not getattr(settings, attr, "")},
            "dispatch": bool(getattr(settings, "dispatch", True))}


def _page(request: Request, name: str) -> HTMLResponse:
    config = {"features": _features(request), "tile_url": os.environ.get("AIRWARN_TILE_URL", ""),
              "tile_attribution": os.environ.get("AIRWARN_TILE_ATTRIBUTION", ""),
              "delivery": _delivery_setup(request)}
    html = (web_dir() / "templates" / name).read_text(encoding="utf-8")
    blob = json.dumps(config).replace("<", "\\u003c")
    return HTMLResponse(html.replace("{{CONFIG}}", blob), headers={"Cache-Control": "no-store"})


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def public_page(request: Request) -> HTMLResponse:
    """Residents: regimes and instructions for a picked place, nearest shelter, subscribe."""
    return _page(request, "public.html")


@router.get("/console", response_class=HTMLResponse, include_in_schema=False)
def console_page(request: Request) -> HTMLResponse:
    """Duty officers: map, timeline, review queue, composer, approvals, false-alarm cancel."""
    return _page(request, "console.html")


@router.get("/api/v1/web/config", tags=["web"])
def web_config(request: Request) -> dict[str, Any]:
    """Which optional parts this server has (live stream, shelters, subscriptions, delivery detail)."""
    return {"features": _features(request), "tile_url": os.environ.get("AIRWARN_TILE_URL", ""),
            "delivery": _delivery_setup(request)}


@router.get("/api/v1/alerts/{identifier}/preview.xml", tags=["web"])
def alert_preview(identifier: str, deps: DepsDep, _user: Observer) -> Response:
    """The CAP 1.2 document an alert will carry (unsigned preview; issued alerts return the signed one)."""
    from airwarn.cap.xml import alert_to_xml

    with deps.uow.read() as repo:
        found = repo.alert(identifier)
    if found is None:
        raise NotFound(f"no alert {identifier!r}", field="identifier")
    alert, xml = found
    body = xml.encode() if xml else alert_to_xml(alert)
    return Response(body, media_type="application/xml",
                    headers={"X-Airwarn-Preview": "signed" if xml else "unsigned"})
