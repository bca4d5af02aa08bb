"""Live stream: WebSocket /api/v1/live and SSE /api/v1/live/sse, filtered by district or point, resumable.

Every message is ``{"id": <int>, "topic": "alert"|"report"|"regime"|"review", "payload": {…}}``; resume
with ``?after=<id>`` (or the SSE ``Last-Event-ID`` header); ``?topics=alert,regime`` keeps only those topics
(a siren display or a public page that only shows alerts spares itself, and the node, the rest).
A client resuming from an id the node can no longer replay (too old, or from before a restart) first gets
``{"id": <that id>, "topic": "gap", "payload": {…, "reload": "/api/v1/status"}}``, whatever its filters:
it has missed events and should reload the current state.
"""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse

from airwarn import metrics
from airwarn.api.live_room import LiveClient, room_of
from airwarn.api.viewer import bearer, sees_proposed
from airwarn.api.ws_protocol import frame_writer
from airwarn.bus import Event, Hub
from airwarn.domain.territory import Territory
from airwarn.errors import AirwarnError, InvalidInput
from airwarn.service_layer.services import authenticate

router = APIRouter(prefix="/api/v1", tags=["live"])
KEEPALIVE_S = 15.0
#: With thousands of open sockets the heap holds millions of objects, and CPython's default young-generation
#: threshold (700 allocations) runs collections that walk them in the middle of a fan-out: at 10,000
#: clients that doubled the time to reach them all. Raised once, when the first live client connects.
GC_THRESHOLD = (50_000, 20, 100)
_gc_tuned = False


def tune_gc() -> None:
    """Fewer, later garbage collections for a process that holds many live connections (idempotent)."""
    global _gc_tuned
    if not _gc_tuned:
        _gc_tuned = True
        gc.freeze()  # what exists now (app, modules, territory) is never scanned again
        gc.set_threshold(*GC_THRESHOLD)


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


TOPICS = frozenset({"alert", "report", "regime", "review"})


def topic_filter(topics: str | None) -> frozenset[str] | None:
    """The topics a client asked for (comma-separated), or None for all."""
    if topics is None:
        return None
    wanted = frozenset(t.strip() for t in topics.split(",") if t.strip())
    if not wanted or not wanted <= TOPICS:
        raise InvalidInput(f"topics must be a comma-separated subset of {sorted(TOPICS)}", field="topics")
    return wanted


def public_event(event: Event) -> bool:
    """What a client without a token may see: issued alerts (and `gap` notices), nothing that is only
    proposed, held for a second person, or names who reported or decided it."""
    return event.topic == "gap" or (event.topic == "alert" and event.payload.get("delivery") == "issued")


async def live_viewer(deps: Any, headers: Any, subprotocols: list[str] | None = None) -> tuple[bool, str | None]:
    """(sees everything, subprotocol to accept). A token comes in `Authorization: Bearer` or, from a browser
    that cannot set headers, as the WebSocket subprotocol pair `airwarn`, `bearer.<token>`. A bad token is
    an Unauthenticated error, never a silent downgrade. Public clients cost no database read."""
    token = bearer(headers.get("authorization", ""))
    chosen = None
    for offered in subprotocols or []:
        if offered.startswith("bearer.") and token is None:
            token = offered.removeprefix("bearer.")
        elif offered == "airwarn":
            chosen = offered
    if token is None:
        return False, chosen
    user = await asyncio.to_thread(authenticate, deps, token)
    return sees_proposed(user), chosen


def matches(event: Event, area: tuple[str, str] | None, topics: frozenset[str] | None = None,
            public: bool = False) -> bool:
    """Unfiltered clients get everything they may see; filtered ones get events whose area covers their
    district. Public clients (no token) get issued alerts only."""
    if public and not public_event(event):
        return False
    if topics is not None and event.topic not in topics:
        return False
    if area is None:
        return True
    region, code = area
    return any(r == region and (not ds or code in ds) for r, ds in event.places)


def _dump(event: Event) -> str:
    return event.text


@router.websocket("/live")
async def live_ws(websocket: WebSocket, district: str | None = None, lat: float | None = None,
                  lon: float | None = None, after: int | None = None, topics: str | None = None) -> None:
    try:
        area = area_filter(websocket.app.state.deps.territory, district, lat, lon)
        wanted = topic_filter(topics)
        trusted, subprotocol = await live_viewer(websocket.app.state.deps, websocket.headers,
                                                 websocket.scope.get("subprotocols"))
    except AirwarnError as exc:
        await websocket.accept()
        await websocket.send_text(json.dumps(exc.to_dict()))
        await websocket.close(code=1008)
        return
    public = not trusted
    await websocket.accept(subprotocol=subprotocol)
    tune_gc()
    metrics.LIVE_CLIENTS.inc()
    room = room_of(websocket.app)
    client = LiveClient(websocket.send_text, lambda event: matches(event, area, wanted, public),
                        frame_writer(websocket.scope))
    room.join(client, after)
    try:
        while not client.closed:  # the room writes; this keeps the connection and notices its end
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        room.leave(client)
        metrics.LIVE_CLIENTS.dec()


@router.get("/live/sse")
async def live_sse(request: Request, district: str | None = None, lat: float | None = None,
                   lon: float | None = None, after: int | None = Query(None, ge=0),
                   topics: Annotated[str | None, Query(max_length=100)] = None) -> StreamingResponse:
    """Server-sent events; the browser's automatic reconnect resumes from `Last-Event-ID`."""
    area = area_filter(request.app.state.deps.territory, district, lat, lon)
    wanted = topic_filter(topics)
    trusted, _ = await live_viewer(request.app.state.deps, request.headers)
    public = not trusted
    header = request.headers.get("last-event-id")
    if header is not None:
        if not header.isdigit():
            raise InvalidInput("Last-Event-ID must be an event id", field="Last-Event-ID")
        after = int(header)
    hub = hub_of(request.app)

    async def stream() -> AsyncIterator[str]:
        tune_gc()
        metrics.LIVE_CLIENTS.inc()
        queue: asyncio.Queue[Event] = asyncio.Queue()

        async def pump() -> None:
            gap = hub.gap(after) if after is not None else None
            if gap is not None:
                queue.put_nowait(gap)
            async for event in hub.listen(after):
                if matches(event, area, wanted, public):
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
