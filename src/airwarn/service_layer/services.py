"""Use cases: one function per thing an operator or a source can do. Edges call these and nothing deeper."""

from __future__ import annotations

from typing import Any

from airwarn.approvals import approve_alert as approve_alert  # the use cases of the two-person rule
from airwarn.approvals import cancel_alert as cancel_alert
from airwarn.approvals import reject_alert as reject_alert
from airwarn.domain import incidents
from airwarn.domain.alert_payload import summary
from airwarn.domain.alerts import AlertState
from airwarn.domain.audit import ChainCheck
from airwarn.domain.incidents import Incident
from airwarn.domain.reports import Certainty, RegimeKind, Report, Status
from airwarn.domain.rules import covered, decide, tells_of_a_threat
from airwarn.domain.threat_texts import THREAT_TEXTS
from airwarn.domain.users import Role, User, hash_token, new_token
from airwarn.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from airwarn.regions import region_of
from airwarn.service_layer.deps import Deps, new_id
from airwarn.service_layer.intake import ReportDraft, resolve
from airwarn.service_layer.issuing import Outcome, apply_decision, lift_regimes
from airwarn.service_layer.publishing import audit
from airwarn.store.repository import Repository


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


def _require_reporter(actor: User, draft: ReportDraft) -> None:
    """Operators report anything; a sensor account only its own detections (source type sensor)."""
    if actor.role is Role.SENSOR and draft.source_type == "sensor":
        return
    require(actor, Role.OPERATOR)


def submit_report(deps: Deps, draft: ReportDraft, actor: User) -> Outcome:
    """A report arrives: validate it, decide, and commit the decision, its audit and outbox together."""
    _require_reporter(actor, draft)
    report = resolve(draft, deps.territory, now=deps.clock(), reported_by=actor.name,
                     future_tolerance=deps.future_tolerance)

    def decide_it(repo: Repository) -> Outcome:  # the decision reads and changes its region only
        picture = repo.picture(report.status)
        incident, dismissed, pending = _incident_of(repo, report)
        decision = decide(report, picture, deps.territory)
        review = "pending" if decision.queued else "none"
        standing = incident.without(dismissed)
        if decision.queued and deps.auto_confirm.confirms(report, standing.reports):
            outcome = _auto_confirm(repo, deps, picture, report, incident, standing.reports, pending)
            review = "auto_confirmed"
        elif decision.queued:
            outcome = Outcome(report_id=report.id, queued=True, notes=decision.notes)
            if tells_of_a_threat(report) and standing.corroborated:
                _corroborated(repo, deps, report, standing, outcome)
        else:
            outcome = apply_decision(repo, deps, picture, decision, report, actor.name,
                                     sensor_solo=actor.role is Role.SENSOR)
        outcome.incident_id = incident.id
        repo.add_report(report, review=review, outcome=outcome.to_dict(), incident_id=incident.id)
        if review == "auto_confirmed":
            repo.set_review(report.id, review=review, by=AUTO_CONFIRM_ACTOR, at=deps.clock())
        audit(repo, deps, actor.name, "report.received", "report", report.id, kind=report.kind.value,
              region=report.region, districts=list(report.districts), source=report.source.type.value,
              certainty=report.certainty.value, queued=outcome.queued, incident=incident.id,
              incident_certainty=incident.certainty.value, incident_reports=len(incident.reports))
        if report.trusted and tells_of_a_threat(report):
            _settle(repo, deps, picture, pending, by=report.reported_by, report=report, incident=incident,
                    outcome=outcome)
        return outcome

    outcome = deps.uow.run(decide_it, region=report.region)  # may decide again: see UnitOfWork.run
    _announce(deps, "report", outcome)
    return outcome


#: Who confirms a claim under the authority's opt-in auto-confirm policy (the audit names it so).
AUTO_CONFIRM_ACTOR = "system:auto-confirm"
#: Who notes that independent sources corroborate a queued claim (it decides nothing).
CORROBORATION_ACTOR = "system:corroboration"


def _corroborated(repo: Any, deps: Deps, report: Report, incident: Incident, outcome: Outcome) -> None:
    """Independent sources raise the claim's certainty and its place in the queue, and say so; an operator
    still decides (unless the authority opted into auto-confirmation)."""
    sources = incident.independent_claims
    outcome.notes.append(f"incident {incident.id}: {sources} independent sources corroborate it; certainty "
                         f"raised to {incident.certainty.value} and moved up the review queue; an operator decides")
    audit(repo, deps, CORROBORATION_ACTOR, "incident.corroborated", "incident", incident.id, report=report.id,
          sources=sources, certainty=incident.certainty.value)


