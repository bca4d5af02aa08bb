"""Threat regimes and measures per region/district, and plans: named playbooks of measures."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from airwarn.domain.reports import RegimeKind, Status
from airwarn.domain.threat_texts import is_shelter_regime


class MeasureKind(StrEnum):
    AIRPORT_SUSPENDED = "airport_suspended"
    MOBILE_INTERNET_RESTRICTED = "mobile_internet_restricted"
    STAY_INDOORS = "stay_indoors"


class Level(StrEnum):
    """How close a threat is: approaching (a pre-alert, "be ready to take shelter") or present (the alert)."""

    PRE_ALERT = "pre_alert"
    ALERT = "alert"


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
    level: Level = Level.ALERT

    @property
    def active(self) -> bool:
        return self.lifted_at is None

    @property
    def in_force(self) -> bool:
        """Active and approved: what the public sees (a proposed regime is active but not in force)."""
        return self.lifted_at is None and self.pending_alert is None

    @property
    def pre_alert(self) -> bool:
        return self.level is Level.PRE_ALERT

    def escalated(self) -> Regime:
        return replace(self, level=Level.ALERT)

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
    plan: str | None = None  # the plan whose step started it
    regime_ids: tuple[str, ...] = ()  # the regimes it came with: it ends when the last of them is lifted
    keep: bool = False  # an operator keeps it in force after its regimes end
    end_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.ended_at is None

    @property
    def in_force(self) -> bool:
        """Active and approved; a proposed measure changes nothing for the public (nor delivery)."""
        return self.ended_at is None and self.pending_alert is None

    def ended(self, at: datetime, by: str, reason: str = "") -> Measure:
        return replace(self, ended_at=at, ended_by=by, end_reason=reason or None)

    def kept(self, keep: bool) -> Measure:
        return replace(self, keep=keep)


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


@dataclass(frozen=True)
class Release:
    """What lifting some regimes does to the measures that came with them."""

    ending: tuple[Measure, ...] = ()
    kept: tuple[Measure, ...] = ()  # would end, but an operator keeps them


def released_measures(picture: Picture, lifted: Collection[Regime]) -> Release:
    """Measures that end now that `lifted` are lifted: every regime a measure came with is over.

    A plan measure stored before measures recorded their regimes (no `regime_ids`) ends once no regime of
    its region is in force any more. `picture` may list `lifted` as still active or already lifted."""
    lifted_ids = {r.id for r in lifted}
    lifted_regions = {r.region for r in lifted}
    still = {r.id: r for r in picture.regimes if r.active and r.id not in lifted_ids}
    ending: list[Measure] = []
    kept: list[Measure] = []
    for measure in picture.measures:
        if not measure.active:
            continue
        if measure.regime_ids:
            released = bool(lifted_ids & set(measure.regime_ids)) and not any(
                rid in still for rid in measure.regime_ids)
        else:
            released = (measure.plan is not None and measure.region in lifted_regions
                        and not any(r.region == measure.region for r in still.values()))
        if released:
            (kept if measure.keep else ending).append(measure)
    return Release(tuple(ending), tuple(kept))


def drill_clear_districts(
    actual: Picture, region: str, districts: Sequence[str], region_districts: Sequence[str]
) -> tuple[str, ...] | None:
    """Where a drill's all-clear (and siren stop) may go: its area minus every district under an Actual
    regime in force. `()` means the whole region still, None means nowhere (all of it is under one).

    A drill never tells people in a real threat area that they may leave the shelter."""
    under = [r for r in actual.active_regimes(region)]
    if not under:
        return tuple(districts)
    if any(r.district is None for r in under):
        return None
    busy = {r.district for r in under}
    wanted = list(districts) or list(region_districts)
    left = tuple(d for d in wanted if d not in busy)
    return left or None


def shelter_regimes_left(
    picture: Picture, region: str, districts: Sequence[str], lifting: Collection[str]
) -> tuple[RegimeKind, ...]:
    """Kinds of shelter regimes still in force in an all-clear's area (districts `()`: the whole region) once
    the regimes `lifting` end: another threat there means the all-clear must not say "leave the shelter"."""
    area = set(districts)
    kinds = {
        r.kind for r in picture.regimes
        if r.in_force and r.region == region and r.id not in lifting and is_shelter_regime(r.kind)
        and (not area or r.district is None or r.district in area)
    }
    return tuple(sorted(kinds, key=lambda k: k.value))
