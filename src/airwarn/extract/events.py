"""The Event the extractor yields, and its JSON form (DESIGN.md's `airwarn extract` object)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from airwarn.domain.reports import Certainty, Count, RegimeKind, ReportKind, Source, SourceType


@dataclass
class Event:
    """One thing a message says happened, resolved against the territory."""

    kind: ReportKind
    region: str | None
    source: Source
    certainty: Certainty
    evidence: str
    line: int = 1
    districts: list[str] = field(default_factory=list)  # English names, without "District"
    district_codes: list[str] = field(default_factory=list)
    place: str | None = None
    count: Count | None = None
    time: datetime | None = None
    regime: RegimeKind | None = None
    plan: str | None = None
    airport: str | None = None  # ICAO
    casualties: int | None = None
    damage: bool | None = None
    source_explicit: bool = False  # the text named the speaker (not a hint or a default)
    hedge: int = 0  # certainty.Hedge in force where the text said it

    def to_json(self) -> dict[str, Any]:
        """Exactly the object DESIGN.md specifies, in its key order."""
        return {
            "line": self.line,
            "kind": self.kind.value,
            "region": self.region,
            "districts": list(self.districts),
            "place": self.place,
            "count": None
            if self.count is None
            else {"value": self.count.value, "qualifier": self.count.qualifier.value},
            "time": None if self.time is None else self.time.isoformat(),
            "regime": None if self.regime is None else self.regime.value,
            "source": {"type": self.source.type.value, "name": self.source.name},
            "certainty": self.certainty.value,
            "casualties": self.casualties,
            "damage": self.damage,
            "evidence": self.evidence,
        }


#: Kinds that describe the same physical happening and merge into one event per region.
KIND_FAMILY: dict[ReportKind, str] = {
    ReportKind.DRONE_ATTACK: "attack",
    ReportKind.INTERCEPTION: "attack",
    ReportKind.EXPLOSION: "explosion",
    ReportKind.DRONES_EN_ROUTE: "en_route",
    ReportKind.AIRPORT_SUSPENDED: "airport",
    ReportKind.AIRPORT_RESUMED: "airport_resumed",
    ReportKind.REGIME_DECLARED: "regime",
    ReportKind.REGIME_LIFTED: "regime_lifted",
    ReportKind.PLAN_ACTIVATED: "plan",
    ReportKind.INTERNET_RESTRICTED: "internet",
    ReportKind.CASUALTIES: "casualties",
    ReportKind.DAMAGE: "damage",
    ReportKind.SHELTER_INCIDENT: "shelter",
}

#: Source types from surest to least sure, to pick the speaker of a merged event.
SOURCE_RANK = {SourceType.OFFICIAL: 3, SourceType.SENSOR: 3, SourceType.WITNESS: 2, SourceType.MEDIA: 1}
