"""What each regime's alert says, in English and Russian: event name, severity, urgency, instruction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from airwarn.domain.air_raid import AIR_RAID_TEXTS
from airwarn.domain.cap_vocabulary import Severity, Urgency
from airwarn.domain.reports import RegimeKind


@dataclass(frozen=True)
class ThreatText:
    event_en: str
    event_ru: str
    severity: Severity
    urgency: Urgency
    instruction_en: str
    instruction_ru: str
    categories: tuple[str, ...] = ("Security", "Safety")
    response: str = "Shelter"


THREAT_TEXTS: dict[RegimeKind, ThreatText] = {
    RegimeKind.DRONE_HAZARD: ThreatText(
        "Drone hazard",
        "Беспилотная опасность",
        Severity.SEVERE,
        Urgency.IMMEDIATE,
        "Go to the nearest shelter or an inner room without windows and stay there until the all-clear. "
        "Do not film or post air defence activity.",
        "Пройдите в ближайшее укрытие или во внутреннюю комнату без окон и оставайтесь там до отбоя. "
        "Не снимайте и не публикуйте работу ПВО.",
    ),
    RegimeKind.MISSILE_HAZARD: ThreatText(
        "Missile hazard",
        "Ракетная опасность",
        Severity.EXTREME,
        Urgency.IMMEDIATE,
        "Take shelter now: go to the nearest shelter or an inner room without windows. "
        "Stay there until the all-clear.",
        "Немедленно укройтесь: пройдите в ближайшее укрытие или во внутреннюю комнату без окон. "
        "Оставайтесь там до отбоя.",
    ),
    RegimeKind.AIRSPACE_CLOSED: ThreatText(
        "Airspace closed (Carpet plan)",
        "Закрытие воздушного пространства (план «Ковёр»)",
        Severity.MODERATE,
        Urgency.EXPECTED,
        "Flights are suspended. Check with your airline before travelling to the airport.",
        "Полёты приостановлены. Уточните информацию у авиакомпании, прежде чем ехать в аэропорт.",
        categories=("Transport", "Security"),
        response="Monitor",
    ),
    # air-raid alerts: the threat is there (or on its way within minutes), take shelter now
    **{kind: ThreatText(t.event_en, t.event_ru, t.severity, Urgency.IMMEDIATE, t.instruction_en, t.instruction_ru)
       for kind, t in AIR_RAID_TEXTS.items()},
}


#: What a pre-alert says: the threat is heading toward the area, not there yet (CAP urgency Expected).
#: A threat without its own entry uses the drone wording with its own event name.
PRE_ALERT_TEXTS: dict[RegimeKind, ThreatText] = {
    RegimeKind.DRONE_HAZARD: ThreatText(
        "Drone threat approaching",
        "Угроза беспилотной опасности",
        Severity.SEVERE,
        Urgency.EXPECTED,
        "Drones are heading toward the area. Be ready to take shelter: know where your nearest shelter is "
        "and go there at once if the drone hazard alert follows.",
        "Беспилотники движутся в сторону района. Будьте готовы укрыться: узнайте, где ближайшее укрытие, "
        "и сразу идите туда, если будет объявлена беспилотная опасность.",
        response="Prepare",
    ),
    RegimeKind.MISSILE_HAZARD: ThreatText(
        "Missile threat approaching",
        "Угроза ракетной опасности",
        Severity.SEVERE,
        Urgency.EXPECTED,
        "Missiles may be heading toward the area. Be ready to take shelter: stay close to a shelter or an "
        "inner room without windows and go there at once if the missile hazard alert follows.",
        "Возможен ракетный удар по району. Будьте готовы укрыться: оставайтесь рядом с укрытием или "
        "внутренней комнатой без окон и сразу идите туда, если будет объявлена ракетная опасность.",
        response="Prepare",
    ),
}

def threat_text(kind: RegimeKind, pre_alert: bool) -> ThreatText:
    """The wording of a regime's alert, or of its pre-alert."""
    if not pre_alert:
        return THREAT_TEXTS[kind]
    return PRE_ALERT_TEXTS.get(kind, PRE_ALERT_TEXTS[RegimeKind.DRONE_HAZARD])


#: CAP parameter of an all-clear: the shelter warnings that still hold in its area (regime kinds, comma-separated).
STILL_IN_FORCE = "airwarn:still_in_force"


def is_shelter_regime(kind: RegimeKind) -> bool:
    """A regime whose alert sends people to shelter (an all-clear of another threat must not undo it)."""
    text = THREAT_TEXTS.get(kind)
    return text is not None and text.response == "Shelter"


def still_in_force_instruction(kinds: Sequence[RegimeKind], english: bool) -> str:
    """What an all-clear says when other shelter warnings still hold in its area: never "leave the shelter"."""
    if not kinds:
        return "You may leave the shelter." if english else "Можно покинуть укрытие."
    texts = [THREAT_TEXTS[k] for k in kinds if k in THREAT_TEXTS]
    if english:
        return f"Still in force here: {', '.join(t.event_en for t in texts)}. Follow its instructions; " \
               "do not leave the shelter because of this all-clear."
    return f"Здесь продолжает действовать: {', '.join(t.event_ru for t in texts)}. Следуйте её указаниям; " \
           "не покидайте укрытие из-за этого отбоя."
