"""Lifecycle use cases: measures end (by hand, by report, with their regimes), alerts grow, escalate and
are renewed before they expire. Runs inside the caller's transaction unless it is a use case."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from airwarn.domain.alerts import Alert, AlertState, Circumstances
from airwarn.domain.composing import as_update, compose_regime_alert, compose_renewal
from airwarn.domain.measure_notices import compose_measure_ended, ends_with_notice
from airwarn.domain.regimes import Level, Measure, MeasureKind, Picture, Regime, released_measures
from airwarn.domain.reports import Certainty, Status
from airwarn.domain.users import Role, User
from airwarn.errors import Conflict, Forbidden, InvalidInput, NotFound
from airwarn.regions import region_of
from airwarn.service_layer.deps import Deliveries, Delivery, Deps
from airwarn.service_layer.issuing import Outcome, airport_notice, drill_clear, store_alert
from airwarn.service_layer.publishing import audit, issue
from airwarn.store.repository import Repository

log = logging.getLogger("airwarn.lifecycle")

#: Who renews alerts whose regime is still in force (the audit names it so).
RENEWAL_ACTOR = "system:renewal"


# --- measures ----------------------------------------------------------------------------------------
def finish_measure(repo: Repository, deps: Deps, picture: Picture, measure: Measure, actor: str, reason: str,
                   out: Outcome, at: datetime | None = None, *, notice: bool = True,
                   authors: tuple[str, ...] = ()) -> Measure:
    """End one measure in the open transaction: the row, the picture, its audit record and the public notice
    (an airport's "resumed operations"; for internet or stay-indoors, unless `notice` is False because
    the all-clear of its regimes tells it)."""
    at = at or deps.clock()
    ended = measure.ended(at, actor, reason)
    repo.end_measure(ended)
    for i, m in enumerate(picture.measures):
        if m.id == measure.id:
            picture.measures[i] = ended
    out.measures_ended.append(measure.id)
    audit(repo, deps, actor, "measure.ended", "measure", measure.id, kind=measure.kind.value,
          region=measure.region, target=measure.target, reason=reason)
    if measure.kind is MeasureKind.AIRPORT_SUSPENDED and measure.target:
        airport_notice(repo, deps, picture, measure.target, False, at, actor, measure.report_id, out, authors)
    elif notice and ends_with_notice(measure.kind):
        now = deps.clock()
        told = compose_measure_ended(
            identifier=deps.alert_id(), authority=deps.authority, sent=now, territory=deps.territory,
            kind=measure.kind, region=measure.region, at=at, status=measure.status, created_by=actor,
            expires=deps.expiry.notice_expires(now))
        store_alert(repo, deps, replace(told, authors=authors or (actor,)), picture, actor, out)
    return ended


def release_measures(repo: Repository, deps: Deps, picture: Picture, lifted: Sequence[Regime], actor: str,
                     out: Outcome) -> None:
    """The measures that came with `lifted` end with them, unless an operator keeps them (audited too)."""
    release = released_measures(picture, lifted)
    names = ", ".join(r.id for r in lifted)
    for measure in release.ending:
        finish_measure(repo, deps, picture, measure, actor, f"its regimes were lifted ({names})", out,
                       notice=False)
    for measure in release.kept:
        audit(repo, deps, actor, "measure.kept_in_force", "measure", measure.id, kind=measure.kind.value,
              region=measure.region, regimes_lifted=[r.id for r in lifted])
        out.notes.append(f"{measure.kind.value} {measure.id} stays in force: an operator keeps it")


def _measure(repo: Repository, measure_id: str) -> Measure:
    found = repo.measure(measure_id)
    if found is None:
        raise NotFound(f"no measure {measure_id!r}")
    return found


def end_measure(deps: Deps, measure_id: str, actor: User, reason: str) -> Outcome:
    """An operator ends a measure in force (internet restored, stay-indoors lifted, airport resumed)."""
    _require(actor, Role.OPERATOR)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say why the measure ends", field="reason")

    def end(repo: Repository) -> Outcome:
        outcome = Outcome()  # afresh in each try
        measure = _measure(repo, measure_id)
        if not measure.active:
            raise Conflict(f"measure {measure_id} ended at {measure.ended_at}")
        picture = repo.picture(measure.status)
        finish_measure(repo, deps, picture, measure, actor.name, reason, outcome)
        return outcome

    outcome = deps.uow.run(end, region=region_of(deps, "measure", measure_id))
    deps.events.publish("regime", outcome.to_dict())  # the picture's topic: regimes and measures
    return outcome


def keep_measure(deps: Deps, measure_id: str, actor: User, keep: bool, reason: str = "") -> dict[str, Any]:
    """Keep a measure in force after the regimes it came with end (or let it end with them again)."""
    _require(actor, Role.OPERATOR)

    def keep_it(repo: Repository) -> None:
        measure = _measure(repo, measure_id)
        if not measure.active:
            raise Conflict(f"measure {measure_id} ended at {measure.ended_at}")
        changed = measure.kept(keep)
        repo.set_measure_keep(changed)
        audit(repo, deps, actor.name, "measure.keep" if keep else "measure.unkeep", "measure", measure_id,
              kind=measure.kind.value, region=measure.region, reason=reason)

    deps.uow.run(keep_it, region=region_of(deps, "measure", measure_id))
    result = {"id": measure_id, "keep": keep}
    deps.events.publish("regime", {"measure": result})
    return result


def _require(user: User, role: Role) -> None:
    if not user.role.allows(role):
        raise Forbidden(f"{user.name} is {user.role.value}; this needs {role.value} or higher")


# --- alerts for declared and escalated regimes ----------------------------------------------------------
def announce(repo: Repository, deps: Deps, picture: Picture, declared: Sequence[Regime],
             escalate: Sequence[Regime], *, actor: str, certainty: Certainty, circumstances: Circumstances,
             report_id: str | None, out: Outcome) -> None:
    """Compose (see `compose_announcements`), store and link the messages for what a decision declared or
    escalated."""
    for alert, regimes in compose_announcements(repo, deps, picture, declared, escalate, actor=actor,
                                                certainty=certainty, circumstances=circumstances,
                                                report_id=report_id):
        alert = store_alert(repo, deps, alert, picture, actor, out)
        repo.link_regimes([r.id for r in regimes], alert.identifier)


def compose_announcements(repo: Repository, deps: Deps, picture: Picture, declared: Sequence[Regime],
                          escalate: Sequence[Regime], *, actor: str, certainty: Certainty,
                          circumstances: Circumstances, report_id: str | None) -> list[tuple[Alert, list[Regime]]]:
    """One message per threat kind, region and level for what a decision declared or escalated, with the
    regimes to link to it. Escalated regimes are raised to the alert level here (store and picture).

    It is an Update of the earlier issued message when the same threat's area grows (new districts while
    it is in force; the Update covers the whole area) or a pre-alert escalates to the alert everywhere it
    stood; a new Alert otherwise."""
    now = deps.clock()
    escalated = [_escalate(repo, picture, r) for r in escalate]
    raised = {r.id for r in escalated}
    groups: dict[tuple[Any, str, Level], list[Regime]] = defaultdict(list)
    for regime in [*declared, *escalated]:
        groups[(regime.kind, regime.region, regime.level)].append(regime)
    composed: list[tuple[Alert, list[Regime]]] = []
    for (kind, region, level), regimes in groups.items():
        earlier: Alert | None = None
        group = {r.id for r in regimes}
        if group & raised:
            earlier = _current_alert(repo, [r for r in regimes if r.id in raised])
            if earlier is not None and any(r.id in earlier.regime_ids and r.id not in group
                                           for r in picture.active_regimes(region)):
                earlier = None  # the pre-alert still stands for the rest of its area: the alert is new
        else:
            others = [r for r in picture.active_regimes(region) if r.kind == kind and r.level == level
                      and r.id not in group]
            earlier = _current_alert(repo, others)
            if earlier is not None:
                regimes = [*[r for r in others if r.id in earlier.regime_ids], *regimes]
        alert = compose_regime_alert(
            identifier=deps.alert_id(), authority=deps.authority, sent=now, territory=deps.territory,
            regimes=regimes, certainty=certainty, circumstances=circumstances, created_by=actor,
            report_id=report_id, expires=deps.expiry.regime_expires(kind, level, now),
            effective=now if group & raised else None,  # a pre-alert raised now: its alert takes effect now
        )
        composed.append((as_update(alert, earlier) if earlier is not None else alert, regimes))
    return composed


def _escalate(repo: Repository, picture: Picture, regime: Regime) -> Regime:
    raised = regime.escalated()
    repo.set_regime_level(raised)
    for i, r in enumerate(picture.regimes):
        if r.id == regime.id:
            picture.regimes[i] = raised
    return raised


def _current_alert(repo: Repository, regimes: Sequence[Regime]) -> Alert | None:
    """The issued message that currently announces any of `regimes` (its newest Update), if any."""
    for regime in regimes:
        alert_id = repo.regime_alert_id(regime.id)
        if alert_id is None:
            continue
        alert = repo.alert_body(alert_id)
        if alert is not None and alert.state is AlertState.ISSUED:
            return alert
    return None


# --- renewal ---------------------------------------------------------------------------------------------
def renew_alerts(deps: Deps) -> list[str]:
    """Renew every issued regime message whose `<expires>` is near while its regimes stay in force:
    an Update with the same content and a later expiry. Returns the new identifiers.

    Every node runs this; the global write lock serialises them, and a node that comes second finds the messages
    already renewed (their regimes link to the renewal, which is not due)."""
    now = deps.clock()
    with deps.uow.read() as repo:
        if not any(_due(repo, deps, status, now) for status in Status):
            return []  # the usual tick: nothing near expiry, no write lock taken
    renewed: list[str] = []
    with deps.uow.write() as repo:  # global: every region's due messages, one transaction, rare
        for status in Status:
            picture = repo.picture(status)
            for alert, regimes in _due(repo, deps, status, now, picture):
                expires = deps.expiry.regime_expires(regimes[0].kind, regimes[0].level, now)
                renewal = compose_renewal(identifier=deps.alert_id(), original=alert, sent=now, expires=expires,
                                          created_by=RENEWAL_ACTOR)
                # a renewal decides nothing new (same text, area and regimes): it needs no second person,
                # and goes to the live stream and the CAP feed only (no siren or SMS repeats every hour)
                issue(repo, replace(deps, fanout=feed_only), renewal, picture, RENEWAL_ACTOR, new=True)
                repo.link_regimes([r.id for r in regimes], renewal.identifier)
                audit(repo, deps, RENEWAL_ACTOR, "alert.renewed", "alert", renewal.identifier,
                      renews=alert.identifier, expires=expires.isoformat())
                renewed.append(renewal.identifier)
    return renewed  # each renewal reaches live clients through its own outbox row, like any alert


def _due(repo: Repository, deps: Deps, status: Status, now: datetime,
         picture: Picture | None = None) -> list[tuple[Alert, list[Regime]]]:
    """Issued messages of regimes in force whose `<expires>` is within the policy's renewal lead."""
    picture = picture or repo.picture(status)
    by_alert: dict[str, list[Regime]] = defaultdict(list)
    for regime in picture.regimes:
        found = repo.regime(regime.id)
        if found is not None and found[1] is not None:
            by_alert[found[1]].append(regime)
    due = []
    for alert_id, regimes in by_alert.items():
        found_alert = repo.alert(alert_id)
        if found_alert is None:
            continue
        alert = found_alert[0]
        if alert.state is AlertState.ISSUED and deps.expiry.due(alert.expires, now):
            due.append((alert, regimes))
    return due


