"""Delivery visibility: per-alert statistics, the outbox for operators (dead letters included) and Prometheus
metrics."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest
from sqlalchemy import select

from airwarn.api.auth import DepsDep, Observer
from airwarn.api.viewer import Viewer, sees_proposed
from airwarn.delivery.deadletter import count_dead, count_dead_jobs, dead_jobs, deliveries
from airwarn.domain.alerts import AlertState
from airwarn.errors import NotFound
from airwarn.store.fanout_tables import job_states
from airwarn.store.tables import alerts

router = APIRouter(tags=["deliveries"])
log = logging.getLogger("airwarn.api")
DEAD_ROWS = Gauge("airwarn_outbox_dead_rows", "Outbox rows set aside (state dead), counted at scrape time")
DEAD_JOBS = Gauge("airwarn_fanout_dead_jobs", "Fan-out jobs set aside (state dead), counted at scrape time")


def _quantile_s(offsets_s: list[float], share: float, total: int) -> float | None:
    """Seconds after issue by which `share` of all targets had the alert (None if not reached yet)."""
    need = max(1, -(-int(share * 100) * total // 100))
    return round(offsets_s[need - 1], 3) if len(offsets_s) >= need else None


def delivery_stats(rows: list[dict[str, Any]], issued_at: Any) -> dict[str, Any]:
    by_channel: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"targets": 0, "delivered": 0, "failed": 0, "pending": 0, "dead": 0, "reasons": set()})
    offsets: list[float] = []
    for r in rows:
        c = by_channel[r["channel"]]
        c["targets"] += 1
        c[r["state"]] += 1
        if r["reason"]:
            c["reasons"].add(r["reason"])
        if r["state"] == "delivered" and r["delivered_at"] and issued_at:
            offsets.append(max(0.0, (r["delivered_at"] - issued_at).total_seconds()))
    offsets.sort()
    total = len(rows)
    channels = {k: {**v, "reasons": sorted(v["reasons"])} for k, v in sorted(by_channel.items())}
    return {
        "targets": total,
        "delivered": sum(c["delivered"] for c in channels.values()),
        "failed": sum(c["failed"] for c in channels.values()),
        "pending": sum(c["pending"] for c in channels.values()),
        "dead": sum(c["dead"] for c in channels.values()),
        "by_channel": channels,
        "time_to_s": {f"p{int(q * 100)}": _quantile_s(offsets, q, total) for q in (0.5, 0.95, 1.0)},
    }


@router.get("/api/v1/alerts/{identifier}/deliveries")
def alert_deliveries(identifier: str, deps: DepsDep, viewer: Viewer) -> dict[str, Any]:
    """Targets, delivered, failed and pending per channel, the reasons, time to 50/95/100 %, and the
    alert's fan-out jobs by state (without a token, of issued alerts only: a held one does not exist for
    the public)."""
    with deps.uow.read() as repo:
        found = repo.alert(identifier)
        if found is None or (found[0].state is not AlertState.ISSUED and not sees_proposed(viewer)):
            raise NotFound(f"no alert {identifier!r}", field="identifier")
        rows = repo.outbox_rows(identifier)
        issued_at = repo.conn.execute(
            select(alerts.c.issued_at).where(alerts.c.identifier == identifier)).scalar()
        jobs = job_states(repo.conn, identifier)
    # subscriber targets join `targets` as their fan-out jobs are expanded: until `fanout_jobs.pending` is 0
    # the counts (and time_to_s) cover only the shards expanded so far
    return {"identifier": identifier, "issued_at": issued_at, **delivery_stats(rows, issued_at),
            "fanout_jobs": jobs}


@router.get("/api/v1/deliveries")
def list_deliveries(deps: DepsDep, _user: Observer,
                    state: Annotated[Literal["pending", "delivered", "failed", "dead"] | None, Query()] = None,
                    alert: Annotated[str | None, Query(max_length=80)] = None,
                    channel: Annotated[str | None, Query(max_length=32)] = None,
                    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
                    jobs_before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    """Outbox rows for operators, newest first: `state=dead` lists the rows set aside (each with its reason
    in `last_error`) and, beside them in `fanout_jobs`, the fan-out jobs set aside (an alert's subscribers of
    one channel and shard that were never expanded into rows); `failed` lists the rows the receiver refused
    to the end. Page with `before=<next_before>` and `jobs_before=<next_jobs_before>`."""
    with deps.uow.read() as repo:
        rows = deliveries(repo.conn, state=state, alert=alert, channel=channel, limit=limit, before=before)
        jobs = dead_jobs(repo.conn, alert=alert, channel=channel, limit=limit,
                         before=jobs_before) if state == "dead" else []
    return {"deliveries": rows, "next_before": rows[-1]["id"] if len(rows) == limit else None,
            "fanout_jobs": jobs, "next_jobs_before": jobs[-1]["id"] if len(jobs) == limit else None}


@router.get("/metrics", include_in_schema=False)
def metrics_endpoint(deps: DepsDep) -> Response:
    try:
        with deps.uow.read() as repo:
            DEAD_ROWS.set(count_dead(repo.conn))
            DEAD_JOBS.set(count_dead_jobs(repo.conn))
    except Exception:  # the counters still answer while the database does not
        log.exception("counting dead outbox rows and fan-out jobs failed")
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
