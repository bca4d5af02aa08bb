"""Air-raid alerts (sirens: «повітряна тривога», «воздушная тревога»): one regime kind per threat they name.

An air-raid alert is a regime of its own, declared by `alert_declared` and lifted by `alert_lifted`. Each threat
(drones, ballistic missiles, …) is its own regime kind, so everything that already goes by regime kind — CAP event
and severity, `<expires>`, the sensor policy, subscribers' threat choices — works per threat with no special case;
`air_raid_alert` is the alert whose threat the message does not name.
"""

from __future__ import annotations

from dataclasses import dataclass

from airwarn.domain.cap_vocabulary import Severity
from airwarn.domain.reports import RegimeKind

#: The threat classes the extractor names (extract/threats.py), each with its regime kind.
AIR_RAID_BY_THREAT: dict[str, RegimeKind] = {
    "drones": RegimeKind.AIR_RAID_DRONES,
    "ballistic_missiles": RegimeKind.AIR_RAID_BALLISTIC_MISSILES,
    "cruise_missiles": RegimeKind.AIR_RAID_CRUISE_MISSILES,
    "guided_bombs": RegimeKind.AIR_RAID_GUIDED_BOMBS,
    "aircraft": RegimeKind.AIR_RAID_AIRCRAFT,
}

#: Every air-raid regime kind: the one without a named threat and one per threat.
AIR_RAID_KINDS = frozenset({RegimeKind.AIR_RAID_ALERT, *AIR_RAID_BY_THREAT.values()})

_THREAT_BY_KIND = {kind: threat for threat, kind in AIR_RAID_BY_THREAT.items()}


def air_raid_kind(threat: str | None) -> RegimeKind:
    """The regime kind of an air-raid alert naming `threat` (None: the threat is not named).

    Raises ValueError for a threat that is not one of AIR_RAID_BY_THREAT's."""
    if threat is None:
        return RegimeKind.AIR_RAID_ALERT
    try:
        return AIR_RAID_BY_THREAT[threat]
    except KeyError:
        raise ValueError(f"unknown threat {threat!r} (known: {', '.join(AIR_RAID_BY_THREAT)})") from None


def threat_of(kind: RegimeKind) -> str | None:
    """The threat an air-raid regime kind names (None for `air_raid_alert` and for other regimes)."""
    return _THREAT_BY_KIND.get(kind)


def is_air_raid(kind: RegimeKind | None) -> bool:
    return kind in AIR_RAID_KINDS


def same_alert(wanted: RegimeKind, standing: RegimeKind) -> bool:
    """Whether an air-raid alert of kind `standing` already is the alert `wanted`: the same threat, or any
    air-raid alert when `wanted` names none. A named threat under an unnamed alert is news (what flies)."""
    return standing == wanted or (wanted is RegimeKind.AIR_RAID_ALERT and standing in AIR_RAID_KINDS)


def lifted_by(named: RegimeKind | None, standing: RegimeKind) -> bool:
    """Whether an all-clear naming `named` (None: any threat) ends an air-raid alert of kind `standing`.
    An all-clear of one threat also ends the unnamed alert, which may have been that threat."""
    if standing not in AIR_RAID_KINDS:
        return False
    return named is None or named is RegimeKind.AIR_RAID_ALERT or standing in (named, RegimeKind.AIR_RAID_ALERT)


@dataclass(frozen=True)
class AirRaidText:
    """What an air-raid alert says in English, Russian and Ukrainian, and how severe it is."""

    event_en: str
    event_ru: str
    event_uk: str
    severity: Severity
    instruction_en: str
    instruction_ru: str
    instruction_uk: str


_SHELTER_EN = ("Go to the nearest shelter now and stay there until the all-clear. If there is none nearby, "
               "an inner room behind two walls, away from windows.")
_SHELTER_RU = ("Немедленно пройдите в ближайшее укрытие и оставайтесь там до отбоя. Если укрытия рядом нет — "
               "во внутреннюю комнату за двумя стенами, подальше от окон.")
