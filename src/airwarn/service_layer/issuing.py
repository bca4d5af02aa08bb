"""Applies a decision inside a transaction: regimes, measures and alerts (published through publishing.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from airwarn.domain.alert_payload import summary
from airwarn.domain.alerts import Alert, AlertState, Circumstances, MsgType
from airwarn.domain.composing import area_for, compose_airport_notice, compose_all_clear
from airwarn.domain.regimes import (
    Measure,
    MeasureKind,
    Picture,
    Regime,
    drill_clear_districts,
    shelter_regimes_left,
)
from airwarn.domain.reports import Certainty, Report, Status
from airwarn.domain.rules import Decision
from airwarn.service_layer.deps import Deps, new_id
from airwarn.service_layer.publishing import audit, issue
from airwarn.store.repository import Repository


@dataclass
class Outcome:
    """What one use case changed, for the response, the timeline and live listeners."""

    report_id: str | None = None
    queued: bool = False
    regimes_declared: list[str] = field(default_factory=list)
    regimes_lifted: list[str] = field(default_factory=list)
    measures_started: list[str] = field(default_factory=list)
    measures_ended: list[str] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    incident_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "incident_id": self.incident_id,
            "queued": self.queued,
            "regimes_declared": self.regimes_declared,
            "regimes_lifted": self.regimes_lifted,
            "measures_started": self.measures_started,
            "measures_ended": self.measures_ended,
            "alerts": self.alerts,
            "notes": self.notes,
        }


def store_alert(repo: Repository, deps: Deps, alert: Alert, picture: Picture, actor: str,
                outcome: Outcome, *, hold: bool = False, alone: str | None = None) -> Alert:
    """Hold the alert for a second person, or sign and issue it with its outbox rows.

    It is held when the approval policy says so (weighing the messages it references), or `hold` (it belongs
    to a decision whose main alert is held). `alone` names why one person may issue it anyway (the
    approver's false-alarm cancel, the sensor policy); that is audited with the alert."""
    referenced = [found for ref in alert.references if (found := repo.alert_body(ref.identifier)) is not None]
    if alert.state is AlertState.ISSUED and alone is None and (
            hold or deps.approval.needs_approval(alert, referenced)):
        alert = replace(alert, state=AlertState.PENDING_APPROVAL)
    if alert.state is AlertState.PENDING_APPROVAL:
        repo.add_alert(alert, None, None)
        audit(repo, deps, actor, "alert.pending_approval", "alert", alert.identifier,
              headline=alert.headline, severity=alert.severity.value, msg_type=alert.msg_type.value,
              status=alert.status.value, authors=sorted(alert.people))
    else:
        if alone is not None:
            audit(repo, deps, actor, "alert.issued_by_one_person", "alert", alert.identifier, policy=alone,
                  severity=deps.approval.weight(alert, referenced).value, msg_type=alert.msg_type.value,
                  authors=sorted(alert.people))
        issue(repo, deps, alert, picture, actor, new=True)
    outcome.alerts.append(summary(alert))
    return alert


def _circumstances(report: Report, plans_en: list[str], plans_ru: list[str]) -> Circumstances:
    # A claim from media or witnesses is the authority's word once confirmed; the public text never names a
    # review-queue source (the console and the audit keep who said it).
    who_en = (report.source.name or report.source.type.value) if report.trusted else \
        f"{report.source.type.value} report confirmed by the authority"
    details_en, details_ru = [], []
    if report.count is not None:
        details_en.append(f"Reported: {report.count.qualifier.value.replace('_', ' ')} {report.count.value}.")
        details_ru.append(f"Сообщается о количестве: {report.count.value}.")
    if report.casualties == 0:
        details_en.append("No casualties reported.")
        details_ru.append("Пострадавших нет.")
    elif report.casualties:
        details_en.append(f"Casualties: {report.casualties}.")
        details_ru.append(f"Пострадавшие: {report.casualties}.")
    if report.damage is False:
        details_en.append("No damage reported.")
        details_ru.append("Разрушений нет.")
    elif report.damage:
        details_en.append("Damage reported.")
        details_ru.append("Есть разрушения.")
    return Circumstances(
        source_en=f"Source: {who_en} ({report.kind.value.replace('_', ' ')}).",
        source_ru=f"Источник: {who_en}." if report.trusted else "Источник: сообщение, подтверждённое службой.",
        details_en=" ".join(details_en),
        details_ru=" ".join(details_ru),
        extra_instruction_en=" ".join(plans_en),
        extra_instruction_ru=" ".join(plans_ru),
    )


def apply_decision(
    repo: Repository, deps: Deps, picture: Picture, decision: Decision, report: Report, actor: str,
    *, certainty: Certainty | None = None, authors: tuple[str, ...] = (), sensor_solo: bool = False,
) -> Outcome:
    """Carry out `decision` for `report` in the open transaction; everything or nothing commits.

    When one of its alerts needs a second person, the whole decision waits with it: its regimes, measures
    and plan steps are stored as *proposed* (naming the held alert) and its other alerts are held too, so
    the public sees none of it until an approver releases it (or all of it goes if they reject it)."""
    from airwarn.lifecycle import compose_announcements, finish_measure  # lifecycle builds on this module

    now = deps.clock()
    out = Outcome(report_id=report.id, notes=list(decision.notes))
    at = min(report.time, now)
    people = tuple(dict.fromkeys((actor, *authors)))
    declared = [
        Regime(id=new_id("reg"), kind=draft.kind, region=draft.region, district=draft.district,
               declared_at=at, declared_by=actor, reason=f"report {report.id}: {report.kind.value}",
               status=picture.status, report_id=report.id, level=draft.level)
        for draft in decision.declare
    ]
    plans_en = [p.instruction_en for p in decision.plans if p.instruction_en]
    plans_ru = [p.instruction_ru for p in decision.plans if p.instruction_ru]
    # one message per threat kind, region and level: an Update of the earlier one when the area grows
    # or a pre-alert escalates (lifecycle.compose_announcements); escalated regimes are raised there
    composed = [
        (replace(alert, authors=people), regimes)
        for alert, regimes in compose_announcements(
            repo, deps, picture, declared, decision.escalate, actor=actor,
            certainty=certainty or report.certainty, circumstances=_circumstances(report, plans_en, plans_ru),
            report_id=report.id)
    ]
    new_ids = {r.id for r in declared}
    alone = {a.identifier: "sensor_policy" for a, _ in composed
             if sensor_solo and deps.approval.sensor_may_issue_alone(a)}
    held = [a.identifier for a, _ in composed
            if a.identifier not in alone and deps.approval.needs_approval(a)]
    lead = held[0] if held else None
    for alert, regimes in composed:
        for regime in (r for r in regimes if r.id in new_ids):  # the rest are in force already
            # its own held alert; else the decision's held alert; never for one the sensor policy issues
            pending = None if alert.identifier in alone else (alert.identifier if alert.identifier in held else lead)
            stored = replace(regime, pending_alert=pending)
            repo.add_regime(stored, alert_id=alert.identifier)  # stored below, in this transaction
            picture.regimes.append(stored)
            out.regimes_declared.append(regime.id)
            audit(repo, deps, actor, "regime.proposed" if pending else "regime.declared", "regime", regime.id,
                  kind=regime.kind.value, region=regime.region, district=regime.district, report=report.id,
                  pending_alert=pending)
    if lead:
        out.notes.append(f"waits for a second person: alert {lead}; until then its regimes and measures "
                         "are proposed and the public sees none of them")
    pending_lifts: list[str] = []
    if decision.lift:
        pending_lifts = lift_regimes(repo, deps, picture, decision.lift, actor, f"report {report.id}", out)
    for m in decision.start:
        measure = Measure(
            id=new_id("msr"), kind=m.kind, region=m.region, started_at=at, actor=actor,
            reason=f"plan {m.plan}" if m.plan else f"report {report.id}", target=m.target,
            status=picture.status, report_id=report.id, pending_alert=lead, plan=m.plan,
            regime_ids=tuple(declared[x].id if isinstance(x, int) else x for x in m.regimes),
        )
        repo.add_measure(measure)
        picture.measures.append(measure)
        out.measures_started.append(measure.id)
        audit(repo, deps, actor, "measure.proposed" if lead else "measure.started", "measure", measure.id,
              kind=m.kind.value, region=m.region, target=m.target, plan=m.plan, pending_alert=lead,
              regimes=list(measure.regime_ids))
        if m.kind is MeasureKind.AIRPORT_SUSPENDED and m.target:
            airport_notice(repo, deps, picture, m.target, True, at, actor, report.id, out, people,
                            hold=lead is not None)
    for end in decision.end:
        kind, target = end if isinstance(end, tuple) else (end, None)
        for measure in [x for x in picture.measures if x.active and x.kind == kind and x.region == report.region
                        and (target is None or x.target == target)]:
            if pending_lifts:  # they end with the regimes, once the all-clear is approved
                repo.set_pending("measures", [measure.id], lift_pending=pending_lifts[0])
                audit(repo, deps, actor, "measure.end_proposed", "measure", measure.id, kind=kind.value,
                      target=target, pending_alert=pending_lifts[0])
                continue
            finish_measure(repo, deps, picture, measure, actor, f"report {report.id}: {report.kind.value}", out,
                           at=at, authors=people)
    for alert, regimes in composed:
        alert = store_alert(repo, deps, alert, picture, actor, out, hold=lead is not None,
                            alone=alone.get(alert.identifier))
        repo.link_regimes([r.id for r in regimes if r.id not in new_ids], alert.identifier)  # escalated ones
    return out


def lift_one(repo: Repository, deps: Deps, picture: Picture, regime: Regime, actor: str, reason: str,
             out: Outcome, *, action: str = "regime.lifted") -> None:
    """Lift one regime now, in the picture and the store, audited."""
    current = next((r for r in picture.regimes if r.id == regime.id), regime)
    lifted = current.lifted(deps.clock(), actor, reason)
    repo.lift_regime(lifted)
    if current in picture.regimes:
        picture.regimes[picture.regimes.index(current)] = lifted
    out.regimes_lifted.append(regime.id)
    audit(repo, deps, actor, action, "regime", regime.id, kind=regime.kind.value, region=regime.region,
          district=regime.district, reason=reason)


def lift_regimes(repo: Repository, deps: Deps, picture: Picture, regimes: list[Regime], actor: str,
                 reason: str, out: Outcome, *, all_clear: bool = True) -> list[str]:
    """Lift regimes; each original alert gets one all-clear for the part of its area now clear.

    An all-clear that needs a second person (its alert was Severe or above) is held, and its regimes stay
    in force, marked with it, until it is approved. Returns the ids of all-clears held so. The measures
    that came with regimes lifted now end with them (lifecycle.release_measures); a drill's all-clear
    never reaches a district under an Actual regime (drill_clear)."""
    from airwarn.lifecycle import release_measures  # lifecycle builds on this module

    by_alert: dict[str | None, list[Regime]] = defaultdict(list)
    lifted_now = {r.id for r in regimes}
    for regime in regimes:
        if regime.lift_pending and all_clear:
            out.notes.append(f"lifting {regime.id} already waits for approval of {regime.lift_pending}")
            continue
        by_alert[repo.regime_alert_id(regime.id)].append(regime)
    held: list[str] = []
    for alert_id, group in by_alert.items():
        original = repo.alert_body(alert_id) if alert_id else None
        if original is None or original.state is not AlertState.ISSUED or not all_clear:
            for regime in group:
                lift_one(repo, deps, picture, regime, actor, reason, out)
            release_measures(repo, deps, picture, group, actor, out)
            if original is not None and original.state is AlertState.PENDING_APPROVAL and not [
                    r for r in picture.active_regimes() if r.id in original.regime_ids]:
                withdraw_group(repo, deps, original, actor, reason, AlertState.WITHDRAWN)
            continue
        lifting = {r.id for r in group}
        still_active = [r for r in picture.active_regimes() if r.id in original.regime_ids and r.id not in lifting]
        now = deps.clock()
        # part of the area stays under the regime: the all-clear names only the rest
        districts = tuple(r.district for r in group if r.district) if still_active else original.districts
        clear = replace(compose_all_clear(
            identifier=deps.alert_id(), original=original, sent=now, created_by=actor,
            expires=deps.expiry.follow_up_expires(now),
            # another threat still holds there: the all-clear names it and never says "leave the shelter"
            still_in_force=shelter_regimes_left(picture, original.region, districts, lifted_now),
        ), authors=(actor,))
        if still_active:
            clear = replace(clear, districts=districts, area=area_for(deps.territory, original.region, districts))
        if picture.status is not Status.ACTUAL:
            guarded = drill_clear(repo, deps, clear, out)
            if guarded is None:  # all of it is under a real regime: lift the drill's, say nothing there
                for regime in group:
                    lift_one(repo, deps, picture, regime, actor, reason, out)
                release_measures(repo, deps, picture, group, actor, out)
                continue
            clear = guarded
        if deps.approval.needs_approval(clear, [original]):
            clear = store_alert(repo, deps, clear, picture, actor, out)
            repo.set_pending("regimes", sorted(lifting), lift_pending=clear.identifier)
            held.append(clear.identifier)
            for regime in group:
                audit(repo, deps, actor, "regime.lift_proposed", "regime", regime.id, reason=reason,
                      pending_alert=clear.identifier)
            out.notes.append(f"lifting {len(group)} regime(s) waits for a second person: all-clear "
                             f"{clear.identifier}; they stay in force until it is approved")
            continue
        for regime in group:
            lift_one(repo, deps, picture, regime, actor, reason, out)
        release_measures(repo, deps, picture, group, actor, out)
        store_alert(repo, deps, clear, picture, actor, out)
    return held


def drill_clear(repo: Repository, deps: Deps, clear: Alert, out: Outcome) -> Alert | None:
    """A drill's all-clear leaves out every district where an Actual regime is in force (so no siren
    `stop` and no "you may leave the shelter" reaches it); None when nothing is left to send it to."""
    districts = drill_clear_districts(repo.picture(Status.ACTUAL), clear.region, clear.districts,
                                      [d.code for d in deps.territory.districts_of(clear.region)])
    if districts is None:
        out.notes.append(f"{clear.status.value} all-clear withheld: an Actual regime is in force in its area")
        return None
    if districts != clear.districts:
        out.notes.append(f"{clear.status.value} all-clear leaves out districts under an Actual regime")
        clear = replace(clear, districts=districts, area=area_for(deps.territory, clear.region, districts))
    return clear


def withdraw_group(repo: Repository, deps: Deps, alert: Alert, actor: str, reason: str,
                   state: AlertState) -> list[str]:
    """Drop a held alert (withdrawn or rejected) with every held alert of its decision and their proposed
    state: proposed regimes and measures end unseen, marked lifts and ends are unmarked. Audited."""
    group = held_group(repo, alert)
    ids = [a.identifier for a in group]
    now = deps.clock()
    for member in group:
        repo.replace_alert(replace(member, state=state), None, None)
        audit(repo, deps, actor, f"alert.{state.value}", "alert", member.identifier, reason=reason,
              authors=sorted(member.people))
    for regime_id in repo.proposed_by("regimes", ids):
        found = repo.regime(regime_id)
        if found is not None:
            repo.lift_regime(found[0].lifted(now, actor, f"{state.value}: {reason}"))
            audit(repo, deps, actor, "regime.proposal_dropped", "regime", regime_id, reason=reason)
    for measure_id in repo.proposed_by("measures", ids):
        repo.end_measure_id(measure_id, at=now, by=actor)
        audit(repo, deps, actor, "measure.proposal_dropped", "measure", measure_id, reason=reason)
    for table in ("regimes", "measures"):
        kept = repo.proposed_by(table, ids, lifting=True)
        repo.set_pending(table, kept, lift_pending=None)
        for kept_id in kept:
            audit(repo, deps, actor, f"{table[:-1]}.end_not_approved", table[:-1], kept_id, reason=reason)
    return ids


def held_group(repo: Repository, alert: Alert) -> list[Alert]:
    """The held alerts of one decision (new alerts of the same report): approved or dropped together,
    `alert` first. A follow-up (all-clear, cancel) keeps its original's report id but stands alone."""
    if alert.msg_type is not MsgType.ALERT or not alert.report_id:
        return [alert]
    others = [a for a in repo.pending_alerts_of_report(alert.report_id) if a.msg_type is MsgType.ALERT]
    return [alert, *(a for a in others if a.identifier != alert.identifier)]


def airport_notice(repo: Repository, deps: Deps, picture: Picture, icao: str, suspended: bool,
                   at: datetime, actor: str, report_id: str | None, out: Outcome, authors: tuple[str, ...] = (),
                   *, hold: bool = False) -> None:
    """The Minor transport notice that an airport suspended or resumed operations."""
    airport = deps.territory.airports.get(icao)
    if airport is None:
        return
    now = deps.clock()
    alert = compose_airport_notice(
        identifier=deps.alert_id(), authority=deps.authority, sent=now, territory=deps.territory,
        airport=airport, suspended=suspended, at=at, status=picture.status, created_by=actor,
        report_id=report_id, expires=deps.expiry.notice_expires(now),
    )
    store_alert(repo, deps, replace(alert, authors=authors), picture, actor, out, hold=hold)
