"""The OpenAPI document integrators generate clients from: typed 2xx bodies, the real error body, the bearer
scheme, 401/403/404/409/429 where they happen, request examples; and /docs, /redoc served offline."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from pydantic import TypeAdapter

from airwarn.api.openapi_models import (
    Airport,
    Alert,
    AlertSummary,
    Approach,
    AuditCheck,
    AuditRecord,
    Coverage,
    Deliveries,
    DistrictOutlook,
    Error,
    FeatureCollection,
    Incident,
    Me,
    Measure,
    MessageResult,
    Nearest,
    Outcome,
    Regime,
    Report,
    Status,
    Subscription,
    SubscriptionCreated,
    Track,
    WebPushKey,
)

#: (method, path) → (status, shape). Paths not listed keep what their route declares.
RESPONSES: dict[tuple[str, str], tuple[str, Any]] = {
    ("post", "/api/v1/reports"): ("201", Outcome),
    ("get", "/api/v1/reports"): ("200", list[Report]),
    ("get", "/api/v1/review"): ("200", list[Report]),
    ("post", "/api/v1/review/{report_id}/confirm"): ("200", Outcome),
    ("post", "/api/v1/review/{report_id}/dismiss"): ("200", Outcome),
    ("get", "/api/v1/regimes"): ("200", list[Regime]),
    ("post", "/api/v1/regimes"): ("201", Outcome),
    ("post", "/api/v1/regimes/{regime_id}/lift"): ("200", Outcome),
    ("post", "/api/v1/plans/activate"): ("201", Outcome),
    ("get", "/api/v1/measures"): ("200", list[Measure]),
    ("post", "/api/v1/measures/{measure_id}/end"): ("200", Outcome),
    ("get", "/api/v1/airports"): ("200", list[Airport]),
    ("get", "/api/v1/alerts"): ("200", list[AlertSummary]),
    ("get", "/api/v1/alerts/{identifier}"): ("200", Alert),
    ("post", "/api/v1/alerts/{identifier}/approve"): ("200", Outcome),
    ("post", "/api/v1/alerts/{identifier}/cancel"): ("200", Outcome),
    ("post", "/api/v1/alerts/{identifier}/reject"): ("200", Outcome),
    ("get", "/api/v1/territory"): ("200", FeatureCollection),
    ("get", "/api/v1/status"): ("200", Status),
    ("get", "/api/v1/audit"): ("200", list[AuditRecord]),
    ("get", "/api/v1/audit/verify"): ("200", AuditCheck),
    ("get", "/api/v1/shelters/nearest"): ("200", Nearest),
    ("get", "/api/v1/shelters/coverage"): ("200", Coverage),
    ("get", "/api/v1/shelters/streets"): ("200", FeatureCollection),
    ("post", "/api/v1/subscriptions"): ("201", SubscriptionCreated),
    ("post", "/api/v1/subscriptions/{sub_id}/confirm"): ("200", Subscription),
    ("post", "/api/v1/subscriptions/{sub_id}/unsubscribe"): ("200", Subscription),
    ("get", "/api/v1/subscriptions/{sub_id}"): ("200", Subscription),
    ("get", "/api/v1/subscriptions/webpush-key"): ("200", WebPushKey),
    ("get", "/api/v1/alerts/{identifier}/deliveries"): ("200", Deliveries),
    ("post", "/api/v1/messages"): ("201", MessageResult),
    ("get", "/api/v1/incidents"): ("200", list[Incident]),
    ("get", "/api/v1/incidents/{incident_id}"): ("200", Incident),
    ("get", "/api/v1/me"): ("200", Me),
    ("get", "/api/v1/tracks"): ("200", list[Track]),
    ("get", "/api/v1/tracks/districts"): ("200", list[DistrictOutlook]),
    ("get", "/api/v1/approach"): ("200", Approach),
}

#: Bodies that are not JSON: their media type, so generators do not expect JSON.
MEDIA: dict[str, str] = {
    "/api/v1/alerts.atom": "application/atom+xml", "/api/v1/authority.pem": "application/x-pem-file",
    "/api/v1/alerts/{identifier}.xml": "application/cap+xml",
    "/api/v1/alerts/{identifier}/preview.xml": "application/xml",
    "/api/v1/live/sse": "text/event-stream",
}

EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/api/v1/reports"): {
        "official_interception": {"summary": "A governor's report: drones intercepted", "value": {
            "kind": "interception", "region": "RU-ROS", "districts": ["Millerovsky", "Chertkovsky"],
            "count": {"value": 10, "qualifier": "more_than"}, "time": "2026-11-24T00:20:00+03:00",
            "source": {"type": "official", "name": "Governor of Rostov Region"}, "certainty": "Observed",
            "casualties": 0, "damage": False, "text": "Drones were destroyed over Millerovsky district."}},
        "witness_explosions": {"summary": "Residents hear explosions (goes to the review queue)", "value": {
            "kind": "explosion", "region": "RU-VGG", "districts": ["Alekseyevsky"],
            "count": {"value": 8, "qualifier": "at_least"},
            "source": {"type": "witness", "name": "residents"}, "text": "At least 8 explosions heard."}},
    },
    ("post", "/api/v1/messages"): {
        "governor_ru": {"summary": "An official post in Russian", "value": {
            "text": "Над Миллеровским районом уничтожены беспилотники. Пострадавших нет.",
            "source": {"type": "official", "name": "Губернатор Ростовской области"}}},
        "media_en": {"summary": "An unconfirmed media claim (held for review)", "value": {
            "text": "More than 10 drones may have been en route to Saratov, Mash reports.",
            "source": {"type": "media", "name": "Mash"}}},
    },
    ("post", "/api/v1/regimes"): {
        "districts": {"summary": "Drone hazard in two districts", "value": {
            "kind": "drone_hazard", "region": "RU-SAR", "districts": ["Engelssky", "Saratovsky"],
            "reason": "radar: drones heading to Engels"}},
    },
}

RESPONSE_EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/api/v1/reports"): {
        "declared": {"summary": "An official report declared a regime and composed an alert", "value": {
            "report_id": "rep-f4accf6e46f14859a685", "incident_id": "inc-739dd3ab6f0449daa8ff", "queued": False,
            "regimes_declared": ["reg-378655ab242a43a0a9a4"], "regimes_lifted": [], "measures_started": [],
            "measures_ended": [], "notes": [], "alerts": [{
                "identifier": "airwarn-0ba8fe76546746458514385943c35545", "msg_type": "Alert", "status": "Actual",
                "state": "pending_approval", "severity": "Severe", "headline": "Drone hazard: Millerovsky district, "
                "Rostov Region", "region": "RU-ROS", "districts": ["RU-ROS-MILLEROVSKY"],
                "sent": "2026-11-24T00:20:05+03:00", "references": []}]}},
        "queued": {"summary": "A witness claim held for review", "value": {
            "report_id": "rep-fb71ea8a31054d28b1c0", "incident_id": "inc-739dd3ab6f0449daa8ff", "queued": True,
            "regimes_declared": [], "regimes_lifted": [], "measures_started": [], "measures_ended": [],
            "alerts": [], "notes": ["witness claim with certainty Possible: held for review"]}},
    },
    ("post", "/api/v1/messages"): {
        "one_event": {"summary": "One event read from the text and what the pipeline did with it", "value": {
            "received_at": "2026-11-24T00:52:00+03:00", "events": [{
                "event": {"kind": "drones_en_route", "region": "RU-SAR", "certainty": "Possible",
                          "source": {"type": "media", "name": "Mash"}},
                "outcome": {"report_id": "rep-1", "queued": True, "alerts": [],
                            "notes": ["media claim: held for review"]}}]}},
    },
}


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI keeps those as lazy wrappers)."""
    out: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            out.append(route)
        inner = getattr(getattr(route, "original_router", None), "routes", None)
        if inner:
            out.extend(_api_routes(list(inner)))
    return out


