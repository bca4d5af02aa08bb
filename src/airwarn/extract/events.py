"""The Event the extractor yields, and its JSON form (DESIGN.md's `airwarn extract` object)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from airwarn.domain.reports import Certainty, Count, RegimeKind, ReportKind, Source, SourceType
from airwarn.extract.threats import WEAPON_TYPE


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
    # -- the extended contract (issue 14), additive: the fields above keep their meaning ----------------
    threat: str | None = None  # drones, ballistic_missiles, cruise_missiles, guided_bombs, aircraft
    weapons: list[str] = field(default_factory=list)  # models named: Shahed, Iskander-M, Kh-101…
    launched: int | None = None  # how many the attacker launched, when the text gives it
    destroyed: int | None = None  # how many were shot down / neutralised
    by_method: dict[str, int] = field(default_factory=dict)  # air_defence / electronic_warfare → count
    killed: int | None = None
    injured: int | None = None
    damage_cause: str | None = None  # debris | hit | fire
    damage_objects: list[str] = field(default_factory=list)
    published: datetime | None = None  # when the message says it was posted ("announced at 09:00")
    relay: str | None = None  # who passed the source's words on ("Reuters, citing the mayor")

    def to_json(self) -> dict[str, Any]:
        """DESIGN.md's object, in its key order, then the extended fields (docs/extraction.md)."""
        data: dict[str, Any] = {
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
            # extended contract (docs/extraction.md), additive
            "threat": self.threat,
            "weapon": self._weapon(),
            "counts": self._counts(),
            "casualties_detail": None
            if self.killed is None and self.injured is None
            else {"killed": self.killed, "injured": self.injured},
            "damage_detail": None
            if self.damage_cause is None and not self.damage_objects
            else {"cause": self.damage_cause, "objects": list(self.damage_objects)},
            "published": None if self.published is None else self.published.isoformat(),
            "airport": self.airport,
        }
        if self.relay is not None:
            data["source"]["relay"] = self.relay
        return data

    def _weapon(self) -> dict[str, Any] | None:
        kind = WEAPON_TYPE.get(self.threat or "")
        if kind is None and not self.weapons:
            return None
        return {"type": kind, "models": list(self.weapons)}

    def _counts(self) -> dict[str, Any] | None:
        if self.launched is None and self.destroyed is None and not self.by_method:
            return None
        return {"launched": self.launched, "destroyed": self.destroyed, "by_method": dict(self.by_method)}


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
    ReportKind.ALERT_DECLARED: "alert",
    ReportKind.ALERT_LIFTED: "alert_lifted",
}

#: Source types from surest to least sure, to pick the speaker of a merged event.
SOURCE_RANK = {SourceType.OFFICIAL: 3, SourceType.SENSOR: 3, SourceType.WITNESS: 2, SourceType.MEDIA: 1}
