"""Events that tell of the same thing become one incident, whose certainty rises as confirmation arrives.

Pure functions over extracted events: no I/O, no clock (times are passed in).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from airwarn.domain.reports import TRUSTED_SOURCES, Certainty, Count, ReportKind, Source
from airwarn.extract.events import KIND_FAMILY, Event

#: Reports further apart than this are different incidents, even of the same kind in the same place.
DEFAULT_WINDOW = timedelta(hours=3)
#: Independent untrusted sources that make a claim Likely on their own ("three residents and a channel").
CORROBORATION = 3


@dataclass
class Incident:
    """One happening, with every report of it (source and evidence) attached."""

    kind: ReportKind
    region: str | None
    first_at: datetime
    last_at: datetime
    reports: list[tuple[Event, datetime]] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)

    @property
    def family(self) -> str:
        return KIND_FAMILY[self.kind]

    @property
    def sources(self) -> list[Source]:
        return list(dict.fromkeys(e.source for e, _ in self.reports))

    @property
    def evidence(self) -> list[str]:
        return [e.evidence for e, _ in self.reports]

    @property
    def confirmed(self) -> bool:
        """A trusted source (official, sensor) states it without hedging it away."""
        return any(_trusted(e) and e.certainty.at_least(Certainty.LIKELY) for e, _ in self.reports)

    @property
    def certainty(self) -> Certainty:
        """Trusted sources decide; otherwise the surest claim, raised to Likely by enough independent ones."""
        trusted = [e.certainty for e, _ in self.reports if _trusted(e)]
        if trusted:
            return max(trusted, key=lambda c: c.rank)
        claims = [e for e, _ in self.reports if e.certainty.at_least(Certainty.POSSIBLE)]
        best = max((e.certainty for e, _ in self.reports), key=lambda c: c.rank, default=Certainty.UNKNOWN)
        independent = {(e.source.type, e.source.name or e.evidence) for e in claims}
        if len(independent) >= CORROBORATION and not best.at_least(Certainty.LIKELY):
            return Certainty.LIKELY
        return best

    @property
    def count(self) -> Count | None:
        """A trusted source's count when there is one, else the largest count any source gave."""
        counts = [(e.count, _trusted(e)) for e, _ in self.reports if e.count is not None]
        trusted = [c for c, t in counts if t]
        pool = trusted or [c for c, _ in counts]
        return max(pool, key=lambda c: c.value) if pool else None

    @property
    def casualties(self) -> int | None:
        known = [(e.casualties, _trusted(e)) for e, _ in self.reports if e.casualties is not None]
        trusted = [c for c, t in known if t]
        pool = trusted or [c for c, _ in known]
        return max(pool) if pool else None

    @property
    def damage(self) -> bool | None:
        known = [e.damage for e, _ in self.reports if e.damage is not None]
        return any(known) if known else None


def _trusted(event: Event) -> bool:
    return event.source.type in TRUSTED_SOURCES


def _at(event: Event, received_at: datetime) -> datetime:
    return event.time or received_at


def same_incident(incident: Incident, event: Event, at: datetime, window: timedelta = DEFAULT_WINDOW) -> bool:
    """Same kind family, same region, overlapping districts (or either names none), close in time."""
    if KIND_FAMILY[event.kind] != incident.family or event.region != incident.region:
        return False
    if incident.districts and event.districts and not set(incident.districts) & set(event.districts):
        return False
    when = _at(event, at)
    return incident.first_at - window <= when <= incident.last_at + window


def attach(incident: Incident, event: Event, at: datetime) -> None:
    """Add one more report of the incident (an interception report makes an attack an interception)."""
    when = _at(event, at)
    incident.reports.append((event, at))
    incident.first_at, incident.last_at = min(incident.first_at, when), max(incident.last_at, when)
    if event.kind is ReportKind.INTERCEPTION:
        incident.kind = event.kind
    for name in event.districts:
        if name not in incident.districts:
            incident.districts.append(name)


def group(reports: Iterable[tuple[Event, datetime]], window: timedelta = DEFAULT_WINDOW) -> list[Incident]:
    """Group (event, received_at) pairs into incidents, in order of first report."""
    incidents: list[Incident] = []
    for event, at in reports:
        home = next((i for i in reversed(incidents) if same_incident(i, event, at, window)), None)
        if home is None:
            when = _at(event, at)
            home = Incident(event.kind, event.region, when, when)
            incidents.append(home)
        attach(home, event, at)
    return incidents


def summary(incident: Incident) -> dict[str, object]:
    """A JSON-ready view: kind, region, districts, certainty, every source with its evidence."""
    count = incident.count
    return {
        "kind": incident.kind.value,
        "region": incident.region,
        "districts": list(incident.districts),
        "first_at": incident.first_at.isoformat(),
        "last_at": incident.last_at.isoformat(),
        "certainty": incident.certainty.value,
        "confirmed": incident.confirmed,
        "count": None if count is None else {"value": count.value, "qualifier": count.qualifier.value},
        "casualties": incident.casualties,
        "damage": incident.damage,
        "reports": [
            {
                "source": {"type": e.source.type.value, "name": e.source.name},
                "certainty": e.certainty.value,
                "received_at": at.isoformat(),
                "evidence": e.evidence,
            }
            for e, at in incident.reports
        ],
    }


__all__ = ["Incident", "attach", "group", "same_incident", "summary"]
