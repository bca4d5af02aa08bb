"""Alerts: list, CAP 1.2 XML, the Atom feed, approval (two-person rule) and false-alarm cancellation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from airwarn import services
from airwarn.api.auth import Approver, DepsDep, Operator
from airwarn.api.schemas import CancelIn
from airwarn.cap.atom import FeedEntry, atom_feed
from airwarn.domain.alerts import AlertState
from airwarn.domain.reports import Status
from airwarn.errors import NotFound
from airwarn.issuing import summary
from airwarn.store.codec import alert_to_dict

router = APIRouter(prefix="/api/v1", tags=["alerts"])

CAP_MEDIA_TYPE = "application/cap+xml"


@router.get("/alerts")
def list_alerts(
    deps: DepsDep,
    status: Status = Status.ACTUAL,
    state: AlertState | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    """Alerts newest first (issued and pending; filter with `state`)."""
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
def alert_json(identifier: str, deps: DepsDep) -> dict[str, Any]:
    with deps.uow.read() as repo:
        found = repo.alert(identifier)
        if found is None:
            raise NotFound(f"no alert {identifier!r}")
        outbox = repo.outbox_rows(identifier)
    body = alert_to_dict(found[0])
    body["deliveries"] = {"targets": len(outbox),
                          "delivered": sum(1 for r in outbox if r["state"] == "delivered")}
    return body


@router.post("/alerts/{identifier}/approve")
def approve(identifier: str, deps: DepsDep, user: Approver) -> dict[str, Any]:
    """Second person releases a held alert; its author cannot."""
    return services.approve_alert(deps, identifier, user)


@router.post("/alerts/{identifier}/cancel")
def cancel(identifier: str, deps: DepsDep, user: Operator, body: CancelIn | None = None) -> dict[str, Any]:
    """False alarm: one call issues the CAP Cancel and lifts the regimes the alert declared."""
    return services.cancel_alert(deps, identifier, user, (body or CancelIn()).note)
