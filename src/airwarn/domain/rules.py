"""Rules that turn one report into decisions: declare or lift regimes, start or end measures, or queue it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from airwarn.domain.air_raid import AIR_RAID_KINDS, lifted_by, same_alert
from airwarn.domain.regimes import Level, MeasureKind, Picture, Plan, PlanStep, Regime
from airwarn.domain.reports import Certainty, RegimeKind, Report, ReportKind
from airwarn.domain.territory import Territory


@dataclass(frozen=True)
class RegimeDraft:
    kind: RegimeKind
    region: str
    district: str | None
    level: Level = Level.ALERT


#: A measure's regime: an index into `Decision.declare` (declared by the same decision) or a regime id.
RegimeRef = int | str


@dataclass(frozen=True)
class MeasureDraft:
    kind: MeasureKind
    region: str
    target: str | None = None
    plan: str | None = None
    regimes: tuple[RegimeRef, ...] = ()  # it ends when the last of these is lifted (unless kept)


@dataclass
class Decision:
    """What a report changes. Empty when it only adds to the record."""

    queued: bool = False
    declare: list[RegimeDraft] = field(default_factory=list)
    lift: list[Regime] = field(default_factory=list)
    escalate: list[Regime] = field(default_factory=list)  # pre-alerts whose threat has arrived
    start: list[MeasureDraft] = field(default_factory=list)
    end: list[MeasureKind | tuple[MeasureKind, str]] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changes_state(self) -> bool:
        return bool(self.declare or self.lift or self.escalate or self.start or self.end)


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


def tells_of_a_threat(report: Report) -> bool:
    """A threat report or an air-raid alert: a claim that a regime's threat is there, which independent sources
    corroborate and a regime in force covers (docs/authority.md)."""
    return report.is_threat or report.kind is ReportKind.ALERT_DECLARED


def covered(report: Report, picture: Picture, territory: Territory) -> bool:
    """True when every area of a threat report (or an air-raid alert's) is already under its regime: a claim
    there is evidence, not news."""
    if report.kind is ReportKind.ALERT_DECLARED:
        kind = report.regime or RegimeKind.AIR_RAID_ALERT
        return all(_air_raid_covering(picture, kind, report.region, d) is not None
                   for d in _areas(report, territory))
    if not report.is_threat:
        return False
    kind = report.regime or RegimeKind.DRONE_HAZARD
    wanted = _level(report)
    return all(_covers(picture.covering(kind, report.region, d), wanted) for d in _areas(report, territory))


def _air_raid_covering(picture: Picture, kind: RegimeKind, region: str, district: str | None) -> Regime | None:
    """The air-raid alert active over that area that already is the alert `kind` (air_raid.same_alert)."""
    for regime in picture.regimes:
        if regime.active and same_alert(kind, regime.kind) and regime.covers(region, district):
            return regime
    return None


def _level(report: Report) -> Level:
    """Drones or missiles heading somewhere are a threat approaching: a pre-alert, not the alert."""
    return Level.PRE_ALERT if report.kind is ReportKind.DRONES_EN_ROUTE else Level.ALERT


def _covers(regime: Regime | None, level: Level) -> bool:
    return regime is not None and (level is Level.PRE_ALERT or not regime.pre_alert)


def _areas(report: Report, territory: Territory) -> list[str | None]:
    if report.districts:
        return list(report.districts)
    if report.point is not None:
        district = territory.locate(*report.point)
        if district is not None and district.region == report.region:
            return [district.code]
    return [None]


def _declare(kind: RegimeKind, report: Report, picture: Picture, territory: Territory, d: Decision) -> None:
    level = _level(report)
    for district in _areas(report, territory):
        existing = (_air_raid_covering(picture, kind, report.region, district) if kind in AIR_RAID_KINDS
                    else picture.covering(kind, report.region, district))
        if existing is not None and existing.pre_alert and level is Level.ALERT:
            if existing not in d.escalate:
                d.escalate.append(existing)
                d.notes.append(f"{kind.value} pre-alert for {existing.district or existing.region} escalates "
                               "to the alert")
            continue
        if existing is not None:
            state = (f"proposed (awaiting approval of {existing.pending_alert})" if existing.pending_alert
                     else "in force")
            d.notes.append(f"{kind.value} already {state} for {existing.district or existing.region}")
            continue
        d.declare.append(RegimeDraft(kind, report.region, district, level))
    region = territory.regions[report.region]
    arrived = any(r.kind == kind and r.level is Level.ALERT for r in d.declare) or any(
        r.kind == kind for r in d.escalate)
    for plan in region.plans:  # a plan runs when its threat is present, not while it approaches
        if plan.trigger == kind and arrived:
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
    # the measures that came with the lifted regimes end with them where they are lifted (issuing.lift_regimes)


def _alert_declared(report: Report, picture: Picture, territory: Territory, d: Decision) -> None:
    """An air-raid alert: the regime of the threat it names (intake sets it), or `air_raid_alert`. It stands beside
    any other regime of the area (a drone-hazard regime stays what it is)."""
    _declare(report.regime or RegimeKind.AIR_RAID_ALERT, report, picture, territory, d)


def _alert_lifted(report: Report, picture: Picture, territory: Territory, d: Decision) -> None:
    """The all-clear («відбій», «отбой»): ends the air-raid alerts of the area (of the threat it names, if it
    names one), never another regime: a drone-hazard regime is lifted by its own report."""
    areas = set(report.districts)
    for regime in picture.active_regimes(report.region):
        if lifted_by(report.regime, regime.kind) and (not areas or regime.district in areas):
            d.lift.append(regime)
    if not d.lift:
        d.notes.append("no matching air-raid alert in force")


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
    if PlanStep.CLOSE_AIRSPACE in plan.steps and picture.covering(RegimeKind.AIRSPACE_CLOSED, region, None) is None:
        d.declare.append(RegimeDraft(RegimeKind.AIRSPACE_CLOSED, region, None))
    links = _plan_regimes(plan, region, picture, d)
    for step in plan.steps:
        if step is PlanStep.CLOSE_AIRSPACE:
            continue
        if step is PlanStep.SUSPEND_AIRPORTS:
            for airport in territory.airports_of(region):
                _suspend(airport.icao, region, picture, d, plan.name, links)
        else:
            kind = _STEP_MEASURE[step]
            if picture.active_measure(kind, region) is None:
                d.start.append(MeasureDraft(kind, region, plan=plan.name, regimes=links))


def _plan_regimes(plan: Plan, region: str, picture: Picture, d: Decision) -> tuple[RegimeRef, ...]:
    """The regimes a plan's measures come with: those the plan is triggered by or declares, declared now or
    already in force in the region. None (a plan of measures only, run by hand): they end by hand."""
    kinds = {k for k in (plan.trigger,) if k is not None}
    if PlanStep.CLOSE_AIRSPACE in plan.steps:
        kinds.add(RegimeKind.AIRSPACE_CLOSED)
    new: list[RegimeRef] = [i for i, r in enumerate(d.declare)
                            if r.region == region and r.kind in kinds and r.level is Level.ALERT]
    new += [r.id for r in d.escalate if r.region == region and r.kind in kinds]
    if new:
        return tuple(new)
    return tuple(r.id for r in picture.active_regimes(region) if r.kind in kinds)


def _suspend(icao: str, region: str, picture: Picture, d: Decision, plan: str | None = None,
             links: tuple[RegimeRef, ...] = ()) -> None:
    if picture.active_measure(MeasureKind.AIRPORT_SUSPENDED, region, icao) is not None:
        d.notes.append(f"{icao} already suspended")
        return
    if any(m.kind == MeasureKind.AIRPORT_SUSPENDED and m.target == icao for m in d.start):
        return
    d.start.append(MeasureDraft(MeasureKind.AIRPORT_SUSPENDED, region, icao, plan, links))


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
    # a restriction reported while regimes are in force in the region comes with them and ends with them
    links = tuple(r.id for r in picture.active_regimes(report.region))
    d.start.append(MeasureDraft(MeasureKind.MOBILE_INTERNET_RESTRICTED, report.region, regimes=links))


Handler = Callable[[Report, Picture, Territory, Decision], None]


def _ending(kind: MeasureKind, what: str) -> Handler:
    """A report that a measure is over (internet restored, stay-indoors lifted) ends it in the region."""

    def handler(report: Report, picture: Picture, territory: Territory, d: Decision) -> None:
        if picture.active_measure(kind, report.region) is None:
            d.notes.append(f"no {what} in force in {report.region}")
            return
        d.end.append(kind)

    return handler


_HANDLERS: dict[ReportKind, Handler] = {
    ReportKind.DRONE_ATTACK: _threat,
    ReportKind.INTERCEPTION: _threat,
    ReportKind.EXPLOSION: _threat,
    ReportKind.DRONES_EN_ROUTE: _threat,
    ReportKind.REGIME_DECLARED: _regime_declared,
    ReportKind.REGIME_LIFTED: _regime_lifted,
    ReportKind.ALERT_DECLARED: _alert_declared,
    ReportKind.ALERT_LIFTED: _alert_lifted,
    ReportKind.PLAN_ACTIVATED: _plan_activated,
    ReportKind.AIRPORT_SUSPENDED: _airport_suspended,
    ReportKind.AIRPORT_RESUMED: _airport_resumed,
    ReportKind.INTERNET_RESTRICTED: _internet_restricted,
    ReportKind.INTERNET_RESTORED: _ending(MeasureKind.MOBILE_INTERNET_RESTRICTED, "mobile-internet restriction"),
    ReportKind.STAY_INDOORS_LIFTED: _ending(MeasureKind.STAY_INDOORS, "stay-indoors order"),
}