_SHELTER_UK = ("Негайно пройдіть до найближчого укриття і залишайтеся там до відбою. Якщо укриття поруч немає — "
               "до внутрішньої кімнати за двома стінами, подалі від вікон.")

#: Ballistic and cruise missiles and guided bombs are Extreme (minutes or less of warning, heavy warheads);
#: drones, aircraft and an alert that names no threat are Severe.
AIR_RAID_TEXTS: dict[RegimeKind, AirRaidText] = {
    RegimeKind.AIR_RAID_ALERT: AirRaidText(
        "Air-raid alert", "Воздушная тревога", "Повітряна тривога", Severity.SEVERE,
        _SHELTER_EN, _SHELTER_RU, _SHELTER_UK,
    ),
    RegimeKind.AIR_RAID_DRONES: AirRaidText(
        "Air-raid alert (drones)", "Воздушная тревога (беспилотники)", "Повітряна тривога (ударні БпЛА)",
        Severity.SEVERE,
        f"{_SHELTER_EN} Do not film or post air defence activity.",
        f"{_SHELTER_RU} Не снимайте и не публикуйте работу ПВО.",
        f"{_SHELTER_UK} Не знімайте і не публікуйте роботу ППО.",
    ),
    RegimeKind.AIR_RAID_BALLISTIC_MISSILES: AirRaidText(
        "Air-raid alert (ballistic missiles)", "Воздушная тревога (баллистические ракеты)",
        "Повітряна тривога (балістичні ракети)", Severity.EXTREME,
        "Take shelter immediately: a ballistic missile arrives within minutes. Go to the nearest shelter or, if "
        "there is no time, an inner room behind two walls, and stay there until the all-clear.",
        "Немедленно укройтесь: баллистическая ракета долетает за считаные минуты. Пройдите в ближайшее укрытие "
        "или, если времени нет, во внутреннюю комнату за двумя стенами и оставайтесь там до отбоя.",
        "Негайно сховайтеся: балістична ракета долітає за лічені хвилини. Пройдіть до найближчого укриття або, "
        "якщо часу немає, до внутрішньої кімнати за двома стінами і залишайтеся там до відбою.",
    ),
    RegimeKind.AIR_RAID_CRUISE_MISSILES: AirRaidText(
        "Air-raid alert (cruise missiles)", "Воздушная тревога (крылатые ракеты)",
        "Повітряна тривога (крилаті ракети)", Severity.EXTREME,
        "Take shelter now: go to the nearest shelter or an inner room without windows and stay there until the "
        "all-clear.",
        "Немедленно укройтесь: пройдите в ближайшее укрытие или во внутреннюю комнату без окон и оставайтесь там "
        "до отбоя.",
        "Негайно сховайтеся: пройдіть до найближчого укриття або до внутрішньої кімнати без вікон і залишайтеся "
        "там до відбою.",
    ),
    RegimeKind.AIR_RAID_GUIDED_BOMBS: AirRaidText(
        "Air-raid alert (guided bombs)", "Воздушная тревога (управляемые авиабомбы)",
        "Повітряна тривога (керовані авіабомби)", Severity.EXTREME,
        "Take shelter immediately, below ground if you can: guided bombs strike with little warning. Stay there "
        "until the all-clear.",
        "Немедленно укройтесь, по возможности под землёй: управляемые авиабомбы падают почти без предупреждения. "
        "Оставайтесь в укрытии до отбоя.",
        "Негайно сховайтеся, якщо можете — під землею: керовані авіабомби падають майже без попередження. "
        "Залишайтеся в укритті до відбою.",
    ),
    RegimeKind.AIR_RAID_AIRCRAFT: AirRaidText(
        "Air-raid alert (military aircraft)", "Воздушная тревога (военная авиация)",
        "Повітряна тривога (військова авіація)", Severity.SEVERE,
        "Military aircraft that can launch missiles are in the air. Go to the nearest shelter and stay there "
        "until the all-clear.",
        "В воздухе военная авиация — носители ракет. Пройдите в ближайшее укрытие и оставайтесь там до отбоя.",
        "У повітрі військова авіація — носії ракет. Пройдіть до найближчого укриття і залишайтеся там до відбою.",
    ),
}
