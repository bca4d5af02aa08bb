"""The OpenAPI document integrators generate clients from: typed 2xx bodies, the real error body, the bearer
scheme, 401/403/404/409/429 where they happen, request examples; and /docs, /redoc served offline."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class Doc(BaseModel):
    """Response shapes as documentation: the fields clients rely on; servers may add more (additive)."""

    model_config = ConfigDict(extra="allow")


class ErrorItem(Doc):
    field: str = Field(description="where: a dotted path into the body, or a query/path parameter")
    message: str


class Error(Doc):
    """Every 4xx/5xx body. `field` names what is wrong; `errors` lists every problem of a 422."""

    error: str = Field(description="a stable code: invalid_input, not_found, unauthenticated, forbidden, conflict, …")
    message: str
    field: str | None = None
    errors: list[ErrorItem] | None = None


class AlertSummary(Doc):
    identifier: str
    msg_type: str = Field(description="CAP msgType: Alert, Update, Cancel")
    status: str = Field(description="CAP status: Actual, Exercise, Test")
    state: str = Field(description="pending_approval, issued, rejected, …")
    severity: str
    headline: str
    region: str = Field(description="ISO 3166-2")
    districts: list[str]
    sent: str = Field(description="ISO 8601 with offset")
    references: list[str]


class AlertInfo(Doc):
    language: str
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    description: str | None = None
    instruction: str | None = None
    area_desc: str | None = None
    effective: str | None = None
    expires: str | None = None


class DeliveryCount(Doc):
    targets: int
    delivered: int


class Alert(Doc):
    identifier: str
    sender: str
    sent: str
    status: str
    msg_type: str
    scope: str
    references: list[str]
    state: str
    region: str
    districts: list[str]
    infos: list[AlertInfo]
    deliveries: DeliveryCount | None = None


class Regime(Doc):
    id: str
    status: str
    kind: str = Field(description="drone_hazard, missile_hazard, airspace_closed, or an air-raid alert per threat: "
                      "air_raid_alert, air_raid_drones, air_raid_ballistic_missiles, air_raid_cruise_missiles, "
                      "air_raid_guided_bombs, air_raid_aircraft")
    region: str
    district: str | None
    declared_at: str
    lifted_at: str | None = None
    state: str | None = Field(None, description="proposed, in_force, ended (operators see proposed ones)")
    pending_alert: str | None = None


class Measure(Doc):
    id: str
    status: str
    kind: str
    region: str
    target: str | None = None
    started_at: str
    ended_at: str | None = None


class Status(Doc):
    status: str
    regimes: list[Regime]
    measures: list[Measure]
    review_queue: int
    alerts: list[AlertSummary]


class Outcome(Doc):
    """What a report, declaration, lift, approval or cancel changed."""

    report_id: str | None = None
    queued: bool = False
    regimes_declared: list[str] = []
    regimes_lifted: list[str] = []
    measures_started: list[str] = []
    measures_ended: list[str] = []
    alerts: list[AlertSummary] = []
    notes: list[str] = []


class Report(Doc):
    id: str
    status: str
    kind: str
    region: str
    districts: list[str]
    time: str
    received_at: str
    certainty: str
    text: str
    review: str | None = None


class Airport(Doc):
    icao: str
    iata: str | None = None
    name_en: str
    name_ru: str | None = None
    region: str
    status: str = Field(description="operating, suspended, resumed")
    since: str | None = None


class AuditRecord(Doc):
    seq: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: str
    data: dict[str, Any]


class AuditCheck(Doc):
    ok: bool
    records: int
    first_bad_seq: int | None = None
    problem: str | None = None
    gaps: list[int] = Field(default_factory=list, description="numbers linked as gaps (rolled back)")
    unlinked: list[int] = Field(default_factory=list, description="committed records not linked yet")


class ShelterRef(Doc):
    id: str
    name: str | None = None
    lat: float
    lon: float
    capacity: int | None = None


class Nearest(Doc):
    shelter: ShelterRef | None
    distance_m: float | None
    walk_s: float | None
    warning_s: float
    reachable: bool
    short_by_m: float | None = None
    short_by_s: float | None = None
    route: dict[str, Any] | None = Field(None, description="GeoJSON LineString")


class Coverage(Doc):
    covered_share: float = Field(ge=0, le=1)
    by_district: dict[str, Any]


class FeatureCollection(Doc):
    type: str
    features: list[dict[str, Any]]


class SubscriptionCreated(Doc):
    id: str
    token: str = Field(description="shown once: keep it to confirm, read or cancel the subscription")
    state: str


class Subscription(Doc):
    id: str
    state: str = Field(description="pending, active, unsubscribed, expired")


class ChannelProgress(Doc):
    targets: int
    delivered: int
    failed: int
    pending: int
    reasons: list[str] = Field(description="why rows wait or failed, e.g. 'not configured (AIRWARN_MQTT_URL)'")


class Deliveries(Doc):
    identifier: str
    targets: int
    delivered: int
    failed: int
    pending: int
    by_channel: dict[str, ChannelProgress]


class MessageResult(Doc):
    received_at: str
    events: list[dict[str, Any]]


class Incident(Doc):
    id: str
    kind: str
    region: str
    certainty: str
    sources: list[dict[str, Any]]


class Me(Doc):
    name: str
    role: str


class WebPushKey(Doc):
    public_key: str


class TrackEta(Doc):
    district: str
    region: str
    name: str = Field(description="the district's English name (data: show it as text)")
    earliest_s: int = Field(description="seconds from now to the earliest arrival (at the track's top speed)")
    latest_s: int = Field(description="seconds from now to the latest first arrival (at its slowest)")
    inside: bool
    due: str = Field(description="what this ETA calls for by the board's thresholds: none, pre_alert, alert")
    level: str = Field(description="what the board has reached for the district: none, pre_alert, alert")


class Track(Doc):
    """A live track (staff only): where it is, how it moves, where it came from and where it can be."""

    id: str
    state: str = Field(description="tentative, confirmed")
    threat_class: str = Field(alias="class", description="shahed, jet_drone, cruise_missile, …")
    lat: float
    lon: float
    speed_mps: float
    heading_deg: float
    position_sd_m: int
    hits: int
    sensors: int
    updated_s: float = Field(description="Unix time of its last detection")
    history: dict[str, Any] = Field(description="GeoJSON LineString: its path over the last minutes, to now")
    corridor: dict[str, Any] | None = Field(None, description="GeoJSON Polygon: where it can be within the "
                                                              "horizon, widening with time (confirmed tracks)")
    etas: list[TrackEta] | None = None


class DistrictOutlook(Doc):
    """A district inside a live corridor: its first-arrival window over all tracks and the tracks behind it."""

    district: str
    region: str
    name: str
    warning_s: int | None
    earliest_s: int
    latest_s: int
    inside: bool
    due: str = Field(description="none, pre_alert or alert: what the window calls for")
    level: str = Field(description="none, pre_alert or alert: what the board has raised")
    tracks: list[str]


class ApproachItem(Doc):
    district: str
    region: str
    kind: str = Field(description="drone_hazard or missile_hazard")
    level: str = Field(description="pre_alert or alert: the warning in force there")
    eta_min: int = Field(description="about this many minutes until the first threat can arrive")


class Approach(Doc):
    """Public: minutes to arrival for districts under an issued (approved) pre-alert or alert, and only
    those; no tracks, sensors or corridors."""

    status: str
    districts: list[ApproachItem]


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
