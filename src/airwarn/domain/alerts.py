"""Alerts in CAP 1.2's vocabulary, and how they are composed from regime changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from airwarn.domain.alerts_uk import with_ukrainian
from airwarn.domain.cap_vocabulary import MsgType, Severity, Urgency
from airwarn.domain.regimes import Regime
from airwarn.domain.reports import Certainty, Status
from airwarn.domain.territory import Airport, Rings, Territory
from airwarn.domain.threat_texts import THREAT_TEXTS

__all__ = ["Alert", "AlertState", "Area", "Info", "MsgType", "Reference", "Severity", "Urgency"]


class AlertState(StrEnum):
    PENDING_APPROVAL = "pending_approval"  # two-person rule: waits for a second person
    ISSUED = "issued"
    WITHDRAWN = "withdrawn"  # never issued: its reason went away before approval
    REJECTED = "rejected"  # never issued: an approver refused it, with a reason


@dataclass(frozen=True)
class Reference:
    """CAP reference: sender,identifier,sent of an earlier message."""

    sender: str
    identifier: str
    sent: datetime


@dataclass(frozen=True)
class Area:
    polygons: Rings = ()
    geocodes: tuple[tuple[str, str], ...] = ()  # (valueName, value)


@dataclass(frozen=True)
class Info:
    """One CAP <info> block, one per language."""

    language: str  # RFC 3066, e.g. en-US, ru-RU
    event: str
    urgency: Urgency
    severity: Severity
    certainty: Certainty
    headline: str
    description: str
    area_desc: str
    categories: tuple[str, ...] = ("Safety",)
    response_types: tuple[str, ...] = ()
    instruction: str = ""
    sender_name: str = ""
    effective: datetime | None = None
    expires: datetime | None = None
    event_codes: tuple[tuple[str, str], ...] = ()
    parameters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Alert:
    """A CAP 1.2 alert message and its lifecycle in airwarn."""

    identifier: str
    sender: str
    sent: datetime
    status: Status
    msg_type: MsgType
    infos: tuple[Info, ...]
    area: Area
    region: str
    districts: tuple[str, ...] = ()
    scope: str = "Public"
    references: tuple[Reference, ...] = ()
    note: str = ""
    state: AlertState = AlertState.ISSUED
    created_by: str = "system"
    approved_by: str | None = None
    regime_ids: tuple[str, ...] = ()
    report_id: str | None = None
    authors: tuple[str, ...] = ()  # every person whose report or action caused it; none may approve it

    @property
    def people(self) -> frozenset[str]:
        """Who caused this message (its creator and every author): the two-person rule excludes them all."""
        return frozenset({*self.authors, self.created_by})

    @property
    def regime_kind(self) -> str | None:
        """The regime kind a regime alert announces (its `airwarn:regime` event code), else None."""
        for info in self.infos[:1]:
            for name, value in info.event_codes:
                if name == "airwarn:regime":
                    return value
        return None

    @property
    def severity(self) -> Severity:
        return self.infos[0].severity if self.infos else Severity.UNKNOWN

    @property
    def headline(self) -> str:
        return self.infos[0].headline if self.infos else ""

    def as_reference(self) -> Reference:
        return Reference(self.sender, self.identifier, self.sent)

    def approved(self, by: str) -> Alert:
        return replace(self, state=AlertState.ISSUED, approved_by=by)


@dataclass(frozen=True)
class Authority:
    """Who signs the messages: CAP sender and the human-readable sender name per language."""

    sender: str = "airwarn@authority.example"
    name_en: str = "Emergency Warning Authority"
    name_ru: str = "Служба оповещения"
    web: str = ""


@dataclass(frozen=True)
class Circumstances:
    """What the triggering report says, for the alert's description."""

    source_en: str = ""
    source_ru: str = ""
    details_en: str = ""
    details_ru: str = ""
    extra_instruction_en: str = ""
    extra_instruction_ru: str = ""


def area_names(territory: Territory, region: str, districts: Sequence[str]) -> tuple[str, str]:
    """Human area description in English and Russian, e.g. 'Millerovsky, Chertkovsky districts, Rostov Region'."""
    reg = territory.regions[region]
    if not districts:
        return reg.name_en, reg.name_ru
    en = ", ".join(territory.districts[d].name_en for d in districts)
    ru = ", ".join(territory.districts[d].name_ru for d in districts)
    unit_en = "district" if len(districts) == 1 else "districts"
    unit_ru = "район" if len(districts) == 1 else "районы"
    return f"{en} {unit_en}, {reg.name_en}", f"{ru} {unit_ru}, {reg.name_ru}"


