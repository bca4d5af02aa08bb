"""The territory as GeoJSON for maps, with the live regime of each district."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query, Request

from airwarn.api.auth import Approver, DepsDep, Observer
from airwarn.api.bounds import MAX_INT64, seq_query
from airwarn.api.viewer import Viewer, sees_proposed
from airwarn.domain.reports import Status
from airwarn.service_layer import services
from airwarn.territory.io import dump_territory

router = APIRouter(prefix="/api/v1", tags=["territory"])


@router.get("/territory")
def territory(deps: DepsDep, viewer: Viewer, status: Status = Status.ACTUAL, places: bool = False) -> dict[str, Any]:
    """Regions, districts and airports as a FeatureCollection; each area carries its regimes in force
    (with a token, proposed ones too). Towns are left out unless ``places=true`` (they have ``/places``)."""
    collection = dump_territory(deps.territory)
    if not places:
        collection["features"] = [f for f in collection["features"] if f["properties"].get("kind") != "place"]
    collection["metadata"]["version"] = deps.territory.version
    with deps.uow.read() as repo:
        active = repo.regimes(active=True, status=status, public=not sees_proposed(viewer))
    for feature in collection["features"]:
        props = feature["properties"]
        kind = props.get("kind")
        if kind == "district":
            code = props["code"]
            if code in deps.territory.districts:  # the time residents have, own or the region's
                props["effective_warning_s"] = deps.territory.district_warning_s(code)
            props["regimes"] = sorted({r["kind"] for r in active if r["district"] == props["code"]
                                       or (r["district"] is None and r["region"] == props["region"])})
        elif kind == "region":
            props["regimes"] = sorted({r["kind"] for r in active if r["region"] == props["code"]})
        if kind in ("district", "region"):  # a regime only approaching there is a pre-alert
            props["regime_levels"] = _levels([r for r in active if r["kind"] in props["regimes"] and (
                r["region"] == props.get("region", props["code"])) and (
                kind == "region" or r["district"] in (None, props["code"]))])
    return collection


def _levels(regimes: list[dict[str, Any]]) -> dict[str, str]:
    """Per regime kind: `alert` if any is at the alert level, else `pre_alert`."""
    out: dict[str, str] = {}
    for r in regimes:
        if out.get(r["kind"]) != "alert":
            out[r["kind"]] = r.get("level") or "alert"
    return out


@router.get("/status")
def status_summary(deps: DepsDep, viewer: Viewer, status: Status = Status.ACTUAL) -> dict[str, Any]:
    """Regimes, measures and alerts: the picture at a glance. Without a token only approved state and issued
    alerts; with one also proposed regimes/measures (`state`, `pending_alert`) and held alerts. The review
    queue is a count here (its contents need a token at /review)."""
    summary = services.picture_summary(deps, status, public=not sees_proposed(viewer))
    summary["review_queue"] = len(summary["review_queue"])
    return summary


@router.get("/audit")
def audit(deps: DepsDep, _user: Observer, after: int = seq_query(0, "records after this sequence number"),
          limit: int = Query(500, ge=1, le=MAX_INT64)) -> list[dict[str, Any]]:
    with deps.uow.read() as repo:
        return [r.__dict__ | {"at": r.at.isoformat()} for r in repo.audit(after_seq=after, limit=min(limit, 5000))]


@router.get("/audit/verify")
def audit_verify(deps: DepsDep, _user: Observer) -> dict[str, Any]:
    """Check the MAC chain and the covered tables' rows; `ok` false names the first problem, `problems` all."""
    check = services.verify_audit(deps)
    return {"ok": check.ok, "records": check.records, "first_bad_seq": check.first_bad_seq,
            "problem": check.problem, "problems": check.problems, "gaps": check.gaps, "unlinked": check.unlinked}


@router.get("/territory/version")
def territory_version(deps: DepsDep) -> dict[str, Any]:
    """The territory version this node targets alerts with."""
    return {"version": deps.territory.version}


@router.get("/territory/versions")
def territory_versions(deps: DepsDep, _user: Observer, limit: int = Query(50, ge=1, le=500)) -> list[dict[str, Any]]:
    """Every import, newest first: version, when, who, from what, and what changed."""
    from airwarn.territory.versions import versions

    return versions(deps.uow, limit)


@router.post("/territory")
def territory_import(
    request: Request, deps: DepsDep, user: Approver, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """Import a GeoJSON territory as the next version; this node switches at once, others within a second."""
    from airwarn.territory.io import load_territory
    from airwarn.territory.live import switch
    from airwarn.territory.versions import save_version

    territory = load_territory(body)  # every field checked before anything is stored
    with deps.uow.write() as repo:
        versioned, result = save_version(repo, territory, actor=user.name, source="GeoJSON via the API",
                                         at=deps.clock(), running=deps.territory)
    switch(deps, versioned, getattr(request.app.state, "shelters", None))
    deps.events.publish("territory", {"version": result["version"]})
    return result


@router.get("/places")
def places(deps: DepsDep, q: str = Query(..., min_length=1, max_length=100, description="town name or its start"),
           limit: int = Query(20, ge=1, le=100)) -> list[dict[str, Any]]:
    """Towns and villages by name (any spelling the territory knows), with the district they belong to."""
    t = deps.territory
    out = []
    for p in t.search_places(q, limit):
        d = t.districts.get(p.district) if p.district else None
        out.append({"id": p.id, "name": p.name, "name_en": p.name_en or p.name, "kind": p.kind,
                    "region": p.region, "district": p.district, "district_name": d.name_en if d else None,
                    "warning_s": t.district_warning_s(d.code) if d else t.regions[p.region].warning_s,
                    "lat": p.lat, "lon": p.lon, "population": p.population})
    return out
