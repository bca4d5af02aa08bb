"""What each regime's alert says, in English and Russian: event name, severity, urgency, instruction."""

from __future__ import annotations

from dataclasses import dataclass

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
}