def _auto_confirm(repo: Any, deps: Deps, picture: Any, report: Report, incident: Incident,
                  standing: list[Report], pending: list[Report]) -> Outcome:
    """The authority's opt-in policy confirms the claim; everyone who reported it counts as an author."""
    decision = decide(report, picture, deps.territory, confirmed=True)
    causers = tuple(dict.fromkeys(r.reported_by for r in standing if not r.trusted))
    outcome = apply_decision(repo, deps, picture, decision, report, AUTO_CONFIRM_ACTOR,
                             certainty=Certainty.LIKELY, authors=causers)
    outcome.notes.append(f"incident {incident.id}: confirmed by the auto-confirm policy "
                         f"({deps.auto_confirm.describe()})")
    audit(repo, deps, AUTO_CONFIRM_ACTOR, "incident.auto_confirmed", "incident", incident.id, report=report.id,
          policy=deps.auto_confirm.to_dict(), reports=[r.id for r in standing], authors=list(causers),
          regimes=list(outcome.regimes_declared), alerts=[a["identifier"] for a in outcome.alerts])
    _settle(repo, deps, picture, pending, by=AUTO_CONFIRM_ACTOR, report=report, incident=incident,
            outcome=outcome)
    return outcome


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


def _settle(repo: Any, deps: Deps, picture: Any, pending: list[Report], *, by: str, report: Report,
            incident: Incident, outcome: Outcome) -> None:
    """Queued claims of the incident whose areas are now under a regime in force leave the queue."""
    for member in pending:
        if covered(member, picture, deps.territory):  # threat reports and air-raid alerts only
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

    def confirm(repo: Repository) -> Outcome:
        report = _pending(repo, report_id)
        picture = repo.picture(report.status)
        decision = decide(report, picture, deps.territory, confirmed=True)
        outcome = apply_decision(repo, deps, picture, decision, report, actor.name,
                                 certainty=confirmed_certainty, authors=(report.reported_by,))
        repo.set_review(report.id, review="confirmed", by=actor.name, at=deps.clock(),
                        outcome=outcome.to_dict())
        audit(repo, deps, actor.name, "report.confirmed", "report", report.id, certainty=certainty)
        return outcome

    outcome = deps.uow.run(confirm, region=region_of(deps, "report", report_id))
    _announce(deps, "review", outcome)
    return outcome


def dismiss_report(deps: Deps, report_id: str, actor: User, reason: str = "") -> None:
    require(actor, Role.OPERATOR)

    def dismiss(repo: Repository) -> None:
        report = _pending(repo, report_id)
        repo.set_review(report.id, review="dismissed", by=actor.name, at=deps.clock())
        audit(repo, deps, actor.name, "report.dismissed", "report", report.id, reason=reason)

    deps.uow.run(dismiss, region=region_of(deps, "report", report_id))  # its incident's region
    deps.events.publish("review", {"report_id": report_id, "review": "dismissed"})


def _pending(repo: Any, report_id: str) -> Any:
    row = repo.report_row(report_id)
    if row is None:
        raise NotFound(f"no report {report_id!r}")
    if row["review"] != "pending":
        raise Conflict(f"report {report_id} is not in the review queue (it is {row['review']})")
    return repo.report(report_id)


def lift_regime(deps: Deps, regime_id: str, actor: User, reason: str = "") -> Outcome:
    require(actor, Role.OPERATOR)

    def lift(repo: Repository) -> Outcome:
        found = repo.regime(regime_id)
        if found is None:
            raise NotFound(f"no regime {regime_id!r}")
        regime = found[0]
        if not regime.active:
            raise Conflict(f"regime {regime_id} was lifted at {regime.lifted_at}")
        if regime.lift_pending:
            raise Conflict(f"regime {regime_id} is lifted once alert {regime.lift_pending} is approved")
        picture = repo.picture(regime.status)
        outcome = Outcome()
        current = next(r for r in picture.regimes if r.id == regime_id)
        lift_regimes(repo, deps, picture, [current], actor.name, reason or "lifted by operator", outcome)
        return outcome

    outcome = deps.uow.run(lift, region=region_of(deps, "regime", regime_id))
    _announce(deps, "regime", outcome)
    return outcome


