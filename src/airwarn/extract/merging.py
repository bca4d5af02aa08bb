"""Merging what one message says twice into one event per kind family and region (an interception absorbs
the attack it stopped), and outcomes said in a sentence of their own."""

from __future__ import annotations

from airwarn.domain.reports import ReportKind
from airwarn.extract.events import KIND_FAMILY, SOURCE_RANK, Event
from airwarn.extract.sentence import Reading

MAX_EVIDENCE_CHARS = 600


def outcome_none(events: list[Event], reading: Reading) -> None:
    """A sentence that only says nobody was hurt / nothing was damaged speaks of the events before it."""
    for event in events:
        if reading.casualties_zero and event.casualties is None:
            event.casualties = 0
        if reading.damage_none and event.damage is None:
            event.damage = False


def merge(events: list[Event]) -> list[Event]:
    """One event per (kind family, region, regime): an interception absorbs the attack it stopped."""
    out: list[Event] = []
    index: dict[tuple[str, str | None, object], Event] = {}
    for event in events:
        key = (KIND_FAMILY[event.kind], event.region, event.regime)
        have = index.get(key)
        if have is not None and _declared_twice(have, event):
            have = None  # declared, lifted and declared again: two declarations
        if have is None:
            index[key] = event
            out.append(event)
            continue
        absorb(have, event)
    return out


def _declared_twice(have: Event, event: Event) -> bool:
    return (
        event.kind in (ReportKind.REGIME_DECLARED, ReportKind.ALERT_DECLARED)
        and have.time is not None
        and event.time is not None
        and have.time != event.time
    )


def absorb(into: Event, other: Event) -> None:
    """Fold `other` (the same happening, said again) into `into`."""
    if other.kind.value == "interception":
        into.kind = other.kind
    for name, code in zip(other.districts, other.district_codes, strict=False):
        if code not in into.district_codes:
            into.districts.append(name)
            into.district_codes.append(code)
    into.place = into.place or other.place
    into.count = into.count or other.count
    into.time = into.time or other.time
    into.airport = into.airport or other.airport
    into.plan = into.plan or other.plan
    into.threat = into.threat or other.threat
    into.weapons = into.weapons or other.weapons
    into.launched = into.launched if into.launched is not None else other.launched
    into.destroyed = into.destroyed if into.destroyed is not None else other.destroyed
    into.by_method = into.by_method or other.by_method
    into.killed = into.killed if into.killed is not None else other.killed
    into.injured = into.injured if into.injured is not None else other.injured
    into.damage_cause = into.damage_cause or other.damage_cause
    into.damage_objects = into.damage_objects or other.damage_objects
    into.published = into.published or other.published
    into.relay = into.relay or other.relay
    if other.casualties is not None and (into.casualties is None or other.casualties > into.casualties):
        into.casualties = other.casualties
    if other.damage is not None and not into.damage:
        into.damage = other.damage
    if _source_rank(other) > _source_rank(into):
        into.source, into.source_explicit = other.source, other.source_explicit
    if other.certainty.rank > into.certainty.rank:
        into.certainty = other.certainty
    if other.evidence not in into.evidence and len(into.evidence) < MAX_EVIDENCE_CHARS:
        into.evidence = f"{into.evidence} {other.evidence}"[: MAX_EVIDENCE_CHARS * 2]


def _source_rank(event: Event) -> tuple[bool, int]:
    return event.source_explicit, SOURCE_RANK.get(event.source.type, 0)
