"""The territory as GeoJSON for maps, with the live regime of each district."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from airwarn import services
from airwarn.api.auth import DepsDep, Observer
from airwarn.api.viewer import Viewer, sees_proposed
from airwarn.domain.reports import Status
from airwarn.territory_io import dump_territory

router = APIRouter(prefix="/api/v1", tags=["territory"])


@router.get("/territory")
def territory(deps: DepsDep, viewer: Viewer, status: Status = Status.ACTUAL) -> dict[str, Any]:
    """Regions, districts and airports as a FeatureCollection; each area carries its regimes in force
    (with a token, proposed ones too)."""
    collection = dump_territory(deps.territory)
    with deps.uow.read() as repo:
        active = repo.regimes(active=True, status=status, public=not sees_proposed(viewer))
    for feature in collection["features"]:
        props = feature["properties"]
        kind = props.get("kind")
        if kind == "district":
            props["regimes"] = sorted({r["kind"] for r in active if r["district"] == props["code"]
                                       or (r["district"] is None and r["region"] == props["region"])})
        elif kind == "region":
            props["regimes"] = sorted({r["kind"] for r in active if r["region"] == props["code"]})
    return collection


@router.get("/status")
def status_summary(deps: DepsDep, viewer: Viewer, status: Status = Status.ACTUAL) -> dict[str, Any]:
    """Regimes, measures and alerts: the picture at a glance. Without a token only approved state and issued
    alerts; with one also proposed regimes/measures (`state`, `pending_alert`) and held alerts. The review
    queue is a count here (its contents need a token at /review)."""
    summary = services.picture_summary(deps, status, public=not sees_proposed(viewer))
    summary["review_queue"] = len(summary["review_queue"])
    return summary


@router.get("/audit")
def audit(deps: DepsDep, _user: Observer, after: int = 0, limit: int = 500) -> list[dict[str, Any]]:
    with deps.uow.read() as repo:
        return [r.__dict__ | {"at": r.at.isoformat()} for r in repo.audit(after_seq=after, limit=min(limit, 5000))]


@router.get("/audit/verify")
def audit_verify(deps: DepsDep, _user: Observer) -> dict[str, Any]:
    """Check the MAC chain and the covered tables' rows; `ok` false names the first problem, `problems` all."""
    check = services.verify_audit(deps)
    return {"ok": check.ok, "records": check.records, "first_bad_seq": check.first_bad_seq,
            "problem": check.problem, "problems": check.problems}
