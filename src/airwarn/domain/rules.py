"""Rules that turn one report into decisions: declare or lift regimes, start or end measures, or queue it."""

from __future__ import annotations

from dataclasses import dataclass, field

from airwarn.domain.regimes import MeasureKind, Picture, Plan, PlanStep, Regime
from airwarn.domain.reports import Certainty, RegimeKind, Report, ReportKind
from airwarn.domain.territory import Territory


@dataclass(frozen=True)
class RegimeDraft:
    kind: RegimeKind
    region: str
    district: str | None


@dataclass(frozen=True)
class MeasureDraft:
    kind: MeasureKind
    region: str
    target: str | None = None
    plan: str | None = None


@dataclass
class Decision:
    """What a report changes. Empty when it only adds to the record."""

    queued: bool = False
    declare: list[RegimeDraft] = field(default_factory=list)
    lift: list[Regime] = field(default_factory=list)
    start: list[MeasureDraft] = field(default_factory=list)
    end: list[MeasureKind | tuple[MeasureKind, str]] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changes_state(self) -> bool:
        return bool(self.declare or self.lift or self.start or self.end)


def needs_review(report: Report) -> bool:
    """Only an official or sensor source that does not hedge acts alone. Media and witnesses never do,
    whatever their certainty: their claims wait for an operator (docs/authority.md, the decision table)."""
    return not report.trusted or not report.certainty.at_least(Certainty.LIKELY)


def decide(report: Report, picture: Picture, territory: Territory, *, confirmed: bool = False) -> Decision:
    """Decide what `report` changes in `picture`; `confirmed` means an operator (or the authority's opt-in
    auto-confirm policy) vouched for it."""
    decision = Decision()
    if not confirmed and needs_review(report) and covered(report, picture, territory):
        decision.notes.append("corroborates a regime already in force: recorded with the incident, no new alert")
        return decision
    if not confirmed and needs_review(report):
        decision.queued = True
        why = "hedged" if report.trusted else "not an official or sensor source"
        decision.notes.append(
            f"{report.source.type.value} claim with certainty {report.certainty.value} ({why}): "
            "held for review, an operator decides"
        )
        return decision
    handler = _HANDLERS.get(report.kind)
    if handler is None:
        decision.notes.append(f"{report.kind.value} recorded")
        return decision
    handler(report, picture, territory, decision)
    return decision


def covered(report: Report, picture: Picture, territory: Territory) -> bool:
    """True when every area of a threat report is already under its regime: a claim there is evidence, not news."""
    if not report.is_threat:
        return False
    kind = report.regime or RegimeKind.DRONE_HAZARD
    return all(picture.covering(kind, report.region, d) is not None for d in _areas(report, territory))


def _areas(report: Report, territory: Territory) -> list[str | None]:
    if report.districts:
        return list(report.districts)
    if report.point is not None:
        district = territory.locate(*report.point)
        if district is not None and district.region == report.region:
            return [district.code]
    return [None]


def _declare(kind: RegimeKind, report: Report, picture: Picture, territory: Territory, d: Decision) -> None:
    for district in _areas(report, territory):
        existing = picture.covering(kind, report.region, district)
        if existing is not None:
            state = (f"proposed (awaiting approval of {existing.pending_alert})" if existing.pending_alert
                     else "in force")
            d.notes.append(f"{kind.value} already {state} for {existing.district or existing.region}")
            continue
        d.declare.append(RegimeDraft(kind, report.region, district))
    region = territory.regions[report.region]
    for plan in region.plans:
        if plan.trigger == kind and d.declare:
            _run_plan(plan, report, picture, territory, d)


def _threat(report: Report, picture: Picture, territory: Territory, d: Decision) -> None:
    _declare(report.regime or RegimeKind.DRONE_HAZARD, report, picture, territory, d)


def _regime_declared(report: Report, picture: Picture, territory: Territory, d: Decision) -> None:
    _declare(report.regime or RegimeKind.DRONE_HAZARD, report, picture, territory, d)


