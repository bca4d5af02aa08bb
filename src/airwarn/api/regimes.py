"""Regimes, measures, plans and airports."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from airwarn import services
from airwarn.api.auth import DepsDep, Operator
from airwarn.api.schemas import DeclareIn, PlanIn, ReasonIn
from airwarn.domain.regimes import MeasureKind
from airwarn.domain.reports import Status
from airwarn.intake import ReportDraft

router = APIRouter(prefix="/api/v1", tags=["regimes"])


@router.get("/regimes")
def list_regimes(deps: DepsDep, active: bool | None = True, status: Status = Status.ACTUAL) -> list[dict[str, Any]]:
    with deps.uow.read() as repo:
        return repo.regimes(active=active, status=status)


@router.post("/regimes", status_code=201)
def declare(body: DeclareIn, deps: DepsDep, user: Operator) -> dict[str, Any]:
    """An operator declares a regime directly (recorded as an official report by that operator)."""
    draft = ReportDraft(kind="regime_declared", region=body.region, source_type="official",
                        source_name=user.name, districts=list(body.districts), regime=body.kind.value,
                        text=body.reason, status=body.status.value)
    return services.submit_report(deps, draft, user).to_dict()


@router.post("/regimes/{regime_id}/lift")
def lift(regime_id: str, deps: DepsDep, user: Operator, body: ReasonIn | None = None) -> dict[str, Any]:
    return services.lift_regime(deps, regime_id, user, (body or ReasonIn()).reason).to_dict()


@router.post("/plans/activate", status_code=201)
def activate_plan(body: PlanIn, deps: DepsDep, user: Operator) -> dict[str, Any]:
    draft = ReportDraft(kind="plan_activated", region=body.region, source_type="official",
                        source_name=user.name, plan=body.plan, status=body.status.value)
    return services.submit_report(deps, draft, user).to_dict()


@router.get("/measures")
def list_measures(deps: DepsDep, active: bool | None = True, status: Status = Status.ACTUAL) -> list[dict[str, Any]]:
    with deps.uow.read() as repo:
        return repo.measures(active=active, status=status)


@router.get("/airports")
def airports(deps: DepsDep, status: Status = Status.ACTUAL) -> list[dict[str, Any]]:
    """Every airport with its status: operating, or suspended since when (and resumed when)."""
    with deps.uow.read() as repo:
        suspensions = [m for m in repo.measures(active=None, status=status)
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
