"""Sample alerts for the CAP tests: a drone-hazard alert over Millerovsky district and its follow-ups."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from airwarn.domain.alerts import Alert, Area, Info, MsgType, Reference, Severity, Urgency
from airwarn.domain.reports import Certainty, Status

MSK = timezone(timedelta(hours=3))
SENT = datetime(2026, 11, 24, 0, 49, tzinfo=MSK)
SENDER = "airwarn@authority.example"

#: A closed ring (lon, lat) around Millerovo.
MILLEROVO_RING = (
    (40.30, 48.85),
    (40.52, 48.85),
    (40.52, 48.98),
    (40.30, 48.98),
    (40.30, 48.85),
)
AREA = Area(
    polygons=(MILLEROVO_RING,),
    geocodes=(("ISO3166-2", "RU-ROS"), ("airwarn:district", "RU-ROS-MILLEROVSKY")),
)


def infos(headline_en: str = "Drone hazard: Millerovsky district, Rostov Region") -> tuple[Info, ...]:
    common = {
        "urgency": Urgency.IMMEDIATE,
        "severity": Severity.SEVERE,
        "certainty": Certainty.OBSERVED,
        "categories": ("Security", "Safety"),
        "response_types": ("Shelter",),
        "effective": SENT,
        "expires": SENT + timedelta(hours=2),
        "event_codes": (("airwarn:regime", "drone_hazard"),),
        "parameters": (("airwarn:regime", "drone_hazard"),),
    }
    return (
        Info(
            language="en-US",
            event="Drone hazard",
            headline=headline_en,
            description="Drone hazard declared for Millerovsky district, Rostov Region at 00:49 MSK.",
            instruction="Go to the nearest shelter or an inner room without windows.",
            area_desc="Millerovsky district, Rostov Region",
            sender_name="Emergency Warning Authority",
            **common,  # type: ignore[arg-type]
        ),
        Info(
            language="ru-RU",
            event="Беспилотная опасность",
            headline="Беспилотная опасность: Миллеровский район, Ростовская область",
            description="Беспилотная опасность объявлена: Миллеровский район, 00:49.",
            instruction="Пройдите в ближайшее укрытие или во внутреннюю комнату без окон.",
            area_desc="Миллеровский район, Ростовская область",
            sender_name="Служба оповещения",
            **common,  # type: ignore[arg-type]
        ),
    )


def alert(status: Status = Status.ACTUAL, identifier: str = "airwarn-2026-0001", **changes: object) -> Alert:
    base = Alert(
        identifier=identifier,
        sender=SENDER,
        sent=SENT,
        status=status,
        msg_type=MsgType.ALERT,
        infos=infos(),
        area=AREA,
        region="RU-ROS",
        districts=("RU-ROS-MILLEROVSKY",),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def update(status: Status = Status.ACTUAL) -> Alert:
    original = alert(status)
    return alert(
        status,
        identifier="airwarn-2026-0002",
        sent=SENT + timedelta(minutes=52),
        msg_type=MsgType.UPDATE,
        references=(original.as_reference(),),
    )


def cancel(status: Status = Status.ACTUAL) -> Alert:
    original = alert(status)
    later = update(status)
    return alert(
        status,
        identifier="airwarn-2026-0003",
        sent=SENT + timedelta(hours=1, minutes=3),
        msg_type=MsgType.CANCEL,
        note="False alarm: the radar track was a flock of birds.",
        references=(original.as_reference(), Reference(later.sender, later.identifier, later.sent)),
    )


def every_alert() -> list[Alert]:
    """Every message type under every status."""
    return [make(status) for status in Status for make in (alert, update, cancel)]
