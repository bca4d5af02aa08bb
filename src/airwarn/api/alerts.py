"""Alerts: list, CAP 1.2 XML, the Atom feed, approval (two-person rule) and false-alarm cancellation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from airwarn.api import authority
from airwarn.api.audit import feed_head
from airwarn.api.auth import Approver, DepsDep, Operator
from airwarn.api.schemas import CancelIn, RejectIn
from airwarn.api.viewer import Viewer, sees_proposed
from airwarn.cap.atom import FeedEntry, atom_feed
from airwarn.domain.alert_payload import summary
from airwarn.domain.alerts import AlertState
from airwarn.domain.reports import Status
from airwarn.errors import Forbidden, NotFound
from airwarn.service_layer import services
from airwarn.store.codec import alert_to_dict
from airwarn.store.fanout_tables import job_states

router = APIRouter(prefix="/api/v1", tags=["alerts"])
router.include_router(authority.router)  # /me and /policy: served wherever the alerts API is

CAP_MEDIA_TYPE = "application/cap+xml"


#: Fields of an alert the public never sees: who made or approved it, and the report behind it.
PRIVATE_FIELDS = ("created_by", "approved_by", "authors", "report_id")


@router.get("/alerts")
def list_alerts(
    deps: DepsDep,
    viewer: Viewer,
    status: Status = Status.ACTUAL,
    state: AlertState | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    """Alerts newest first. Without a token: issued messages only; with one, held ones too (filter `state`)."""
    if not sees_proposed(viewer):
        if state not in (None, AlertState.ISSUED):
            raise Forbidden("only issued alerts are public; sign in to see others")
        state = AlertState.ISSUED
    with deps.uow.read() as repo:
        return [summary(a) for a, _ in repo.alerts(status=status, state=state, limit=limit)]


@router.get("/alerts.atom")
def feed(request: Request, deps: DepsDep, status: Status = Status.ACTUAL,
         limit: int = Query(200, ge=1, le=1000)) -> Response:
    """Atom feed of issued alerts; each entry embeds the signed CAP document for cell broadcast centres."""
    with deps.uow.read() as repo:
        rows = repo.alerts(status=status, state=AlertState.ISSUED, limit=limit)
    base = request.app.state.settings.public_url.rstrip("/")  # configured, never the client's Host header
    entries = [FeedEntry.from_alert(a, x.encode()) for a, x in rows if x]
    body = atom_feed(
        entries,
        feed_id=f"urn:airwarn:{deps.authority.sender}:{status.value.lower()}",
        title=f"{deps.authority.name_en} — {status.value} alerts",
        self_url=f"{base}/api/v1/alerts.atom",
        updated=rows[0][0].sent if rows else deps.clock(),
        audit_head=feed_head(request), audit_head_url=f"{base}/api/v1/audit/head",
    )
    return Response(body, media_type="application/atom+xml")


@router.get("/authority.pem")
def authority_certificate(deps: DepsDep) -> Response:
    """The certificate that signs every CAP message, for receivers to verify against."""
    if not deps.certificate_pem:
        raise NotFound("this deployment publishes no signing certificate")
    return Response(deps.certificate_pem, media_type="application/x-pem-file")


@router.get("/alerts/{identifier}.xml")
def alert_xml(identifier: str, deps: DepsDep) -> Response:
    """The signed CAP 1.2 message exactly as issued."""
    with deps.uow.read() as repo:
        found = repo.alert(identifier)
    if found is None or found[1] is None:
        raise NotFound(f"no issued alert {identifier!r}")
    return Response(found[1], media_type=CAP_MEDIA_TYPE)


@router.get("/alerts/{identifier}")
def alert_json(identifier: str, deps: DepsDep, viewer: Viewer) -> dict[str, Any]:
    """One alert. Without a token only an issued one, and never who made or approved it."""
    public = not sees_proposed(viewer)
    with deps.uow.read() as repo:
        found = repo.alert(identifier)
        if found is None or (public and found[0].state is not AlertState.ISSUED):
            raise NotFound(f"no alert {identifier!r}")
        outbox = repo.outbox_rows(identifier)
        jobs = job_states(repo.conn, identifier)
    body = alert_to_dict(found[0])
    if public:
        for name in PRIVATE_FIELDS:
            body.pop(name, None)
    body["deliveries"] = {"targets": len(outbox),
                          "delivered": sum(1 for r in outbox if r["state"] == "delivered"),
                          "fanout_pending": jobs["pending"]}  # shards whose targets are not counted yet
    return body


@router.post("/alerts/{identifier}/approve")
def approve(identifier: str, deps: DepsDep, user: Approver) -> dict[str, Any]:
    """Second person releases a held alert; its author cannot."""
    return services.approve_alert(deps, identifier, user)


@router.post("/alerts/{identifier}/reject")
def reject(identifier: str, body: RejectIn, deps: DepsDep, user: Approver) -> dict[str, Any]:
    """An approver who is not one of its authors refuses a held alert: it and its proposed state are dropped."""
    return services.reject_alert(deps, identifier, user, body.reason)


@router.post("/alerts/{identifier}/cancel")
def cancel(identifier: str, deps: DepsDep, user: Operator, body: CancelIn | None = None) -> dict[str, Any]:
    """False alarm: one call issues the CAP Cancel and lifts the regimes the alert declared. At or above the
    two-person threshold only an approver's cancel goes out at once (audited as a one-person act); an
    operator's waits for a second person."""
    return services.cancel_alert(deps, identifier, user, (body or CancelIn()).note)
