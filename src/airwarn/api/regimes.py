"""Regimes, measures, plans and airports."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from airwarn.api.auth import DepsDep, Operator
from airwarn.api.schemas import DeclareIn, PlanIn, ReasonIn, Strict
from airwarn.api.viewer import Viewer, sees_proposed
from airwarn.domain.regimes import MeasureKind
from airwarn.domain.reports import RegimeKind, Status
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.intake import ReportDraft

router = APIRouter(prefix="/api/v1", tags=["regimes"])


@router.get("/regimes")
def list_regimes(deps: DepsDep, viewer: Viewer, active: bool | None = True,
                 status: Status = Status.ACTUAL) -> list[dict[str, Any]]:
    """Regimes with `state`; without a token only approved ones (never proposed)."""
    with deps.uow.read() as repo:
        return repo.regimes(active=active, status=status, public=not sees_proposed(viewer))


class DeclarePreviewIn(Strict):
    kind: RegimeKind
    region: str = Field(min_length=2, max_length=100)
    districts: list[str] = Field(default_factory=list, max_length=100)
    reason: str = Field("", max_length=2000, description="optional here; required when declaring")
    status: Status = Status.ACTUAL


@router.post("/regimes/preview")
def preview_declaration(body: DeclarePreviewIn, deps: DepsDep, user: Operator) -> dict[str, Any]:
    """What a declaration would cover before it is sent: the districts (all of them for a whole region),
    what is already in force there and whether a second person must approve it. Changes nothing."""
    return services.preview_declaration(deps, _draft(body, user, ""), user)


@router.post("/regimes", status_code=201)
def declare(body: DeclareIn, deps: DepsDep, user: Operator) -> dict[str, Any]:
    """An operator declares a regime directly (recorded as an official report by that operator, with the
    required reason). The answer says how many districts it covers."""
    draft = _draft(body, user, body.reason)
    outcome = services.submit_report(deps, draft, user).to_dict()
    return outcome | services.declaration_coverage(deps, draft, user)


def _draft(body: DeclarePreviewIn | DeclareIn, user: User, reason: str) -> ReportDraft:
    return ReportDraft(kind="regime_declared", region=body.region, source_type="official",
                       source_name=user.name, districts=list(body.districts), regime=body.kind.value,
                       text=reason, status=body.status.value)



@router.post("/regimes/{regime_id}/lift")
def lift(regime_id: str, deps: DepsDep, user: Operator, body: ReasonIn | None = None) -> dict[str, Any]:
    return services.lift_regime(deps, regime_id, user, (body or ReasonIn()).reason).to_dict()


@router.post("/plans/activate", status_code=201)
def activate_plan(body: PlanIn, deps: DepsDep, user: Operator) -> dict[str, Any]:
    draft = ReportDraft(kind="plan_activated", region=body.region, source_type="official",
                        source_name=user.name, plan=body.plan, status=body.status.value)
    return services.submit_report(deps, draft, user).to_dict()


@router.get("/measures")
def list_measures(deps: DepsDep, viewer: Viewer, active: bool | None = True,
                  status: Status = Status.ACTUAL) -> list[dict[str, Any]]:
    """Measures with `state`; without a token only approved ones (never proposed)."""
    with deps.uow.read() as repo:
        return repo.measures(active=active, status=status, public=not sees_proposed(viewer))


@router.get("/airports")
def airports(deps: DepsDep, status: Status = Status.ACTUAL) -> list[dict[str, Any]]:
    """Every airport with its status: operating, or suspended since when (and resumed when); approved
    suspensions only (a proposed one changes nothing until a second person approves it)."""
    with deps.uow.read() as repo:
        suspensions = [m for m in repo.measures(active=None, status=status, public=True)
                       if m["kind"] == MeasureKind.AIRPORT_SUSPENDED.value]
    out = []
    for a in deps.territory.airports.values():
        history = [m for m in suspensions if m["target"] == a.icao]
        last = history[-1] if history else None
        state = "suspended" if last and last["ended_at"] is None else ("resumed" if last else "operating")
        out.append({
            "icao": a.icao, "iata": a.iata, "name_en": a.name_en, "name_ru": a.name_ru, "region": a.region,
            "lat": a.lat, "lon": a.lon, "status": state,
            "since": (last["started_at"] if state == "suspended" else last["ended_at"]) if last else None,
        })
    return out
