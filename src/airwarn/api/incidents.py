"""Incidents: every report of one happening together, with its sources, evidence and alerts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query

from airwarn.api.auth import DepsDep, Observer
from airwarn.domain.reports import Status
from airwarn.service_layer import services

router = APIRouter(prefix="/api/v1", tags=["incidents"])


@router.get("/incidents")
def list_incidents(deps: DepsDep, _user: Observer, limit: int = Query(100, ge=1, le=1000),
                   status: Status = Status.ACTUAL) -> list[dict[str, Any]]:
    """Incidents, newest first: kind, region, districts, first and last time, certainty, whether a trusted
    source confirmed it, its independent sources, every evidence text, its report ids and alert ids."""
    return services.incidents_view(deps, status=status, limit=limit)


@router.get("/incidents/{incident_id}")
def get_incident(deps: DepsDep, _user: Observer,
                 incident_id: str = Path(min_length=1, max_length=40)) -> dict[str, Any]:
    """One incident with every report of it (source, certainty, evidence, review state)."""
    return services.incident_view(deps, incident_id)
