"""The shapes the OpenAPI document names for each answer: typed models of what the routes return (documentation
only; the routes build their own answers, and a test checks real answers against these)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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