def _needs_token(route: APIRoute) -> bool:
    """Whether a route depends on the signed-in user (a role check or current_user)."""
    from airwarn.api import auth

    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        call = dep.call
        if call is auth.current_user or (getattr(call, "__qualname__", "").startswith("role.")):
            return True
        stack.extend(dep.dependencies)
    return False


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def build(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, then typed bodies, the error model, security and examples laid over it."""
    from fastapi.openapi.utils import get_openapi

    spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    comps = spec.setdefault("components", {})
    schemas = comps.setdefault("schemas", {})
    comps["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "a token from `airwarn users add NAME --role …`"}}
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for shape in [Error, *{s for _, s in RESPONSES.values()}]:
        doc = TypeAdapter(shape).json_schema(ref_template="#/components/schemas/{model}")
        for sub, body in doc.pop("$defs", {}).items():
            schemas[sub] = body
        if isinstance(shape, type):
            schemas[shape.__name__] = doc
    protected = {(m.lower(), r.path) for r in _api_routes(list(app.router.routes)) if _needs_token(r)
                 for m in (r.methods or ())}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            responses = op.setdefault("responses", {})
            if (method, path) in RESPONSES:
                code, shape = RESPONSES[(method, path)]
                schema = (_ref(shape.__name__) if isinstance(shape, type)
                          else {"type": "array", "items": _ref(shape.__args__[0].__name__)})
                for other in [c for c in responses if c.startswith("2") and c != code]:
                    responses.pop(other)
                responses[code] = {"description": responses.get(code, {}).get("description", "OK"),
                                   "content": {"application/json": {"schema": schema}}}
            elif path in MEDIA:
                ok = next((c for c in responses if c.startswith("2")), "200")
                responses[ok] = {"description": "OK", "content": {MEDIA[path]: {"schema": {"type": "string"}}}}
            if op.get("parameters") or op.get("requestBody"):
                responses["422"] = _error("Invalid input: `field` names what is wrong and where")
            if (method, path) in protected:
                op["security"] = [{"bearer": []}]
                responses["401"] = _error("No token, or a token that is unknown or revoked")
                responses["403"] = _error("The token's role may not do this")
            if "{" in path:
                responses["404"] = _error("No such item")
            if method == "post" and "{" in path:
                responses["409"] = _error("Not in a state that allows this (e.g. already issued, lifted or cancelled)")
            if method == "post":
                responses["429"] = _error("Too many requests: retry after the Retry-After header's seconds")
            if (method, path) in RESPONSE_EXAMPLES:
                code = RESPONSES[(method, path)][0]
                responses[code]["content"]["application/json"]["examples"] = RESPONSE_EXAMPLES[(method, path)]
            if (method, path) in EXAMPLES and "requestBody" in op:
                op["requestBody"]["content"]["application/json"]["examples"] = EXAMPLES[(method, path)]
    return spec


#: The docs pages' own policy: scripts only from this node as everywhere, but Swagger UI and ReDoc set
#: inline styles (and ReDoc searches in a blob worker), which the pages for residents never need.
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; "
            "base-uri 'none'; frame-ancestors 'none'")


def _docs_page(title: str, script: str, css: str | None) -> HTMLResponse:
    """A docs page from vendored files and an external start script: no CDN, no inline script (CSP)."""
    style = f'<link rel="stylesheet" href="/static/vendor/{css}">' if css else ""
    html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">{style}</head>'
            f'<body><main id="docs" data-spec="/openapi.json"></main>'
            f'<script src="/static/vendor/{script}"></script><script src="/static/js/docs.js"></script></body></html>')
    return HTMLResponse(html, headers={"Content-Security-Policy": DOCS_CSP})


def install(app: FastAPI) -> None:
    """Serve the typed document at /openapi.json and the docs at /docs (Swagger UI) and /redoc, offline."""
    cached: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if "spec" not in cached:
            cached["spec"] = build(app)
        spec: dict[str, Any] = cached["spec"]
        return spec

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return _docs_page("airwarn API", "swagger-ui/swagger-ui-bundle.js", "swagger-ui/swagger-ui.css")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _docs_page("airwarn API (ReDoc)", "redoc/redoc.standalone.js", None)
