"""The FastAPI application factory: routers, error mapping, limits. Built by bootstrap, never at import."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, cast

from fastapi import FastAPI

from airwarn import __version__
from airwarn.api import (
    alerts,
    audit,
    deliveries,
    detections,
    errors,
    health,
    incidents,
    live,
    measures,
    messages,
    openapi_doc,
    regimes,
    reports,
    shelters,
    subscriptions,
    territory,
    users,
    web,
)
from airwarn.api.headers import SecurityHeaders, header_list
from airwarn.api.limits import BodySizeLimit, Limits, RateLimits
from airwarn.bus import Bus, MemoryBus
from airwarn.lifecycle import run_renewals
from airwarn.redact import mask_secrets, mask_url
from airwarn.service_layer.deps import Deps
from airwarn.settings import Settings, load_settings
from airwarn.shelters.service import ShelterService
from airwarn.territory import live as territory_live
from airwarn.tracks.service import TrackingService, node_partition

log = logging.getLogger("airwarn.api")
#: Share of the SIGTERM budget (`shutdown_timeout_s`) left for the dispatcher and the bus after HTTP drained.
CLEANUP_SHARE = 0.4


def create_app(deps: Deps, *, settings: Settings | None = None) -> FastAPI:
    """The app over `deps`; `settings` configure the dispatcher and limits (default: the environment)."""
    settings = settings or load_settings()
    bus = cast(Bus, deps.events) if hasattr(deps.events, "hub") else None
    if bus is None:  # built without a bus (tests, tools): live stream and use cases share one in memory
        bus = MemoryBus()
        deps.events = bus

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        """Start the bus and (unless AIRWARN_DISPATCH=false) the outbox dispatcher; stop both."""
        await bus.start()
        stop = asyncio.Event()
        runner = None
        warming = asyncio.create_task(_warm(deps, subscribers=settings.dispatch))
        watching = asyncio.create_task(territory_live.watch(deps, stop, _app.state.shelters))
        following = asyncio.create_task(territory_live.follow(deps, bus.hub, _app.state.shelters))
        heads = asyncio.create_task(keeper.run(stop)) if keeper.enabled else None
        ticking = asyncio.create_task(_tick_tracks(tracking, stop))
        feeds = await _start_feeds(tracking, settings)
        if settings.dispatch:
            from airwarn.service_layer.bootstrap import build_dispatcher

            runner = asyncio.create_task(build_dispatcher(settings, deps).run(stop))
        renewals = (asyncio.create_task(run_renewals(deps, stop, every_s=settings.renew_every_s))
                    if settings.renew_every_s > 0 else None)
        try:
            yield
        finally:
            stop.set()
            warming.cancel()
            ticking.cancel()
            for feed in feeds:
                await feed.stop()
            watching.cancel()
            following.cancel()
            if runner is not None:
                await runner
            if heads is not None:
                await heads
            if renewals is not None:
                await renewals
            await bus.stop()

    app = FastAPI(
        lifespan=bounded(lifespan, settings),
        title="airwarn",
        version=__version__,
        description="Public warning for air threats: reports, regimes, CAP 1.2 alerts.",
        openapi_url="/openapi.json",
        docs_url=None,  # served offline by openapi_doc.install (vendored Swagger UI / ReDoc, no CDN)
        redoc_url=None,
    )
    app.state.deps = deps
    app.state.settings = settings
    app.state.bus = bus
    app.state.node = health.NodeState()
    app.state.limits = Limits.from_settings(settings)
    keeper = app.state.audit_heads = audit.HeadKeeper(deps, settings.audit_head_interval_s,
                                                            chain_every_s=settings.audit_chain_every_ms / 1000)
    errors.install(app)
    # loads its graph on first use; a point's warning time is its region's
    app.state.shelters = ShelterService.from_engine(deps.uow.engine, deps.territory)
    tracking = app.state.tracking = TrackingService(deps, partition=node_partition(settings.track_regions))
    tracking.load()
    for module in (reports, regimes, alerts, territory, shelters):
        app.include_router(module.router)
    for delivery_module in (subscriptions, live, deliveries):
        app.include_router(delivery_module.router)
    app.include_router(messages.router)
    app.include_router(incidents.router)
    app.include_router(audit.router)
    app.include_router(detections.router)
    app.include_router(measures.router)
    app.include_router(web.router)
    openapi_doc.install(app)
    app.mount("/static", web.static_files(), name="static")

    app.include_router(health.router)
    app.include_router(users.router)

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes,
                       larger={"/api/v1/detections": detections.DETECTIONS_MAX_BYTES})
    app.add_middleware(RateLimits, limits=app.state.limits)
    app.add_middleware(SecurityHeaders, headers=header_list(settings.public_url))  # outermost: every answer
    return app


def bounded(lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
            settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """`lifespan` with time limits: its start (bus, background tasks) within `startup_timeout_s`, else the
    node fails with the reason; its stop within a share of `shutdown_timeout_s`, else what is left is
    cancelled (claimed deliveries are retried after their lease). Marks the node draining for /readyz."""

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        node: health.NodeState = app.state.node
        node.draining = False
        inner = lifespan(app)
        try:
            await asyncio.wait_for(inner.__aenter__(), settings.startup_timeout_s)
        except Exception as exc:
            reason = "no answer" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
            log.error("cannot start within %g s (bus %s): %s", settings.startup_timeout_s, mask_url(settings.bus),
                      mask_secrets(reason))
            raise
        try:
            yield
        finally:
            node.draining = True
            cleanup_s = settings.shutdown_timeout_s * CLEANUP_SHARE
            try:
                await asyncio.wait_for(inner.__aexit__(None, None, None), cleanup_s)
            except TimeoutError:
                log.warning("background tasks did not stop within %g s; cancelled (claimed deliveries are "
                            "retried after their lease)", cleanup_s)
            except Exception as exc:
                log.warning("stopping: %s", mask_secrets(str(exc) or type(exc).__name__))

    return run


async def _start_feeds(tracking: TrackingService, settings: Settings) -> list[Any]:
    """Detections from NATS JetStream and MQTT, where settings name them."""
    from airwarn.tracks.feeds import MqttDetectionFeed, NatsDetectionFeed

    regions = [r.strip() for r in settings.track_regions.split(",") if r.strip()]
    feeds: list[Any] = []
    if settings.detections_nats:
        feeds.append(NatsDetectionFeed(tracking, settings.detections_nats, regions))
    if settings.detections_mqtt:
        host, _, port = settings.detections_mqtt.partition(":")
        feeds.append(MqttDetectionFeed(tracking, host, int(port or 1883), regions))
    for feed in feeds:
        await feed.start()
    return feeds


async def _tick_tracks(tracking: TrackingService, stop: asyncio.Event, every_s: float = 10.0) -> None:
    """Tracks coast and districts clear with the clock, not only when detections arrive."""
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), every_s)
        except TimeoutError:
            try:
                await asyncio.to_thread(tracking.tick)
            except Exception:  # logged and retried on the next tick; tracking must not stop the node
                log.exception("tracking tick failed")


async def _warm(deps: Deps, *, subscribers: bool) -> None:
    """Load the node's subscriber copy (if it sends: its dispatcher expands fan-out jobs from it) and shape the
    territory's CAP areas in the background, so the first alert does not pay for them."""
    if subscribers:
        from airwarn.delivery.wiring import load_subscribers  # the channels' libraries load with the dispatcher

        await load_subscribers(deps)
    try:
        shaped = await asyncio.to_thread(deps.territory.shape_ahead)
        log.info("shaped %d regions' CAP areas ahead of the first alerts", shaped)
    except Exception:  # each alert shapes its own area instead
        log.exception("shaping the territory's CAP areas at start failed")
