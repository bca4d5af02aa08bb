"""The FastAPI application factory: routers, error mapping, limits. Built by bootstrap, never at import."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

from fastapi import FastAPI

from airwarn import __version__
from airwarn.api import (
    alerts,
    audit,
    deliveries,
    errors,
    incidents,
    live,
    messages,
    regimes,
    reports,
    shelters,
    subscriptions,
    territory,
    web,
)
from airwarn.api.limits import BodySizeLimit
from airwarn.bus import Bus, MemoryBus
from airwarn.delivery.fanout import ChannelFanout
from airwarn.deps import Deps
from airwarn.settings import Settings, load_settings
from airwarn.shelters.service import ShelterService

log = logging.getLogger("airwarn.api")


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
        warming = asyncio.create_task(_warm(deps))
        heads = asyncio.create_task(keeper.run(stop)) if keeper.enabled else None
        if settings.dispatch:
            from airwarn.bootstrap import build_dispatcher

            runner = asyncio.create_task(build_dispatcher(settings, deps).run(stop))
        try:
            yield
        finally:
            stop.set()
            warming.cancel()
            if runner is not None:
                await runner
            if heads is not None:
                await heads
            await bus.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="airwarn",
        version=__version__,
        description="Public warning for air threats: reports, regimes, CAP 1.2 alerts.",
        openapi_url="/openapi.json",
    )
    app.state.deps = deps
    app.state.settings = settings
    app.state.bus = bus
    keeper = app.state.audit_heads = audit.HeadKeeper(deps, settings.audit_head_interval_s)
    errors.install(app)
    # loads its graph on first use; a point's warning time is its region's
    app.state.shelters = ShelterService.from_engine(deps.uow.engine, deps.territory)
    for module in (reports, regimes, alerts, territory, shelters):
        app.include_router(module.router)
    for delivery_module in (subscriptions, live, deliveries):
        app.include_router(delivery_module.router)
    app.include_router(messages.router)
    app.include_router(incidents.router)
    app.include_router(audit.router)
    app.include_router(web.router)
    app.mount("/static", web.static_files(), name="static")

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app


async def _warm(deps: Deps) -> None:
    """Load the node's subscriber copy in the background, so the first alert does not pay for it."""
    if isinstance(deps.fanout, ChannelFanout):
        try:
            await asyncio.to_thread(deps.fanout.warm, deps.uow)
        except Exception:  # the first alert loads it instead, inside its transaction
            log.exception("loading the subscribers at start failed")