def declaration_coverage(deps: Deps, draft: ReportDraft, actor: User) -> dict[str, Any]:
    """How many districts a declaration covers (every district of the region when it names none)."""
    report = resolve(draft, deps.territory, now=deps.clock(), reported_by=actor.name,
                     future_tolerance=deps.future_tolerance)
    region = deps.territory.regions[report.region]
    codes = list(report.districts) or [d.code for d in deps.territory.districts.values() if d.region == region.code]
    return {"region": region.code, "region_name": region.name_en, "whole_region": not report.districts,
            "district_count": len(codes),
            "districts": [{"code": c, "name_en": deps.territory.districts[c].name_en} for c in codes]}


def preview_declaration(deps: Deps, draft: ReportDraft, actor: User) -> dict[str, Any]:
    """A dry run of a manual declaration: its coverage, what would be declared or is already in force or
    proposed, and whether a second person must approve it. Writes nothing."""
    require(actor, Role.OPERATOR)
    report = resolve(draft, deps.territory, now=deps.clock(), reported_by=actor.name,
                     future_tolerance=deps.future_tolerance)
    with deps.uow.read() as repo:
        picture = repo.picture(report.status)
    decision = decide(report, picture, deps.territory, confirmed=True)
    kind = report.regime or RegimeKind.DRONE_HAZARD
    severity = THREAT_TEXTS[kind].severity
    return declaration_coverage(deps, draft, actor) | {
        "kind": kind.value, "status": report.status.value, "severity": severity.value,
        "needs_approval": report.status is not Status.TEST and severity.rank >= deps.approval.min_severity.rank,
        "would_declare": [{"kind": d.kind.value, "district": d.district} for d in decision.declare],
        "would_start": [{"kind": m.kind.value, "target": m.target, "plan": m.plan} for m in decision.start],
        "notes": decision.notes,
    }


def verify_audit(deps: Deps) -> ChainCheck:
    """The audit chain's links and MACs, and every covered table row against its audited state."""
    from airwarn.auditing import verify

    return verify(deps)


def picture_summary(deps: Deps, status: Status = Status.ACTUAL, *, public: bool = True) -> dict[str, Any]:
    """Regimes, measures, review queue and alerts: what the demo and the console show. `public` (no token)
    keeps only approved state and issued messages; operators also see proposed state and held alerts."""
    with deps.uow.read() as repo:
        regimes = repo.regimes(active=True, status=status, public=public)
        measures = repo.measures(active=True, status=status, public=public)
        queue = repo.reports(review="pending", status=status, limit=1000)
        alerts = repo.alerts(status=status, state=AlertState.ISSUED if public else None, limit=1000)
    now = deps.clock()
    alerts = [(a, x) for a, x in alerts if not a.expired(now)]  # an expired message is no longer in force
    return {
        "status": status.value,
        "regimes": regimes,
        "measures": measures,
        "review_queue": queue,
        "alerts": [summary(a) for a, _ in alerts],
    }


def review_queue(deps: Deps, status: Status = Status.ACTUAL) -> list[dict[str, Any]]:
    """Queued claims, most urgent first: those that independent sources corroborate rise, and say so."""
    with deps.uow.read() as repo:
        queue = repo.reports(review="pending", status=status, limit=1000)
        ids = sorted({q["incident_id"] for q in queue if q.get("incident_id")})
        members = repo.incident_members(ids)
    reviews = {r.id: review for _, r, review in members}
    built = {i.id: i.without(rid for rid, rv in reviews.items() if rv == "dismissed")
             for i in incidents.gather((i, r) for i, r, _ in members)}
    for item in queue:
        incident = built.get(item.get("incident_id") or "")
        sources = incident.independent_claims if incident else 1
        certainty = incident.certainty if incident else Certainty(item["certainty"])
        item["incident_certainty"] = certainty.value
        item["independent_sources"] = sources
        item["priority"] = certainty.rank * 100 + min(sources, 99)
        item["corroboration"] = (f"{sources} independent sources: certainty {certainty.value}; an operator decides"
                                 if incident is not None and incident.corroborated else None)
    queue.sort(key=lambda q: (q["priority"], q["received_at"]), reverse=True)
    return queue


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
