"""Composing CAP alerts from regime changes: the alert, its update and renewal, the all-clear, the cancel and
the airport notice, with areas named and shaped for receivers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from airwarn.domain.air_raid import threat_of
from airwarn.domain.alerts import Alert, AlertState, Area, Authority, Circumstances, Info
from airwarn.domain.alerts_uk import with_ukrainian
from airwarn.domain.cap_vocabulary import MsgType, Severity, Urgency
from airwarn.domain.regimes import Level, Regime
from airwarn.domain.reports import Certainty, RegimeKind, Status
from airwarn.domain.territory import Airport, Territory
from airwarn.domain.threat_texts import STILL_IN_FORCE, still_in_force_instruction, threat_text


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
    """The alert area: merged, receiver-ready polygons per <area>, the warning time and the territory version."""
    geocodes: list[tuple[str, str]] = [("ISO3166-2", region)]
    geocodes += [("airwarn:district", d) for d in districts]
    shaped, fit = territory.cap_area(region, districts)
    parts = []
    for part in shaped:
        names = area_names(territory, region, part.districts if districts else ())
        parts.append(replace(part, names=(("en", names[0]), ("ru", names[1]))))
    return Area(
        polygons=tuple(ring for part in parts for ring in part.polygons),
        geocodes=tuple(geocodes),
        warning_s=territory.warning_s_for(region, districts),
        parts=tuple(parts),
        fit=fit,
        territory_version=territory.version,
    )


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
    expires: datetime | None = None,
    effective: datetime | None = None,
) -> Alert:
    """One alert for regimes of one kind and level declared together in one region; `effective` defaults to
    the earliest declaration (an escalated pre-alert passes the time it was raised: the countdown starts then).

    A pre-alert (the threat approaching) has its own wording, urgency Expected and `airwarn:level`
    `pre_alert`; the alert says the threat is present."""
    kind, region, status, level = regimes[0].kind, regimes[0].region, regimes[0].status, regimes[0].level
    if any(r.kind != kind or r.region != region or r.level != level for r in regimes):
        raise ValueError("one alert covers regimes of one kind and level in one region")
    districts = tuple(dict.fromkeys(r.district for r in regimes if r.district is not None))
    if any(r.district is None for r in regimes):
        districts = ()
    pre = level is Level.PRE_ALERT
    text = threat_text(kind, pre)
    where_en, where_ru = area_names(territory, region, districts)
    at = effective or min(r.declared_at for r in regimes)
    common = {
        "categories": text.categories,
        "response_types": (text.response,),
        "urgency": text.urgency,
        "severity": text.severity,
        "certainty": certainty,
        "effective": at,
        "expires": expires,
        "event_codes": (("airwarn:regime", kind.value),),
        "parameters": (("airwarn:regime", kind.value), ("airwarn:level", level.value),
                       *((("airwarn:threat", t),) if (t := threat_of(kind)) else ())),  # an air-raid alert's threat
    }
    said_en = (f"{text.event_en} for {where_en} from {at:%H:%M %Z}: the threat is heading toward the area."
               if pre else f"{text.event_en} declared for {where_en} at {at:%H:%M %Z}.")
    said_ru = (f"{text.event_ru}: {where_ru}, с {at:%H:%M}. Угроза приближается."
               if pre else f"{text.event_ru} объявлена: {where_ru}, {at:%H:%M}.")
    infos = (
        Info(
            language="en-US",
            event=text.event_en,
            headline=f"{text.event_en}: {where_en}",
            description=_join(
                said_en.replace(" .", ".").replace(" :", ":"),
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
                said_ru,
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
    *, identifier: str, original: Alert, sent: datetime, created_by: str, reason: str = "",
    expires: datetime | None = None, still_in_force: Sequence[RegimeKind] = (),
) -> Alert:
    """The all-clear: an Update that references the original, response AllClear, urgency Past.

    `still_in_force`: shelter regimes that stay in force in its area (another threat): the all-clear names
    them instead of telling people they may leave the shelter."""
    kept = ((STILL_IN_FORCE, ",".join(k.value for k in still_in_force)),) if still_in_force else ()
    infos = tuple(
        replace(
            info,
            headline=("All clear: " if info.language.startswith("en") else "Отбой: ") + info.area_desc,
            description=_join(
                (f"{info.event} is over for {info.area_desc}."
                 if info.language.startswith("en") else f"{info.event}: отбой. {info.area_desc}."),
                reason,
            ),
            instruction=still_in_force_instruction(still_in_force, info.language.startswith("en")),
            urgency=Urgency.PAST,
            severity=Severity.MINOR,
            certainty=Certainty.OBSERVED,
            response_types=("AllClear",),
            parameters=(*_cleared(info.parameters), *kept),
            effective=sent,
            expires=expires,
        )
        for info in original.infos
    )
    return _follow_up(original, identifier, sent, MsgType.UPDATE, infos, created_by, note="")


def compose_cancel(
    *, identifier: str, original: Alert, sent: datetime, created_by: str, note: str,
    expires: datetime | None = None,
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
            parameters=_cleared(info.parameters),
            effective=sent,
            expires=expires if expires is not None else info.expires,
        )
        for info in original.infos
    )
    return _follow_up(original, identifier, sent, MsgType.CANCEL, infos, created_by, note=note)


def as_update(alert: Alert, original: Alert) -> Alert:
    """`alert` sent as an Update of `original` (the same threat, its area grown or its level raised):
    receivers replace the earlier message instead of showing two unrelated ones."""
    return replace(alert, msg_type=MsgType.UPDATE, references=(original.as_reference(),))


#: The note of a renewal: an Update that changes nothing but `<expires>`.
RENEWAL_NOTE = "Renewal: the regime is still in force; nothing else changed."


def compose_renewal(
    *, identifier: str, original: Alert, sent: datetime, expires: datetime, created_by: str
) -> Alert:
    """The same message again as an Update with a later `<expires>`, while its regime stays in force."""
    infos = tuple(replace(info, expires=expires) for info in original.infos)
    return replace(
        original, identifier=identifier, sent=sent, msg_type=MsgType.UPDATE, infos=infos,
        references=(original.as_reference(),), note=RENEWAL_NOTE, state=AlertState.ISSUED,
        created_by=created_by, approved_by=None,
    )


def _cleared(parameters: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    return (*(p for p in parameters if p[0] != "airwarn:level"), ("airwarn:level", "all_clear"))


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
    expires: datetime | None = None,
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
        "expires": expires,
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