def area_for(territory: Territory, region: str, districts: Sequence[str]) -> Area:
    geocodes: list[tuple[str, str]] = [("ISO3166-2", region)]
    geocodes += [("airwarn:district", d) for d in districts]
    return Area(polygons=territory.area_rings(region, districts), geocodes=tuple(geocodes))


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def compose_regime_alert(
    *,
    identifier: str,
    authority: Authority,
    sent: datetime,
    territory: Territory,
    regimes: Sequence[Regime],
    certainty: Certainty,
    circumstances: Circumstances = Circumstances(),
    created_by: str = "system",
    report_id: str | None = None,
) -> Alert:
    """One alert for regimes of one kind declared together in one region."""
    kind, region, status = regimes[0].kind, regimes[0].region, regimes[0].status
    if any(r.kind != kind or r.region != region for r in regimes):
        raise ValueError("one alert covers regimes of one kind in one region")
    districts = tuple(r.district for r in regimes if r.district is not None)
    if any(r.district is None for r in regimes):
        districts = ()
    text = THREAT_TEXTS[kind]
    where_en, where_ru = area_names(territory, region, districts)
    at = min(r.declared_at for r in regimes)
    common = {
        "categories": text.categories,
        "response_types": (text.response,),
        "urgency": text.urgency,
        "severity": text.severity,
        "certainty": certainty,
        "effective": at,
        "event_codes": (("airwarn:regime", kind.value),),
        "parameters": (("airwarn:regime", kind.value),),
    }
    infos = (
        Info(
            language="en-US",
            event=text.event_en,
            headline=f"{text.event_en}: {where_en}",
            description=_join(
                f"{text.event_en} declared for {where_en} at {at:%H:%M %Z}.".replace(" .", "."),
                circumstances.source_en,
                circumstances.details_en,
            ),
            instruction=_join(text.instruction_en, circumstances.extra_instruction_en),
            area_desc=where_en,
            sender_name=authority.name_en,
            **common,  # type: ignore[arg-type]
        ),
        Info(
            language="ru-RU",
            event=text.event_ru,
            headline=f"{text.event_ru}: {where_ru}",
            description=_join(
                f"{text.event_ru} объявлена: {where_ru}, {at:%H:%M}.",
                circumstances.source_ru,
                circumstances.details_ru,
            ),
            instruction=_join(text.instruction_ru, circumstances.extra_instruction_ru),
            area_desc=where_ru,
            sender_name=authority.name_ru,
            **common,  # type: ignore[arg-type]
        ),
    )
    return with_ukrainian(Alert(  # uk-UA <info> when the area is Ukrainian
        identifier=identifier,
        sender=authority.sender,
        sent=sent,
        status=status,
        msg_type=MsgType.ALERT,
        infos=infos,
        area=area_for(territory, region, districts),
        region=region,
        districts=districts,
        created_by=created_by,
        regime_ids=tuple(r.id for r in regimes),
        report_id=report_id,
    ))


def compose_all_clear(
    *, identifier: str, original: Alert, sent: datetime, created_by: str, reason: str = ""
) -> Alert:
    """The all-clear: an Update that references the original, response AllClear, urgency Past."""
    infos = tuple(
        replace(
            info,
            headline=("All clear: " if info.language.startswith("en") else "Отбой: ") + info.area_desc,
            description=_join(
                (f"{info.event} is over for {info.area_desc}."
                 if info.language.startswith("en") else f"{info.event}: отбой. {info.area_desc}."),
                reason,
            ),
            instruction=("You may leave the shelter." if info.language.startswith("en")
                         else "Можно покинуть укрытие."),
            urgency=Urgency.PAST,
            severity=Severity.MINOR,
            certainty=Certainty.OBSERVED,
            response_types=("AllClear",),
            effective=sent,
        )
        for info in original.infos
    )
    return _follow_up(original, identifier, sent, MsgType.UPDATE, infos, created_by, note="")


def compose_cancel(
    *, identifier: str, original: Alert, sent: datetime, created_by: str, note: str
) -> Alert:
    """A Cancel (e.g. a false alarm): references the original and keeps its area so receivers can match it."""
    infos = tuple(
        replace(
            info,
            headline=("Cancelled: " if info.language.startswith("en") else "Отмена: ") + info.headline,
            description=note or info.description,
            instruction=("The earlier alert was a false alarm. No action is needed."
                         if info.language.startswith("en")
                         else "Предыдущее оповещение было ложным. Никаких действий не требуется."),
            urgency=Urgency.PAST,
            severity=Severity.MINOR,
            response_types=("AllClear",),
            effective=sent,
        )
        for info in original.infos
    )
    return _follow_up(original, identifier, sent, MsgType.CANCEL, infos, created_by, note=note)


