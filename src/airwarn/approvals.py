"""The two-person rule's use cases: approve, reject and cancel alerts, counted as people.

Approving a held alert releases its whole decision in one transaction: the proposed regimes and measures
come into force, marked lifts and ends happen, and every held alert of the decision is signed and issued.
Rejecting drops all of it unseen. Cancelling an issued alert at or above the threshold needs a second
person, except the false-alarm cancel by someone holding the approver role, audited as such.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from airwarn.domain.alert_payload import summary
from airwarn.domain.alerts import Alert, AlertState, MsgType
from airwarn.domain.composing import compose_cancel
from airwarn.domain.users import Role, User
from airwarn.errors import Conflict, Forbidden, InvalidInput, NotFound
from airwarn.lifecycle import guard_drill_cancel, release_measures
from airwarn.regions import region_of
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.issuing import (
    Outcome,
    held_group,
    lift_one,
    lift_regimes,
    store_alert,
)
from airwarn.service_layer.issuing import withdraw_group as _drop
from airwarn.service_layer.publishing import audit, issue
from airwarn.store.repository import Repository

#: How the audit names the one public act above the threshold that one person may do.
SINGLE_PERSON_FALSE_ALARM = "single_person_false_alarm_cancel"


def _require(user: User, role: Role) -> None:
    if not user.role.allows(role):
        raise Forbidden(f"{user.name} is {user.role.value}; this needs {role.value} or higher")


def _alert(repo: Repository, identifier: str) -> Alert:
    found = repo.alert(identifier)
    if found is None:
        raise NotFound(f"no alert {identifier!r}")
    return found[0]


def _held(repo: Repository, identifier: str, user: User, verb: str) -> list[Alert]:
    alert = _alert(repo, identifier)
    if alert.state is not AlertState.PENDING_APPROVAL:
        raise Conflict(f"alert {identifier} is {alert.state.value}, not pending approval")
    group = held_group(repo, alert)
    for member in group:
        if user.name in member.people:
            raise Forbidden(f"two-person rule: {user.name} caused alert {member.identifier} "
                            f"(authors: {', '.join(sorted(member.people))}) and cannot {verb} it")
    return group


def approve_alert(deps: Deps, identifier: str, approver: User) -> dict[str, Any]:
    """A second person (approver or admin, not one of the authors) releases a held alert and its decision."""
    _require(approver, Role.APPROVER)
    now = deps.clock()

    def approve(repo: Repository) -> tuple[list[str], list[dict[str, Any]]]:  # its decision's region
        group = _held(repo, identifier, approver, "approve")
        ids = [a.identifier for a in group]
        status = group[0].status
        for table in ("regimes", "measures"):
            proposed = repo.proposed_by(table, ids)
            repo.put_in_force(table, proposed)
            for item in proposed:
                audit(repo, deps, approver.name, f"{table[:-1]}.in_force", table[:-1], item, alert=identifier)
        picture = repo.picture(status)
        outcome = Outcome()
        lifting = set(repo.proposed_by("regimes", ids, lifting=True))
        lifted = [r for r in picture.regimes if r.id in lifting]
        for regime in lifted:
            lift_one(repo, deps, picture, regime, approver.name, f"approved {regime.lift_pending}", outcome)
        release_measures(repo, deps, picture, lifted, approver.name, outcome)  # what came with them ends
        for measure in [m for m in picture.measures if m.id in set(repo.proposed_by("measures", ids, lifting=True))]:
            ended = measure.ended(now, approver.name)
            repo.end_measure(ended)
            picture.measures[picture.measures.index(measure)] = ended
            audit(repo, deps, approver.name, "measure.ended", "measure", measure.id, kind=measure.kind.value,
                  target=measure.target, alert=measure.lift_pending)
        released = []
        for member in group:
            alert = member.approved(approver.name).resent(now)  # <expires> keeps its lifetime
            issue(repo, deps, alert, picture, approver.name, new=False)
            audit(repo, deps, approver.name, "alert.approved", "alert", alert.identifier,
                  authors=sorted(alert.people), with_alert=identifier)
            released.append(summary(alert))
        return ids, released

    ids, released = deps.uow.run(approve, region=region_of(deps, "alert", identifier))
    result = released[0]
    if len(released) > 1:
        result = {**result, "released_with_it": released[1:]}
    # the alert itself goes to live clients through its outbox row; this tells consoles it was approved
    deps.events.publish("review", {"alert": released[0], "review": "approved", "released": ids})
    return result


def reject_alert(deps: Deps, identifier: str, approver: User, reason: str) -> dict[str, Any]:
    """An approver (not an author) refuses a held alert: it and its proposed state are dropped, audited."""
    _require(approver, Role.APPROVER)
    if not reason.strip():
        raise InvalidInput("a rejection needs a reason", field="reason")

    def reject(repo: Repository) -> list[str]:
        group = _held(repo, identifier, approver, "reject")
        ids = _drop(repo, deps, group[0], approver.name, reason, AlertState.REJECTED)
        return ids

    ids = deps.uow.run(reject, region=region_of(deps, "alert", identifier))
    deps.events.publish("review", {"alert": {"identifier": identifier, "state": "rejected"},
                                   "review": "rejected", "rejected": ids})
    return {"identifier": identifier, "state": AlertState.REJECTED.value, "rejected": ids, "reason": reason}


def cancel_alert(deps: Deps, identifier: str, actor: User, note: str = "False alarm") -> dict[str, Any]:
    """Withdraw a held alert, or cancel an issued one with a CAP Cancel that lifts what it declared.

    At or above the threshold, an approver's false-alarm cancel goes out at once (one person, audited as
    such); an operator's waits for a second person, and the regimes stay in force until then."""
    _require(actor, Role.OPERATOR)

    def cancel_it(repo: Repository) -> tuple[dict[str, Any], Outcome]:
        original = _alert(repo, identifier)
        if original.msg_type is MsgType.CANCEL:
            raise Conflict("a Cancel cannot itself be cancelled")
        if any(a.msg_type is MsgType.CANCEL and a.state in (AlertState.ISSUED, AlertState.PENDING_APPROVAL)
               for a in repo.referencing(identifier)):
            raise Conflict(f"alert {identifier} is already cancelled (or its cancel waits for approval)")
        if original.state is not AlertState.ISSUED and original.state is not AlertState.PENDING_APPROVAL:
            raise Conflict(f"alert {identifier} is {original.state.value} and was never issued")
        picture = repo.picture(original.status)
        outcome = Outcome(notes=[note])
        active = [r for r in picture.active_regimes() if r.id in original.regime_ids]
        if original.state is AlertState.PENDING_APPROVAL:
            dropped = _drop(repo, deps, original, actor.name, note, AlertState.WITHDRAWN)
            result: dict[str, Any] = {"withdrawn": identifier, "dropped": dropped, **outcome.to_dict()}
        else:
            now = deps.clock()
            cancel = replace(compose_cancel(identifier=deps.alert_id(), original=original, sent=now,
                                            created_by=actor.name, note=note,
                                            expires=deps.expiry.follow_up_expires(now)), authors=(actor.name,))
            cancel, via = guard_drill_cancel(repo, deps, cancel, outcome)  # never a stop where it is real
            gated = deps.approval.needs_approval(cancel, [original])
            if gated and not actor.role.allows(Role.APPROVER):
                cancel = store_alert(repo, via, cancel, picture, actor.name, outcome)
                live = [r.id for r in active if not r.lift_pending]
                repo.set_pending("regimes", live, lift_pending=cancel.identifier)
                outcome.notes.append(f"the cancel waits for a second person; {len(live)} regime(s) stay in "
                                     "force until it is approved")
            else:
                cancel = store_alert(repo, via, cancel, picture, actor.name, outcome,
                                     alone=SINGLE_PERSON_FALSE_ALARM if gated else None)
                lift_regimes(repo, deps, picture, active, actor.name, f"false alarm: {note}", outcome,
                             all_clear=False)
                for waiting in repo.referencing(identifier):  # an all-clear still held has nothing left to do
                    if waiting.state is AlertState.PENDING_APPROVAL and waiting.identifier != cancel.identifier:
                        _drop(repo, deps, waiting, actor.name, f"superseded by cancel {cancel.identifier}",
                              AlertState.WITHDRAWN)
            result = {"cancel": summary(cancel), **outcome.to_dict()}
        return result, outcome

    result, outcome = deps.uow.run(cancel_it, region=region_of(deps, "alert", identifier))
    deps.events.publish("alert", outcome.to_dict())
    return result