def feed_only(_repo: Repository, _alert: Alert, _picture: Picture) -> Deliveries:
    """Live clients and the CAP feed only: where a renewal goes (it replaces the earlier message's expiry),
    and a drill's cancel whose whole area is under an Actual regime (no siren, no SMS there)."""
    return Deliveries([Delivery("live", "*", "live stream for web clients"),
                       Delivery("cap", "atom", "CAP Atom feed for cell broadcast and aggregators")])


def guard_drill_cancel(repo: Repository, deps: Deps, cancel: Alert, out: Outcome) -> tuple[Alert, Deps]:
    """A drill's Cancel leaves out districts under an Actual regime; if none is left it goes to the feed
    and live clients only. Returns the message and the dependencies to issue it with."""
    if cancel.status is Status.ACTUAL:
        return cancel, deps
    guarded = drill_clear(repo, deps, cancel, out)
    if guarded is None:
        return cancel, replace(deps, fanout=feed_only)
    return guarded, deps


async def run_renewals(deps: Deps, stop: asyncio.Event, *, every_s: float = 60.0,
                       renew: Callable[[Deps], list[str]] = renew_alerts) -> None:
    """The server's renewal loop: renew due alerts every `every_s` seconds until `stop` is set."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(renew, deps)
        except Exception:  # the next tick tries again; an alert is renewed well before it expires
            log.exception("renewing alerts failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_s)


__all__ = ["announce", "compose_announcements", "end_measure", "finish_measure", "keep_measure", "release_measures",
           "renew_alerts", "run_renewals"]