def _follow_up(
    original: Alert, identifier: str, sent: datetime, msg_type: MsgType, infos: tuple[Info, ...],
    created_by: str, *, note: str,
) -> Alert:
    """A message that ends `original` (all-clear or cancel): same area and audience, referencing it."""
    return with_ukrainian(replace(
        original,
        identifier=identifier,
        sent=sent,
        msg_type=msg_type,
        infos=infos,
        references=(original.as_reference(),),
        note=note,
        state=AlertState.ISSUED,
        created_by=created_by,
        approved_by=None,
    ))


def compose_airport_notice(
    *,
    identifier: str,
    authority: Authority,
    sent: datetime,
    territory: Territory,
    airport: Airport,
    suspended: bool,
    at: datetime,
    status: Status,
    created_by: str = "system",
    report_id: str | None = None,
) -> Alert:
    """A Minor transport notice that an airport suspended or resumed operations."""
    verb_en = "suspended all operations" if suspended else "resumed operations"
    verb_ru = "приостановил работу" if suspended else "возобновил работу"
    name_ru = airport.name_ru or airport.name_en
    common = {
        "categories": ("Transport",),
        "response_types": ("Monitor",) if suspended else ("None",),
        "urgency": Urgency.IMMEDIATE if suspended else Urgency.PAST,
        "severity": Severity.MINOR,
        "certainty": Certainty.OBSERVED,
        "effective": at,
        "event_codes": (("airwarn:airport", airport.icao),),
        "parameters": (("airwarn:airport_status", "suspended" if suspended else "operating"),),
    }
    region = territory.regions[airport.region]
    infos = (
        Info(
            language="en-US",
            event="Airport suspended" if suspended else "Airport resumed",
            headline=f"{airport.name_en} ({airport.icao}) {verb_en} at {at:%H:%M}",
            description=f"{airport.name_en} ({airport.icao}), {region.name_en}, {verb_en} at {at:%H:%M}.",
            instruction="Check with your airline before travelling." if suspended else "",
            area_desc=f"{airport.name_en}, {region.name_en}",
            sender_name=authority.name_en,
            **common,  # type: ignore[arg-type]
        ),
        Info(
            language="ru-RU",
            event="Аэропорт закрыт" if suspended else "Аэропорт открыт",
            headline=f"{name_ru} ({airport.icao}) {verb_ru} в {at:%H:%M}",
            description=f"{name_ru} ({airport.icao}), {region.name_ru}, {verb_ru} в {at:%H:%M}.",
            instruction="Уточните информацию у авиакомпании." if suspended else "",
            area_desc=f"{name_ru}, {region.name_ru}",
            sender_name=authority.name_ru,
            **common,  # type: ignore[arg-type]
        ),
    )
    district = territory.locate(airport.lat, airport.lon)
    districts = (district.code,) if district else ()
    return with_ukrainian(Alert(
        identifier=identifier,
        sender=authority.sender,
        sent=sent,
        status=status,
        msg_type=MsgType.ALERT,
        infos=infos,
        area=area_for(territory, airport.region, districts),
        region=airport.region,
        districts=districts,
        created_by=created_by,
        report_id=report_id,
    ))


@dataclass(frozen=True)
class ApprovalPolicy:
    """Two-person rule: every public act at or above `min_severity` (issue, update, cancel, all-clear;
    Actual or Exercise) needs a second person. A follow-up weighs as much as the message it changes.

    `sensor_solo` names the regime kinds (e.g. missile_hazard) whose alerts a sensor account may issue
    alone when no time is left for a second person; empty (the default) means none."""

    min_severity: Severity = Severity.SEVERE
    sensor_solo: frozenset[str] = frozenset()

    def weight(self, alert: Alert, referenced: Sequence[Alert] = ()) -> Severity:
        """The severity that counts: the alert's own, or the highest of the messages it references."""
        return max((alert.severity, *(a.severity for a in referenced)), key=lambda s: s.rank)

    def needs_approval(self, alert: Alert, referenced: Sequence[Alert] = ()) -> bool:
        """Test messages (opted-in receivers only) are exempt; Actual and Exercise are not."""
        return alert.status is not Status.TEST and self.weight(alert, referenced).rank >= self.min_severity.rank

    def sensor_may_issue_alone(self, alert: Alert) -> bool:
        """Whether the per-threat sensor policy lets this (new, regime) alert go out without a second person."""
        return alert.msg_type is MsgType.ALERT and alert.regime_kind in self.sensor_solo
