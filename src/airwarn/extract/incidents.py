"""Extracted events as incidents: a thin adapter over `airwarn.domain.incidents`, where the rules live.

Each (event, received_at) pair becomes a `Report` (its evidence as the text, district names as they were
extracted) and the domain groups them, so reports from the extractor, the API and the CLI form incidents
by the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from airwarn.domain.incidents import DEFAULT_WINDOW, Incident, attach, belongs, summary
from airwarn.domain.incidents import group as group_reports
from airwarn.domain.reports import Report
from airwarn.extract.events import Event


def as_report(event: Event, received_at: datetime, report_id: str = "event") -> Report:
    """The event as a (not yet validated) report: its time, or when the message arrived."""
    return Report(
        id=report_id,
        kind=event.kind,
        region=event.region or "",
        time=event.time or received_at,
        source=event.source,
        certainty=event.certainty,
        received_at=received_at,
        districts=tuple(event.districts),
        count=event.count,
        casualties=event.casualties,
        damage=event.damage,
        regime=event.regime,
        plan=event.plan,
        airport=event.airport,
        text=event.evidence,
        extra={"place": event.place} if event.place else {},
    )


def group(events: Iterable[tuple[Event, datetime]], window: timedelta = DEFAULT_WINDOW) -> list[Incident]:
    """Group (event, received_at) pairs into incidents, in order of first report."""
    reports = [as_report(e, at, f"event-{n}") for n, (e, at) in enumerate(events, start=1)]
    return group_reports(reports, window)


__all__ = ["Incident", "as_report", "attach", "belongs", "group", "summary"]
