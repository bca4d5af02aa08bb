"""Ukrainian <info> blocks (uk-UA) for alerts whose area is in Ukraine: the texts, and the one hook that adds them.

Kept apart from composing.py so the English/Russian composers stay as they are: every composed alert passes through
`with_ukrainian`, which (re)builds its uk-UA block from the en-US one when the region is a Ukrainian one (UA-*).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from airwarn.domain.air_raid import AIR_RAID_TEXTS
from airwarn.domain.alerts import Alert, Info
from airwarn.domain.cap_vocabulary import MsgType
from airwarn.domain.reports import RegimeKind
from airwarn.domain.threat_texts import STILL_IN_FORCE

__all__ = ["UK_LANGUAGE", "UK_REGION_NAMES", "UK_THREAT_TEXTS", "is_ukrainian_area", "with_ukrainian"]

UK_LANGUAGE = "uk-UA"
UK_SENDER_NAME = "Служба оповіщення"

#: Oblasts and the two cities with special status, by ISO 3166-2 code, as Ukrainian officials name them.
UK_REGION_NAMES: dict[str, str] = {
    "UA-05": "Вінницька область",
    "UA-07": "Волинська область",
    "UA-09": "Луганська область",
    "UA-12": "Дніпропетровська область",
    "UA-14": "Донецька область",
    "UA-18": "Житомирська область",
    "UA-21": "Закарпатська область",
    "UA-23": "Запорізька область",
    "UA-26": "Івано-Франківська область",
    "UA-30": "Київ",
    "UA-32": "Київська область",
    "UA-35": "Кіровоградська область",
    "UA-40": "Севастополь",
    "UA-43": "Автономна Республіка Крим",
    "UA-46": "Львівська область",
    "UA-48": "Миколаївська область",
    "UA-51": "Одеська область",
    "UA-53": "Полтавська область",
    "UA-56": "Рівненська область",
    "UA-59": "Сумська область",
    "UA-61": "Тернопільська область",
    "UA-63": "Харківська область",
    "UA-65": "Херсонська область",
    "UA-68": "Хмельницька область",
    "UA-71": "Черкаська область",
    "UA-74": "Чернігівська область",
    "UA-77": "Чернівецька область",
}


@dataclass(frozen=True)
class UkThreatText:
    """What a regime's alert says in Ukrainian: the event's name and what to do."""

    event: str
    instruction: str


UK_THREAT_TEXTS: dict[RegimeKind, UkThreatText] = {
    RegimeKind.DRONE_HAZARD: UkThreatText(
        "Загроза ударних безпілотників",
        "Пройдіть до найближчого укриття або до внутрішньої кімнати без вікон і залишайтеся там до відбою. "
        "Не знімайте і не публікуйте роботу ППО.",
    ),
    RegimeKind.MISSILE_HAZARD: UkThreatText(
        "Ракетна небезпека",
        "Негайно сховайтеся: пройдіть до найближчого укриття або до внутрішньої кімнати без вікон. "
        "Залишайтеся там до відбою.",
    ),
    RegimeKind.AIRSPACE_CLOSED: UkThreatText(
        "Закриття повітряного простору",
        "Польоти призупинено. Перш ніж їхати до аеропорту, уточніть інформацію в авіакомпанії.",
    ),
    **{kind: UkThreatText(t.event_uk, t.instruction_uk) for kind, t in AIR_RAID_TEXTS.items()},
}

_ALL_CLEAR_INSTRUCTION = "Можна залишити укриття."
_KINDS = {k.value for k in RegimeKind}
_CANCEL_INSTRUCTION = "Попереднє оповіщення було помилковим. Жодних дій не потрібно."


def _all_clear_instruction(en: Info) -> str:
    """"You may leave the shelter", unless the all-clear names shelter warnings still in force in its area."""
    kept = [RegimeKind(k) for k in (_code(en, STILL_IN_FORCE) or "").split(",") if k in _KINDS]
    events = [UK_THREAT_TEXTS[k].event for k in kept if k in UK_THREAT_TEXTS]
    if not events:
        return _ALL_CLEAR_INSTRUCTION
    return f"Тут і далі діє: {', '.join(events)}. Дотримуйтеся її вказівок; не залишайте укриття через цей відбій."


def is_ukrainian_area(region: str) -> bool:
    """True for a Ukrainian region code (ISO 3166-2 UA-*)."""
    return region.startswith("UA-")


def _area(alert: Alert, en: Info) -> str:
    region = UK_REGION_NAMES.get(alert.region)
    if region is None:
        return en.area_desc
    if not alert.districts:
        return region
    # The territory names districts in English and Russian only; the English names are kept, the region is Ukrainian.
    names = en.area_desc.rsplit(",", 1)[0]
    return f"{names}, {region}"


def _hhmm(at: datetime | None) -> str:
    return f"{at:%H:%M}" if at is not None else ""


def _code(info: Info, name: str) -> str | None:
    return next((v for k, v in (*info.event_codes, *info.parameters) if k == name), None)


def _texts(alert: Alert, en: Info, area: str) -> tuple[str, str, str, str] | None:
    """(event, headline, description, instruction) in Ukrainian, or None for a message it has no words for."""
    regime = _code(en, "airwarn:regime")
    icao = _code(en, "airwarn:airport")
    if regime is not None and regime in {k.value for k in UK_THREAT_TEXTS}:
        text = UK_THREAT_TEXTS[RegimeKind(regime)]
        event, instruction = text.event, text.instruction
        headline = f"{event}: {area}"
        description = f"{event}: оголошено о {_hhmm(en.effective)}. Територія: {area}.".replace(" о .", ".")
    elif icao is not None:
        suspended = _code(en, "airwarn:airport_status") == "suspended"
        event = "Аеропорт закрито" if suspended else "Аеропорт відкрито"
        verb = "призупинив роботу" if suspended else "відновив роботу"
        name = en.area_desc.split(",", 1)[0]
        headline = f"{name} ({icao}) {verb} о {_hhmm(en.effective)}"
        description = f"{name} ({icao}), {area}: {verb}."
        instruction = "Уточніть інформацію в авіакомпанії." if suspended else ""
    else:
        return None
    if alert.msg_type == MsgType.CANCEL:
        return event, f"Скасовано: {headline}", alert.note or description, _CANCEL_INSTRUCTION
    if "AllClear" in en.response_types:
        return event, f"Відбій: {area}", f"{event}: відбій. {area}.", _all_clear_instruction(en)
    return event, headline, description, instruction


def with_ukrainian(alert: Alert) -> Alert:
    """The alert with a uk-UA <info> block after the others when its area is Ukrainian; other alerts unchanged.

    The block is rebuilt from the en-US one each time, so an all-clear or cancel made from a Ukrainian alert
    (whose composers only know English and Russian) carries correct Ukrainian text too."""
    if not is_ukrainian_area(alert.region):
        return alert
    en = next((i for i in alert.infos if i.language.startswith("en")), None)
    others = tuple(i for i in alert.infos if i.language != UK_LANGUAGE)
    if en is None:
        return replace(alert, infos=others)
    area = _area(alert, en)
    texts = _texts(alert, en, area)
    if texts is None:
        return replace(alert, infos=others)
    event, headline, description, instruction = texts
    uk = replace(
        en,
        language=UK_LANGUAGE,
        event=event,
        headline=headline,
        description=description,
        instruction=instruction,
        area_desc=area,
        sender_name=UK_SENDER_NAME,
    )
    return replace(alert, infos=(*others, uk))