def _regime_lifted(report: Report, picture: Picture, territory: Territory, d: Decision) -> None:
    areas = set(report.districts)
    for regime in picture.active_regimes(report.region):
        if report.regime is not None and regime.kind != report.regime:
            continue
        if areas and regime.district not in areas:
            continue
        d.lift.append(regime)
    if not d.lift:
        d.notes.append("no matching regime in force")
        return
    region = territory.regions[report.region]
    lifted_kinds = {r.kind for r in d.lift}
    lifted_ids = {r.id for r in d.lift}
    for plan in region.plans:
        remaining = [r for r in picture.active_regimes(report.region)
                     if r.kind == plan.trigger and r.id not in lifted_ids]
        if plan.trigger in lifted_kinds and not remaining:
            for step in plan.steps:
                kind = _STEP_MEASURE.get(step)
                if kind is not None and picture.active_measure(kind, report.region):
                    d.end.append(kind)


def _plan_activated(report: Report, picture: Picture, territory: Territory, d: Decision) -> None:
    plan = territory.regions[report.region].plan(report.plan or "")
    if plan is None:
        d.notes.append(f"no plan named {report.plan!r} in {report.region}")
        return
    _run_plan(plan, report, picture, territory, d)


_STEP_MEASURE = {
    PlanStep.RESTRICT_MOBILE_INTERNET: MeasureKind.MOBILE_INTERNET_RESTRICTED,
    PlanStep.STAY_INDOORS: MeasureKind.STAY_INDOORS,
}


def _run_plan(plan: Plan, report: Report, picture: Picture, territory: Territory, d: Decision) -> None:
    d.plans.append(plan)
    region = report.region
    for step in plan.steps:
        if step is PlanStep.CLOSE_AIRSPACE:
            if picture.covering(RegimeKind.AIRSPACE_CLOSED, region, None) is None:
                d.declare.append(RegimeDraft(RegimeKind.AIRSPACE_CLOSED, region, None))
        elif step is PlanStep.SUSPEND_AIRPORTS:
            for airport in territory.airports_of(region):
                _suspend(airport.icao, region, picture, d, plan.name)
        else:
            kind = _STEP_MEASURE[step]
            if picture.active_measure(kind, region) is None:
                d.start.append(MeasureDraft(kind, region, plan=plan.name))


def _suspend(icao: str, region: str, picture: Picture, d: Decision, plan: str | None = None) -> None:
    if picture.active_measure(MeasureKind.AIRPORT_SUSPENDED, region, icao) is not None:
        d.notes.append(f"{icao} already suspended")
        return
    if any(m.kind == MeasureKind.AIRPORT_SUSPENDED and m.target == icao for m in d.start):
        return
    d.start.append(MeasureDraft(MeasureKind.AIRPORT_SUSPENDED, region, icao, plan))


def _airport_suspended(report: Report, picture: Picture, territory: Territory, d: Decision) -> None:
    for icao in _airports(report, territory):
        _suspend(icao, report.region, picture, d)


def _airport_resumed(report: Report, picture: Picture, territory: Territory, d: Decision) -> None:
    for icao in _airports(report, territory):
        if picture.active_measure(MeasureKind.AIRPORT_SUSPENDED, report.region, icao) is not None:
            d.end.append((MeasureKind.AIRPORT_SUSPENDED, icao))


def _airports(report: Report, territory: Territory) -> list[str]:
    if report.airport:
        return [report.airport]
    return [a.icao for a in territory.airports_of(report.region)]


def _internet_restricted(report: Report, picture: Picture, territory: Territory, d: Decision) -> None:
    if picture.active_measure(MeasureKind.MOBILE_INTERNET_RESTRICTED, report.region) is not None:
        d.notes.append("mobile internet already restricted (or proposed)")  # proposed counts: no duplicate
        return
    d.start.append(MeasureDraft(MeasureKind.MOBILE_INTERNET_RESTRICTED, report.region))


_HANDLERS = {
    ReportKind.DRONE_ATTACK: _threat,
    ReportKind.INTERCEPTION: _threat,
    ReportKind.EXPLOSION: _threat,
    ReportKind.DRONES_EN_ROUTE: _threat,
    ReportKind.REGIME_DECLARED: _regime_declared,
    ReportKind.REGIME_LIFTED: _regime_lifted,
    ReportKind.PLAN_ACTIVATED: _plan_activated,
    ReportKind.AIRPORT_SUSPENDED: _airport_suspended,
    ReportKind.AIRPORT_RESUMED: _airport_resumed,
    ReportKind.INTERNET_RESTRICTED: _internet_restricted,
}
