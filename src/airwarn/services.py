"""Use cases: one function per thing an operator or a source can do. Edges call these and nothing deeper."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from airwarn.deps import Deps, new_id
from airwarn.domain import incidents
from airwarn.domain.alerts import Alert, AlertState, MsgType, compose_cancel
from airwarn.domain.audit import ChainCheck, verify_chain
from airwarn.domain.incidents import Incident
from airwarn.domain.reports import Certainty, Report, Status
from airwarn.domain.rules import covered, decide
from airwarn.domain.users import Role, User, hash_token, new_token
from airwarn.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from airwarn.intake import ReportDraft, resolve
from airwarn.issuing import Outcome, apply_decision, audit, issue, lift_regimes, store_alert, summary
from airwarn.lifecycle import guard_drill_cancel


def require(user: User, role: Role) -> None:
    if not user.role.allows(role):
        raise Forbidden(f"{user.name} is {user.role.value}; this needs {role.value} or higher")


def authenticate(deps: Deps, token: str | None) -> User:
    if not token:
        raise Unauthenticated("missing API token: send 'Authorization: Bearer <token>'")
    with deps.uow.read() as repo:
        user = repo.user_by_token(hash_token(token))
    if user is None:
        raise Unauthenticated("unknown or revoked API token")
    return user


def add_user(deps: Deps, name: str, role: str, *, actor: str = "admin-cli") -> str:
    """Create an operator account and return its token (shown once; only the hash is kept)."""
    if not name or len(name) > 64 or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise InvalidInput("user name must be 1-64 letters, digits, '-', '_' or '.'", field="name")
    try:
        user = User(name, Role(role))
    except ValueError:
        raise InvalidInput(f"role must be one of: {', '.join(r.value for r in Role)}", field="role") from None
    token = new_token()
    with deps.uow.write() as repo:
        if repo.user(name) is not None:
            raise Conflict(f"user {name!r} exists already", field="name")
        repo.add_user(user, hash_token(token), deps.clock())
        audit(repo, deps, actor, "user.added", "user", name, role=user.role.value)
    return token


def submit_report(deps: Deps, draft: ReportDraft, actor: User) -> Outcome:
    """A report arrives: validate it, decide, and commit the decision, its audit and outbox together."""
    require(actor, Role.OPERATOR)
    report = resolve(draft, deps.territory, now=deps.clock(), reported_by=actor.name,
                     future_tolerance=deps.future_tolerance)
    with deps.uow.write() as repo:
        picture = repo.picture(report.status)
        incident, dismissed, pending = _incident_of(repo, report)
        decision = decide(report, picture, deps.territory)
        review = "pending" if decision.queued else "none"
        if decision.queued and report.is_threat and incident.without(dismissed).corroborated:
            outcome = _corroborate(repo, deps, picture, report, incident, pending)
            review = "corroborated"
        elif decision.queued:
            outcome = Outcome(report_id=report.id, queued=True, notes=decision.notes)
        else:
            outcome = apply_decision(repo, deps, picture, decision, report, actor.name)
        outcome.incident_id = incident.id
        repo.add_report(report, review=review, outcome=outcome.to_dict(), incident_id=incident.id)
        if review == "corroborated":
            repo.set_review(report.id, review=review, by=CORROBORATION_ACTOR, at=deps.clock())
        audit(repo, deps, actor.name, "report.received", "report", report.id, kind=report.kind.value,
              region=report.region, districts=list(report.districts), source=report.source.type.value,
              certainty=report.certainty.value, queued=outcome.queued, incident=incident.id,
              incident_certainty=incident.certainty.value, incident_reports=len(incident.reports))
        if report.trusted and report.is_threat:
            _settle(repo, deps, picture, pending, by=report.reported_by, report=report, incident=incident,
                    outcome=outcome)
    _announce(deps, "report", outcome)
    return outcome


#: Who decides a claim that enough independent sources corroborated (the audit names it so).
CORROBORATION_ACTOR = "system:corroboration"


def _incident_of(repo: Any, report: Report) -> tuple[Incident, set[str], list[Report]]:
    """The open incident `report` belongs to (or a new one), with it attached; plus the ids of members an
    operator dismissed and the members still waiting in the review queue."""
    members = repo.open_incident_members(report.status, report.region, report.time - incidents.DEFAULT_WINDOW)
    home = incidents.place(report, incidents.gather((i, r) for i, r, _ in members))
    if home is None:
        return incidents.start(report, new_id("inc")), set(), []
    reviews = {r.id: review for i, r, review in members if i == home.id}
    pending = [r for r in home.reports if reviews.get(r.id) == "pending"]
    incidents.attach(home, report)
    return home, {rid for rid, review in reviews.items() if review == "dismissed"}, pending


def _corroborate(repo: Any, deps: Deps, picture: Any, report: Report, incident: Incident,
                 pending: list[Report]) -> Outcome:
    """Enough independent untrusted sources make the incident Likely: decide the claim as an operator's
    confirmation would, and settle the queued claims of the incident that its regimes now cover."""
    decision = decide(report, picture, deps.territory, confirmed=True)
    outcome = apply_decision(repo, deps, picture, decision, report, CORROBORATION_ACTOR,
                             certainty=Certainty.LIKELY)
    sources = incident.independent_claims
    outcome.notes.append(f"incident {incident.id}: {sources} independent sources make it Likely")
    audit(repo, deps, CORROBORATION_ACTOR, "incident.corroborated", "incident", incident.id,
          report=report.id, sources=sources, certainty=Certainty.LIKELY.value,
          regimes=list(outcome.regimes_declared), alerts=[a["identifier"] for a in outcome.alerts])
    _settle(repo, deps, picture, pending, by=CORROBORATION_ACTOR, report=report, incident=incident,
            outcome=outcome)
    return outcome


def _settle(repo: Any, deps: Deps, picture: Any, pending: list[Report], *, by: str, report: Report,
            incident: Incident, outcome: Outcome) -> None:
    """Queued claims of the incident whose areas are now under a regime in force leave the queue."""
    for member in pending:
        if member.is_threat and covered(member, picture, deps.territory):
            repo.set_review(member.id, review="corroborated", by=by, at=deps.clock())
            audit(repo, deps, by, "report.corroborated", "report", member.id, incident=incident.id,
                  by_report=report.id)
            outcome.notes.append(f"confirms queued claim {member.id} ({member.source.name or member.source.type})")


def confirm_report(deps: Deps, report_id: str, actor: User, certainty: str = "Likely") -> Outcome:
    """An operator vouches for a queued claim; it is then decided as if it came confirmed."""
    require(actor, Role.OPERATOR)
    try:
        confirmed_certainty = Certainty(certainty)
    except ValueError:
        raise InvalidInput("certainty must be Observed or Likely", field="certainty") from None
    if not confirmed_certainty.at_least(Certainty.LIKELY):
        raise InvalidInput("a confirmation must be at least Likely", field="certainty")
    with deps.uow.write() as repo:
        report = _pending(repo, report_id)
        picture = repo.picture(report.status)
        decision = decide(report, picture, deps.territory, confirmed=True)
        outcome = apply_decision(repo, deps, picture, decision, report, actor.name,
                                 certainty=confirmed_certainty)
        repo.set_review(report.id, review="confirmed", by=actor.name, at=deps.clock(),
                        outcome=outcome.to_dict())
        audit(repo, deps, actor.name, "report.confirmed", "report", report.id, certainty=certainty)
    _announce(deps, "review", outcome)
    return outcome


def dismiss_report(deps: Deps, report_id: str, actor: User, reason: str = "") -> None:
    require(actor, Role.OPERATOR)
    with deps.uow.write() as repo:
        report = _pending(repo, report_id)
        repo.set_review(report.id, review="dismissed", by=actor.name, at=deps.clock())
        audit(repo, deps, actor.name, "report.dismissed", "report", report.id, reason=reason)
    deps.events.publish("review", {"report_id": report_id, "review": "dismissed"})


def _pending(repo: Any, report_id: str) -> Any:
    row = repo.report_row(report_id)
    if row is None:
        raise NotFound(f"no report {report_id!r}")
    if row["review"] != "pending":
        raise Conflict(f"report {report_id} is not in the review queue (it is {row['review']})")
    return repo.report(report_id)


def _alert(repo: Any, identifier: str) -> Alert:
    found = repo.alert(identifier)
    if found is None:
        raise NotFound(f"no alert {identifier!r}")
    alert: Alert = found[0]
    return alert


def approve_alert(deps: Deps, identifier: str, approver: User) -> dict[str, Any]:
    """Two-person rule: a second person (approver or admin, not the author) releases a held alert."""
    require(approver, Role.APPROVER)
    with deps.uow.write() as repo:
        alert = _alert(repo, identifier)
        if alert.state is not AlertState.PENDING_APPROVAL:
            raise Conflict(f"alert {identifier} is {alert.state.value}, not pending approval")
        if alert.created_by == approver.name:
            raise Forbidden("two-person rule: the author of an alert cannot approve it")
        alert = alert.approved(approver.name).resent(deps.clock())  # expires keeps its lifetime
        issue(repo, deps, alert, repo.picture(alert.status), approver.name, new=False)
        audit(repo, deps, approver.name, "alert.approved", "alert", identifier, author=alert.created_by)
    result = summary(alert)
    # the alert itself goes to live clients through its outbox row; this tells consoles it was approved
    deps.events.publish("review", {"alert": result, "review": "approved"})
    return result


def cancel_alert(deps: Deps, identifier: str, actor: User, note: str = "False alarm") -> dict[str, Any]:
    """The prepared false-alarm cancellation: one call issues a CAP Cancel and lifts what the alert declared."""
    require(actor, Role.OPERATOR)
    with deps.uow.write() as repo:
        original = _alert(repo, identifier)
        if original.msg_type is MsgType.CANCEL:
            raise Conflict("a Cancel cannot itself be cancelled")
        if any(a.msg_type is MsgType.CANCEL for a in repo.referencing(identifier)):
            raise Conflict(f"alert {identifier} is already cancelled")
        picture = repo.picture(original.status)
        outcome = Outcome(notes=[note])
        active = [r for r in picture.active_regimes() if r.id in original.regime_ids]
        if original.state is AlertState.PENDING_APPROVAL:
            repo.replace_alert(replace(original, state=AlertState.WITHDRAWN), None, None)
            audit(repo, deps, actor.name, "alert.withdrawn", "alert", identifier, reason=note)
            lift_regimes(repo, deps, picture, active, actor.name, f"false alarm: {note}", outcome,
                         all_clear=False)
            result: dict[str, Any] = {"withdrawn": identifier, **outcome.to_dict()}
        elif original.state is AlertState.WITHDRAWN:
            raise Conflict(f"alert {identifier} was withdrawn and never issued")
        else:
            cancel = compose_cancel(identifier=deps.alert_id(), original=original, sent=deps.clock(),
                                    created_by=actor.name, note=note,
                                    expires=deps.expiry.follow_up_expires(deps.clock()))
            cancel, via = guard_drill_cancel(repo, deps, cancel, outcome)  # never a stop where it is real
            store_alert(repo, via, cancel, picture, actor.name, outcome)
            lift_regimes(repo, deps, picture, active, actor.name, f"false alarm: {note}", outcome,
                         all_clear=False)
            result = {"cancel": summary(cancel), **outcome.to_dict()}
    _announce(deps, "alert", outcome)
    return result


def lift_regime(deps: Deps, regime_id: str, actor: User, reason: str = "") -> Outcome:
    require(actor, Role.OPERATOR)
    with deps.uow.write() as repo:
        found = repo.regime(regime_id)
        if found is None:
            raise NotFound(f"no regime {regime_id!r}")
        regime = found[0]
        if not regime.active:
            raise Conflict(f"regime {regime_id} was lifted at {regime.lifted_at}")
        picture = repo.picture(regime.status)
        outcome = Outcome()
        current = next(r for r in picture.regimes if r.id == regime_id)
        lift_regimes(repo, deps, picture, [current], actor.name, reason or "lifted by operator", outcome)
    _announce(deps, "regime", outcome)
    return outcome


def verify_audit(deps: Deps) -> ChainCheck:
    with deps.uow.read() as repo:
        return verify_chain(repo.audit())


def picture_summary(deps: Deps, status: Status = Status.ACTUAL) -> dict[str, Any]:
    """Regimes per region, airports, review queue and alerts: what the demo and the console show."""
    with deps.uow.read() as repo:
        regimes = repo.regimes(active=True, status=status)
        measures = repo.measures(active=True, status=status)
        queue = repo.reports(review="pending", status=status)
        alerts = repo.alerts(status=status, limit=1000)
    now = deps.clock()
    alerts = [(a, x) for a, x in alerts if not a.expired(now)]  # an expired message is no longer in force
    return {
        "status": status.value,
        "regimes": regimes,
        "measures": measures,
        "review_queue": queue,
        "alerts": [summary(a) for a, _ in alerts],
    }


def incidents_view(deps: Deps, *, status: Status = Status.ACTUAL, limit: int = 100) -> list[dict[str, Any]]:
    """Incidents, the one with the latest report first: sources, evidence, reports and alerts of each."""
    with deps.uow.read() as repo:
        ids = repo.incident_ids(status=status, limit=limit)
        return _incident_views(repo, ids)


def incident_view(deps: Deps, incident_id: str) -> dict[str, Any]:
    with deps.uow.read() as repo:
        found = _incident_views(repo, [incident_id])
    if not found:
        raise NotFound(f"no incident {incident_id!r}")
    return found[0]


def _incident_views(repo: Any, ids: list[str]) -> list[dict[str, Any]]:
    members = repo.incident_members(ids)
    reviews = {r.id: review for _, r, review in members}
    built = {i.id: i for i in incidents.gather((i, r) for i, r, _ in members)}
    alerts_by_report = repo.alert_ids_by_report([r.id for _, r, _ in members])
    views = []
    for incident_id in ids:
        incident = built.get(incident_id)
        if incident is None:
            continue
        view = incidents.summary(incident)
        view["alert_ids"] = [a for r in incident.reports for a in alerts_by_report.get(r.id, [])]
        view["status"] = incident.reports[0].status.value
        for item in view["reports"]:  # type: ignore[attr-defined]
            item["review"] = reviews.get(item["id"])
        views.append(view)
    return views


def _announce(deps: Deps, topic: str, outcome: Outcome) -> None:
    deps.events.publish(topic, outcome.to_dict())
