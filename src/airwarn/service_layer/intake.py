"""Turns a report draft from any edge (API, CLI, extractor) into a validated, territory-resolved Report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from airwarn.domain.air_raid import AIR_RAID_BY_THREAT, air_raid_kind, is_air_raid
from airwarn.domain.reports import (
    Certainty,
    Count,
    Qualifier,
    RegimeKind,
    Report,
    ReportKind,
    Source,
    SourceType,
    Status,
)
from airwarn.domain.territory import Territory
from airwarn.errors import InvalidInput


@dataclass
class ReportDraft:
    """A report as an edge received it: names may be free text, enums are plain strings."""

    kind: str
    region: str
    source_type: str
    time: datetime | None = None
    districts: list[str] = field(default_factory=list)
    point: tuple[float, float] | None = None
    count_value: int | None = None
    count_qualifier: str = "exact"
    source_name: str | None = None
    certainty: str | None = None
    casualties: int | None = None
    damage: bool | None = None
    regime: str | None = None
    plan: str | None = None
    airport: str | None = None
    text: str = ""
    status: str = "Actual"
    place: str | None = None  # a town named in the message: targets its district when none is named
    threat: str | None = None  # what an air-raid alert is about: drones, ballistic_missiles, … (alert kinds only)


def _enum(cls: type, value: str, field_name: str):  # type: ignore[no-untyped-def]
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)  # type: ignore[attr-defined]
        raise InvalidInput(f"{value!r} is not one of: {allowed}", field=field_name) from None


#: Certainty assumed when a source does not say: officials and sensors observe, others are hearsay.
DEFAULT_CERTAINTY = {
    SourceType.OFFICIAL: Certainty.OBSERVED,
    SourceType.SENSOR: Certainty.OBSERVED,
    SourceType.WITNESS: Certainty.POSSIBLE,
    SourceType.MEDIA: Certainty.POSSIBLE,
}


def _air_raid_regime(kind: ReportKind, threat: str | None, regime: RegimeKind | None) -> RegimeKind | None:
    """The air-raid regime an alert report is about: its threat's, the one it names, or (declared with neither)
    `air_raid_alert`; an all-clear that names no threat is None: it ends every air-raid alert of its area."""
    if regime is not None and not is_air_raid(regime):
        raise InvalidInput(f"an {kind.value} report is about an air-raid alert, not {regime.value}: "
                           "give its threat instead", field="regime")
    if threat is not None:
        try:
            by_threat = air_raid_kind(threat)
        except ValueError:
            raise InvalidInput(f"{threat!r} is not one of: {', '.join(AIR_RAID_BY_THREAT)}", field="threat") from None
        if regime is not None and regime is not by_threat:
            raise InvalidInput(f"threat {threat} and regime {regime.value} disagree", field="threat")
        return by_threat
    if regime is None and kind is ReportKind.ALERT_DECLARED:
        return air_raid_kind(None)
    return regime


def resolve(
    draft: ReportDraft,
    territory: Territory,
    *,
    now: datetime,
    reported_by: str,
    future_tolerance: timedelta = timedelta(minutes=5),
    report_id: str | None = None,
) -> Report:
    """Validate every field against the territory; the first problem raises InvalidInput naming it."""
    kind = _enum(ReportKind, draft.kind, "kind")
    source_type = _enum(SourceType, draft.source_type, "source.type")
    status = _enum(Status, draft.status, "status")
    certainty = (
        _enum(Certainty, draft.certainty, "certainty") if draft.certainty else DEFAULT_CERTAINTY[source_type]
    )
    region = territory.region(draft.region)
    if region is None:
        raise InvalidInput(f"unknown region {draft.region!r} (use an ISO 3166-2 code such as RU-ROS)",
                           field="region")
    districts: list[str] = []
    for i, name in enumerate(draft.districts):
        district = territory.district(region.code, name)
        if district is None:
            raise InvalidInput(f"no district {name!r} in {region.name_en}", field=f"districts[{i}]")
        if district.code not in districts:
            districts.append(district.code)
    if not districts and draft.place:  # "drones over Millerovo": the town's district
        towns = {p.district for p in territory.settlements(draft.place, region.code) if p.district}
        if len(towns) == 1:
            districts.append(towns.pop())
    if draft.point is not None:
        lat, lon = draft.point
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidInput("point must be lat in [-90, 90], lon in [-180, 180]", field="point")
    time = draft.time or now
    if time.tzinfo is None:
        time = time.replace(tzinfo=ZoneInfo(region.timezone))
    if time - now > future_tolerance:
        raise InvalidInput(
            f"time {time.isoformat()} is in the future (more than {future_tolerance} ahead)", field="time"
        )
    regime = _enum(RegimeKind, draft.regime, "regime") if draft.regime else None
    if kind in (ReportKind.REGIME_DECLARED,) and regime is None:
        raise InvalidInput("a regime_declared report must name the regime", field="regime")
    if kind in (ReportKind.ALERT_DECLARED, ReportKind.ALERT_LIFTED):
        regime = _air_raid_regime(kind, draft.threat, regime)
    elif draft.threat is not None:
        raise InvalidInput("threat is for alert_declared and alert_lifted reports (an air-raid alert's threat)",
                           field="threat")
    plan = draft.plan
    if kind is ReportKind.PLAN_ACTIVATED:
        found = region.plan(plan or "")
        if found is None:
            known = ", ".join(p.name for p in region.plans) or "none"
            raise InvalidInput(f"no plan {plan!r} in {region.name_en} (known: {known})", field="plan")
        plan = found.name
    airport = None
    if draft.airport:
        match = next(
            (a for a in territory.airports.values()
             if draft.airport.upper() in {a.icao, (a.iata or "").upper()}
             or draft.airport.casefold() in {n.casefold() for n in (a.name_en, a.name_ru, *a.aliases)}),
            None,
        )
        if match is None:
            raise InvalidInput(f"unknown airport {draft.airport!r}", field="airport")
        if match.region != region.code:
            raise InvalidInput(f"airport {match.icao} is not in {region.code}", field="airport")
        airport = match.icao
    elif kind in (ReportKind.AIRPORT_SUSPENDED, ReportKind.AIRPORT_RESUMED) and not territory.airports_of(
        region.code
    ):
        raise InvalidInput(f"{region.name_en} has no known airport", field="airport")
    count = None
    if draft.count_value is not None:
        if draft.count_value < 0:
            raise InvalidInput("count must not be negative", field="count.value")
        count = Count(draft.count_value, _enum(Qualifier, draft.count_qualifier, "count.qualifier"))
    if draft.casualties is not None and draft.casualties < 0:
        raise InvalidInput("casualties must not be negative", field="casualties")
    return Report(
        id=report_id or "rep-" + uuid.uuid4().hex[:20],
        kind=kind,
        region=region.code,
        time=time,
        source=Source(source_type, draft.source_name),
        certainty=certainty,
        received_at=now,
        districts=tuple(districts),
        point=draft.point,
        count=count,
        casualties=draft.casualties,
        damage=draft.damage,
        regime=regime,
        plan=plan,
        airport=airport,
        text=draft.text,
        status=status,
        reported_by=reported_by,
    )
