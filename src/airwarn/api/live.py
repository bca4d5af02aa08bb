"""Live stream: WebSocket /api/v1/live and SSE /api/v1/live/sse, filtered by district or point, resumable.

Every message is ``{"id": <int>, "topic": "alert"|"report"|"regime"|"review", "payload": {…}}``; resume
with ``?after=<id>`` (or the SSE ``Last-Event-ID`` header).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse

from airwarn.bus import Event, Hub
from airwarn.delivery import metrics
from airwarn.domain.territory import Territory
from airwarn.errors import InvalidInput

router = APIRouter(prefix="/api/v1", tags=["live"])
KEEPALIVE_S = 15.0


def hub_of(app: Any) -> Hub:
    hub: Hub = app.state.bus.hub
    return hub


def area_filter(territory: Territory, district: str | None, lat: float | None,
                lon: float | None) -> tuple[str, str] | None:
    """(region, district code) the client cares about, or None for everything."""
    if (lat is None) != (lon is None):
        raise InvalidInput("give both lat and lon", field="lat" if lat is None else "lon")
    if lat is not None and lon is not None:
        found = territory.locate(lat, lon)
        if found is None:
            raise InvalidInput("the point is outside the territory", field="lat")
        return found.region, found.code
    if district is not None:
        found = territory.districts.get(district)
        if found is None:
            raise InvalidInput(f"unknown district code {district!r}", field="district")
        return found.region, found.code
    return None


def _places(payload: dict[str, Any]) -> list[tuple[str, list[str]]]:
    found = []
    if "region" in payload:
        found.append((str(payload["region"]), list(payload.get("districts") or [])))
    for key in ("alerts", "alert", "cancel", "all_clear"):
        value = payload.get(key)
        for item in value if isinstance(value, list) else [value] if isinstance(value, dict) else []:
            found += _places(item)
    return found


def matches(event: Event, area: tuple[str, str] | None) -> bool:
    """Unfiltered clients get everything; filtered ones get events whose area covers their district."""
    if area is None:
        return True
    region, code = area
    return any(r == region and (not ds or code in ds) for r, ds in _places(event.payload))


def _dump(event: Event) -> str:
    return json.dumps(event.to_dict(), ensure_ascii=False, default=str)


@router.websocket("/live")
async def live_ws(websocket: WebSocket, district: str | None = None, lat: float | None = None,
                  lon: float | None = None, after: int | None = None) -> None:
    try:
        area = area_filter(websocket.app.state.deps.territory, district, lat, lon)
    except InvalidInput as exc:
        await websocket.accept()
        await websocket.send_text(json.dumps(exc.to_dict()))
        await websocket.close(code=1008)
        return
    await websocket.accept()
    metrics.LIVE_CLIENTS.inc()
    try:
        async for event in hub_of(websocket.app).listen(after):
            if matches(event, area):
                await websocket.send_text(_dump(event))
    except WebSocketDisconnect:
        pass
    finally:
        metrics.LIVE_CLIENTS.dec()


@router.get("/live/sse")
async def live_sse(request: Request, district: str | None = None, lat: float | None = None,
                   lon: float | None = None, after: int | None = Query(None, ge=0)) -> StreamingResponse:
    """Server-sent events; the browser's automatic reconnect resumes from `Last-Event-ID`."""
    area = area_filter(request.app.state.deps.territory, district, lat, lon)
    header = request.headers.get("last-event-id")
    if header is not None:
        if not header.isdigit():
            raise InvalidInput("Last-Event-ID must be an event id", field="Last-Event-ID")
        after = int(header)
    hub = hub_of(request.app)

    async def stream() -> AsyncIterator[str]:
        metrics.LIVE_CLIENTS.inc()
        queue: asyncio.Queue[Event] = asyncio.Queue()

        async def pump() -> None:
            async for event in hub.listen(after):
                if matches(event, area):
                    queue.put_nowait(event)

        pumping = asyncio.create_task(pump())
        try:
            yield "retry: 2000\n\n"
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                yield f"id: {event.id}\nevent: {event.topic}\ndata: {_dump(event)}\n\n"
        finally:
            metrics.LIVE_CLIENTS.dec()
            pumping.cancel()

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
