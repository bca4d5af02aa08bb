"""Reports that tell of the same thing form one incident, whose certainty rises as confirmation arrives.

Reports of every origin (API, CLI, extractor) form incidents. Pure functions over `Report`s: no I/O, no
clock, no framework. Rules:

- one incident = same kind family, same region, overlapping districts (or either is region-wide),
  within a window of the incident's first and last report; two reports that name different towns
  (`extra["place"]`) and share no district are two incidents, so a Balashov report never widens an
  Engels incident 150 km away;
- certainty: trusted sources (official, sensor) decide; otherwise the surest claim, raised to Likely
  when at least three independent untrusted sources tell of it ("three residents and a channel"). That
  raises the claim in the review queue; it never declares anything (docs/authority.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from airwarn.domain.reports import THREAT_KINDS, Certainty, Count, Report, ReportKind, Source, SourceType

#: Reports further apart than this are different incidents, even of the same kind in the same place.
DEFAULT_WINDOW = timedelta(hours=3)
#: Independent untrusted sources that make a claim Likely on their own.
CORROBORATION = 3

_FAMILIES: dict[ReportKind, str] = {
    **{kind: "threat" for kind in THREAT_KINDS},
    ReportKind.AIRPORT_SUSPENDED: "airport",
    ReportKind.AIRPORT_RESUMED: "airport",
    ReportKind.REGIME_DECLARED: "regime",
    ReportKind.REGIME_LIFTED: "regime",
    ReportKind.PLAN_ACTIVATED: "regime",
    ReportKind.INTERNET_RESTRICTED: "regime",
    ReportKind.INTERNET_RESTORED: "regime",
    ReportKind.STAY_INDOORS_LIFTED: "regime",
    ReportKind.CASUALTIES: "consequences",
    ReportKind.DAMAGE: "consequences",
    ReportKind.SHELTER_INCIDENT: "consequences",
    ReportKind.ALERT_DECLARED: "alert",
    ReportKind.ALERT_LIFTED: "alert",
}


def family(report: Report) -> str:
    """The kind family; airport reports form one family per airport ("airport:UUOO")."""
    name = _FAMILIES[report.kind]
    if name == "airport":
        return f"airport:{report.airport or '*'}"
    return name


def source_key(report: Report) -> tuple[str, ...]:
    """Who is speaking, for independence. A named outlet, official or sensor counts once however often it
    speaks; each witness account counts on its own unless it repeats another word for word, because
    witnesses are rarely named and the extractor labels them collectively ("residents", "очевидцы")."""
    if report.source.type is SourceType.WITNESS or not report.source.name:
        return report.source.type.value, report.source.name or "", report.text or report.id
    return report.source.type.value, report.source.name


@dataclass
class Incident:
    """One happening, with every report of it (source and evidence) attached, oldest first."""

    id: str
    kind: ReportKind
    region: str
    first_at: datetime
    last_at: datetime
    family: str
    reports: list[Report] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)
    region_wide: bool = False  # some report named no district

    @property
    def report_ids(self) -> list[str]:
        return [r.id for r in self.reports]

    @property
    def sources(self) -> list[Source]:
        """Independent sources in the order they first spoke."""
        seen: dict[tuple[str, ...], Source] = {}
        for r in self.reports:
            seen.setdefault(source_key(r), r.source)
        return list(seen.values())

    @property
    def evidence(self) -> list[str]:
        return [r.text for r in self.reports if r.text]

    @property
    def confirmed(self) -> bool:
        """A trusted source (official, sensor) states it without hedging it away."""
        return any(r.trusted and r.certainty.at_least(Certainty.LIKELY) for r in self.reports)

    @property
    def independent_claims(self) -> int:
        """Independent untrusted sources that at least call it Possible."""
        return len({source_key(r) for r in self.reports
                    if not r.trusted and r.certainty.at_least(Certainty.POSSIBLE)})

    @property
    def corroborated(self) -> bool:
        """No trusted word yet, but enough independent untrusted sources to make it Likely."""
        return not any(r.trusted for r in self.reports) and self.independent_claims >= CORROBORATION

    @property
    def certainty(self) -> Certainty:
        """Trusted sources decide; otherwise the surest claim, raised to Likely by enough independent ones."""
        trusted = [r.certainty for r in self.reports if r.trusted]
        if trusted:
            return max(trusted, key=lambda c: c.rank)
        best = max((r.certainty for r in self.reports), key=lambda c: c.rank, default=Certainty.UNKNOWN)
        if self.independent_claims >= CORROBORATION and not best.at_least(Certainty.LIKELY):
            return Certainty.LIKELY
        return best

    @property
    def count(self) -> Count | None:
        """A trusted source's count when there is one, else the largest count any source gave."""
        counts = [(r.count, r.trusted) for r in self.reports if r.count is not None]
        pool = [c for c, t in counts if t] or [c for c, _ in counts]
        return max(pool, key=lambda c: c.value) if pool else None

    @property
    def casualties(self) -> int | None:
        known = [(r.casualties, r.trusted) for r in self.reports if r.casualties is not None]
        pool = [c for c, t in known if t] or [c for c, _ in known]
        return max(pool) if pool else None

    @property
    def damage(self) -> bool | None:
        known = [r.damage for r in self.reports if r.damage is not None]
        return any(known) if known else None

    def without(self, report_ids: Iterable[str]) -> Incident:
        """The same incident minus some reports (e.g. claims an operator dismissed), regrouped."""
        drop = set(report_ids)
        kept = [r for r in self.reports if r.id not in drop]
        if not kept:
            return Incident(self.id, self.kind, self.region, self.first_at, self.last_at, self.family)
        return start(kept[0], self.id, kept[1:])


