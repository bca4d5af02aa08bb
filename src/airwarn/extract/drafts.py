"""Extracted events → report drafts for the report pipeline (intake validates them against the territory)."""

from __future__ import annotations

from datetime import datetime, timedelta

from airwarn.domain.reports import ReportKind
from airwarn.extract.events import Event
from airwarn.service_layer.intake import ReportDraft

#: A clock time read from a message that lands this far after the message arrived meant the night before.
FUTURE_SLACK = timedelta(minutes=5)


def event_time(event: Event, received_at: datetime) -> datetime:
    """The event's time, or when the message arrived; "at 23:50" in a message of 00:20 was yesterday."""
    if event.time is None:
        return received_at
    when = event.time
    while when - received_at > FUTURE_SLACK and when - received_at < timedelta(days=2):
        when -= timedelta(days=1)
    return when


def draft(event: Event, received_at: datetime, text: str = "") -> ReportDraft:
    """A report draft carrying the event, its source, certainty and evidence."""
    return ReportDraft(
        kind=event.kind.value,
        region=event.region or "",
        source_type=event.source.type.value,
        source_name=event.source.name,
        time=event_time(event, received_at),
        districts=list(event.districts),
        count_value=event.count.value if event.count else None,
        count_qualifier=event.count.qualifier.value if event.count else "exact",
        certainty=event.certainty.value,
        casualties=event.casualties,
        damage=event.damage,
        regime=event.regime.value if event.regime else None,
        plan=event.plan,
        airport=event.airport,
        text=(event.evidence or text)[:20_000],
        place=event.place,
        # an air-raid alert's threat picks its regime (domain/air_raid.py); other kinds keep theirs in `weapon`
        threat=event.threat if event.kind in (ReportKind.ALERT_DECLARED, ReportKind.ALERT_LIFTED) else None,
    )
