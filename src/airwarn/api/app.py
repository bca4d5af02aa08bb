"""The FastAPI application factory: routers, error mapping, limits. Built by bootstrap, never at import."""

from __future__ import annotations

from fastapi import FastAPI

from airwarn import __version__
from airwarn.api import alerts, errors, regimes, reports, territory, web
from airwarn.api import subscriptions
from airwarn.api.limits import BodySizeLimit
from airwarn.deps import Deps


def create_app(deps: Deps, *, max_body_bytes: int = 1_048_576) -> FastAPI:
    app = FastAPI(
        title="airwarn",
        version=__version__,
        description="Public warning for air threats: reports, regimes, CAP 1.2 alerts.",
        openapi_url="/openapi.json",
    )
    app.state.deps = deps
    errors.install(app)
    for module in (reports, regimes, alerts, territory):
        app.include_router(module.router)
    app.include_router(subscriptions.router)
    app.include_router(web.router)
    app.mount("/static", web.static_files(), name="static")

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    return app
