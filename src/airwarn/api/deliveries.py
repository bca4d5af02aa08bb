"""Delivery visibility: per-alert statistics and Prometheus metrics."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import select

from airwarn.api.auth import DepsDep
from airwarn.api.viewer import Viewer, sees_proposed
from airwarn.domain.alerts import AlertState
from airwarn.errors import NotFound
from airwarn.store.tables import alerts

router = APIRouter(tags=["deliveries"])


def _quantile_s(offsets_s: list[float], share: float, total: int) -> float | None:
    """Seconds after issue by which `share` of all targets had the alert (None if not reached yet)."""
    need = max(1, -(-int(share * 100) * total // 100))
    return round(offsets_s[need - 1], 3) if len(offsets_s) >= need else None


def delivery_stats(rows: list[dict[str, Any]], issued_at: Any) -> dict[str, Any]:
    by_channel: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"targets": 0, "delivered": 0, "failed": 0, "pending": 0, "reasons": set()})
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
        "by_channel": channels,
        "time_to_s": {f"p{int(q * 100)}": _quantile_s(offsets, q, total) for q in (0.5, 0.95, 1.0)},
    }


@router.get("/api/v1/alerts/{identifier}/deliveries")
def alert_deliveries(identifier: str, deps: DepsDep, viewer: Viewer) -> dict[str, Any]:
    """Targets, delivered, failed and pending per channel, the reasons, and time to 50/95/100 %
    (without a token, of issued alerts only: a held one does not exist for the public)."""
    with deps.uow.read() as repo:
        found = repo.alert(identifier)
        if found is None or (found[0].state is not AlertState.ISSUED and not sees_proposed(viewer)):
            raise NotFound(f"no alert {identifier!r}", field="identifier")
        rows = repo.outbox_rows(identifier)
        issued_at = repo.conn.execute(
            select(alerts.c.issued_at).where(alerts.c.identifier == identifier)).scalar()
    return {"identifier": identifier, "issued_at": issued_at, **delivery_stats(rows, issued_at)}


@router.get("/metrics", include_in_schema=False)
def metrics_endpoint() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