def belongs(incident: Incident, report: Report, window: timedelta = DEFAULT_WINDOW) -> bool:
    """Same kind family, same region and status, overlapping districts (or either region-wide), close in time."""
    if family(report) != incident.family or report.region != incident.region:
        return False
    if incident.reports and incident.reports[0].status != report.status:
        return False
    if incident.districts and report.districts and not set(incident.districts) & set(report.districts):
        return False
    place = report.extra.get("place")
    places = {r.extra["place"] for r in incident.reports if r.extra.get("place")}
    if place and places and place not in places and not set(incident.districts) & set(report.districts):
        return False
    return incident.first_at - window <= report.time <= incident.last_at + window


def attach(incident: Incident, report: Report) -> None:
    """Add one more report (an interception report makes an attack an interception)."""
    incident.reports.append(report)
    incident.first_at = min(incident.first_at, report.time)
    incident.last_at = max(incident.last_at, report.time)
    if report.kind is ReportKind.INTERCEPTION and incident.kind in THREAT_KINDS:
        incident.kind = report.kind
    if not report.districts:
        incident.region_wide = True
    for name in report.districts:
        if name not in incident.districts:
            incident.districts.append(name)


def start(report: Report, incident_id: str, more: Iterable[Report] = ()) -> Incident:
    """A new incident opened by `report`, with `more` reports attached after it."""
    incident = Incident(incident_id, report.kind, report.region, report.time, report.time, family(report))
    attach(incident, report)
    for other in more:
        attach(incident, other)
    return incident


def place(report: Report, incidents: Sequence[Incident], window: timedelta = DEFAULT_WINDOW) -> Incident | None:
    """The open incident `report` belongs to: the one with the latest report among those it fits."""
    fits = [i for i in incidents if belongs(i, report, window)]
    return max(fits, key=lambda i: i.last_at) if fits else None


def gather(members: Iterable[tuple[str, Report]]) -> list[Incident]:
    """Rebuild stored incidents from (incident id, report) pairs; reports in time order."""
    by_id: dict[str, list[Report]] = {}
    for incident_id, report in members:
        by_id.setdefault(incident_id, []).append(report)
    out = []
    for incident_id, reports in by_id.items():
        ordered = sorted(reports, key=lambda r: (r.time, r.received_at, r.id))
        out.append(start(ordered[0], incident_id, ordered[1:]))
    return out


def group(reports: Iterable[Report], window: timedelta = DEFAULT_WINDOW, *, prefix: str = "inc") -> list[Incident]:
    """Group reports (in arrival order) into incidents, in order of first report; ids are `prefix-N`."""
    incidents: list[Incident] = []
    for report in reports:
        home = place(report, incidents, window)
        if home is None:
            incidents.append(start(report, f"{prefix}-{len(incidents) + 1}"))
        else:
            attach(home, report)
    return incidents


def summary(incident: Incident) -> dict[str, object]:
    """A JSON-ready view: kind, region, districts, times, certainty, every source and its evidence."""
    count = incident.count
    return {
        "id": incident.id,
        "kind": incident.kind.value,
        "region": incident.region,
        "districts": list(incident.districts),
        "first_at": incident.first_at.isoformat(),
        "last_at": incident.last_at.isoformat(),
        "certainty": incident.certainty.value,
        "confirmed": incident.confirmed,
        "corroborated": incident.corroborated,  # raises certainty and queue place; an operator still decides
        "independent_sources": incident.independent_claims,
        "count": None if count is None else {"value": count.value, "qualifier": count.qualifier.value},
        "casualties": incident.casualties,
        "damage": incident.damage,
        "sources": [{"type": s.type.value, "name": s.name} for s in incident.sources],
        "evidence": incident.evidence,
        "report_ids": incident.report_ids,
        "reports": [
            {
                "id": r.id,
                "kind": r.kind.value,
                "source": {"type": r.source.type.value, "name": r.source.name},
                "certainty": r.certainty.value,
                "time": r.time.isoformat(),
                "received_at": r.received_at.isoformat(),
                "evidence": r.text,
            }
            for r in incident.reports
        ],
    }


__all__ = [
    "CORROBORATION", "DEFAULT_WINDOW", "Incident", "attach", "belongs", "family", "gather", "group", "place",
    "source_key", "start", "summary",
]
