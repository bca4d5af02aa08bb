"""Threat regimes and measures per region/district, and plans: named playbooks of measures."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from airwarn.domain.reports import RegimeKind, Status


class MeasureKind(StrEnum):
    AIRPORT_SUSPENDED = "airport_suspended"
    MOBILE_INTERNET_RESTRICTED = "mobile_internet_restricted"
    STAY_INDOORS = "stay_indoors"


class PlanStep(StrEnum):
    """What a plan does when it runs; each step expands to concrete regimes or measures."""

    CLOSE_AIRSPACE = "close_airspace"  # airspace_closed regime for the region
    SUSPEND_AIRPORTS = "suspend_airports"  # every airport in the region
    RESTRICT_MOBILE_INTERNET = "restrict_mobile_internet"
    STAY_INDOORS = "stay_indoors"


@dataclass(frozen=True)
class Plan:
    """A named playbook in a region's config, run on activation or when its trigger regime is declared."""

    name: str
    steps: tuple[PlanStep, ...]
    aliases: tuple[str, ...] = ()
    trigger: RegimeKind | None = None
    instruction_en: str = ""
    instruction_ru: str = ""


CARPET = Plan(
    name="Carpet",
    aliases=("Kovyor", "Kover", "Ковёр", "Ковер", "План Ковёр"),
    steps=(PlanStep.CLOSE_AIRSPACE, PlanStep.SUSPEND_AIRPORTS),
    instruction_en="Airspace is closed; flights to and from the region's airports are suspended.",
    instruction_ru="Воздушное пространство закрыто; рейсы в аэропортах региона приостановлены.",
)


@dataclass(frozen=True)
class Regime:
    """A declared regime for a whole region (district None) or one district."""

    id: str
    kind: RegimeKind
    region: str
    district: str | None
    declared_at: datetime
    declared_by: str
    reason: str
    status: Status = Status.ACTUAL
    report_id: str | None = None
    lifted_at: datetime | None = None
    lifted_by: str | None = None
    lift_reason: str | None = None
    pending_alert: str | None = None  # set: proposed by an alert that waits for a second person
    lift_pending: str | None = None  # set: an all-clear or cancel waiting for a second person lifts it

    @property
    def active(self) -> bool:
        return self.lifted_at is None

    @property
    def in_force(self) -> bool:
        """Active and approved: what the public sees (a proposed regime is active but not in force)."""
        return self.lifted_at is None and self.pending_alert is None

    def covers(self, region: str, district: str | None) -> bool:
        """True when this regime already covers that area (a region-wide regime covers its districts)."""
        return self.region == region and (self.district is None or self.district == district)

    def lifted(self, at: datetime, by: str, reason: str) -> Regime:
        return replace(self, lifted_at=at, lifted_by=by, lift_reason=reason)


@dataclass(frozen=True)
class Measure:
    """A measure in force: an airport suspension, a mobile-internet restriction, a stay-indoors order."""

    id: str
    kind: MeasureKind
    region: str
    started_at: datetime
    actor: str
    reason: str
    target: str | None = None  # airport ICAO for airport suspensions
    status: Status = Status.ACTUAL
    report_id: str | None = None
    ended_at: datetime | None = None
    ended_by: str | None = None
    pending_alert: str | None = None  # set: proposed by an alert that waits for a second person
    lift_pending: str | None = None  # set: ends when that waiting alert is approved

    @property
    def active(self) -> bool:
        return self.ended_at is None

    @property
    def in_force(self) -> bool:
        """Active and approved; a proposed measure changes nothing for the public (nor delivery)."""
        return self.ended_at is None and self.pending_alert is None

    def ended(self, at: datetime, by: str) -> Measure:
        return replace(self, ended_at=at, ended_by=by)


@dataclass
class Picture:
    """The live state of one status (Actual, Exercise or Test): active regimes and measures."""

    status: Status = Status.ACTUAL
    regimes: list[Regime] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)

    def active_regimes(self, region: str | None = None) -> list[Regime]:
        return [r for r in self.regimes if r.active and (region is None or r.region == region)]

    def covering(self, kind: RegimeKind, region: str, district: str | None) -> Regime | None:
        for regime in self.regimes:
            if regime.active and regime.kind == kind and regime.covers(region, district):
                return regime
        return None

    def active_measure(self, kind: MeasureKind, region: str, target: str | None = None) -> Measure | None:
        for m in self.measures:
            if m.active and m.kind == kind and m.region == region and m.target == target:
                return m
        return None

    def internet_restricted(self, region: str) -> bool:
        """Only a restriction in force counts: a proposed one does not change delivery yet."""
        found = self.active_measure(MeasureKind.MOBILE_INTERNET_RESTRICTED, region)
        return found is not None and found.in_force
