"""Public notices that a region's mobile-internet restriction or stay-indoors order has ended."""

from __future__ import annotations

from datetime import datetime

from airwarn.domain.alerts import Alert, Authority, Info, MsgType, Severity, Urgency
from airwarn.domain.composing import area_for
from airwarn.domain.regimes import MeasureKind
from airwarn.domain.reports import Certainty, Status
from airwarn.domain.territory import Territory

#: (event, headline, description) per language for the end of each measure, {where} filled in.
_ENDED: dict[MeasureKind, dict[str, tuple[str, str, str]]] = {
    MeasureKind.MOBILE_INTERNET_RESTRICTED: {
        "en-US": ("Mobile internet restored", "Mobile internet restored: {where}",
                  "The restriction of mobile internet in {where} has ended."),
        "ru-RU": ("Мобильный интернет восстановлен", "Мобильный интернет восстановлен: {where}",
                  "Ограничение мобильного интернета ({where}) снято."),
    },
    MeasureKind.STAY_INDOORS: {
        "en-US": ("Stay-indoors order lifted", "Stay-indoors order lifted: {where}",
                  "The order to stay indoors in {where} has been lifted. Follow any alert still in force."),
        "ru-RU": ("Режим «оставайтесь дома» отменён", "Можно выходить из помещений: {where}",
                  "Требование оставаться в помещении ({where}) отменено. Следуйте действующим оповещениям."),
    },
}


def ends_with_notice(kind: MeasureKind) -> bool:
    """Measures whose end the public is told of by a notice of its own (airports have theirs)."""
    return kind in _ENDED


def compose_measure_ended(
    *, identifier: str, authority: Authority, sent: datetime, territory: Territory, kind: MeasureKind,
    region: str, at: datetime, status: Status, created_by: str, expires: datetime | None = None,
) -> Alert:
    """A Minor notice for the whole region that a measure ended (urgency Past, response None)."""
    texts = _ENDED[kind]
    reg = territory.regions[region]
    names = {"en-US": reg.name_en, "ru-RU": reg.name_ru}
    infos = tuple(
        Info(
            language=language, event=event, headline=headline.format(where=names[language]),
            description=description.format(where=names[language]),
            area_desc=names[language], urgency=Urgency.PAST, severity=Severity.MINOR,
            certainty=Certainty.OBSERVED, categories=("Safety",), response_types=("None",),
            sender_name=authority.name_en if language == "en-US" else authority.name_ru, effective=at,
            expires=expires, event_codes=(("airwarn:measure", kind.value),),
            parameters=(("airwarn:measure_status", "ended"),),
        )
        for language, (event, headline, description) in texts.items()
    )
    return Alert(
        identifier=identifier, sender=authority.sender, sent=sent, status=status, msg_type=MsgType.ALERT,
        infos=infos, area=area_for(territory, region, ()), region=region, created_by=created_by,
    )
