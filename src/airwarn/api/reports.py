"""Reports in, review queue out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from airwarn.api.auth import DepsDep, Observer, Operator
from airwarn.api.schemas import ConfirmIn, ReasonIn, ReportIn
from airwarn.domain.reports import Status
from airwarn.service_layer import services

router = APIRouter(prefix="/api/v1", tags=["reports"])


@router.post("/reports", status_code=201)
def post_report(body: ReportIn, request: Request, deps: DepsDep, user: Operator) -> dict[str, Any]:
    """Submit a report; the answer says what it changed (regimes, measures, alerts) or that it is queued.
    An official interception also ends the live tracks over the districts it names."""
    draft = body.draft()
    outcome = services.submit_report(deps, draft, user)
    request.app.state.tracking.interception_reported(draft, outcome.queued)
    return outcome.to_dict()


@router.get("/reports")
def list_reports(deps: DepsDep, _user: Observer, limit: int = Query(100, ge=1, le=1000),
                 status: Status | None = None) -> list[dict[str, Any]]:
    with deps.uow.read() as repo:
        return repo.reports(limit=limit, status=status)


@router.get("/review")
def review_queue(deps: DepsDep, _user: Observer, status: Status = Status.ACTUAL) -> list[dict[str, Any]]:
    """Unconfirmed claims waiting for an operator, with their evidence text: those that independent sources
    corroborate first (`priority`, `independent_sources`, `incident_certainty`, `corroboration`), then newest."""
    return services.review_queue(deps, status)


@router.post("/review/{report_id}/confirm")
def confirm(report_id: str, deps: DepsDep, user: Operator, body: ConfirmIn | None = None) -> dict[str, Any]:
    certainty = (body or ConfirmIn()).certainty.value
    return services.confirm_report(deps, report_id, user, certainty).to_dict()


@router.post("/review/{report_id}/dismiss")
def dismiss(report_id: str, deps: DepsDep, user: Operator, body: ReasonIn | None = None) -> dict[str, Any]:
    services.dismiss_report(deps, report_id, user, (body or ReasonIn()).reason)
    return {"report_id": report_id, "review": "dismissed"}
