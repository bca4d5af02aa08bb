"""Rows of the core tables to domain objects and API dicts, with every time UTC-aware."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airwarn.domain.regimes import Measure, MeasureKind, Regime
from airwarn.domain.reports import (
    Certainty,
    Count,
    Qualifier,
    RegimeKind,
    Report,
    ReportKind,
    Source,
    SourceType,
    Status,
)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything airwarn stores is UTC-aware."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def plain(row: Any) -> dict[str, Any]:
    """A row as a dict for the API."""
    return {k: (aware(v) if isinstance(v, datetime) else v) for k, v in dict(row).items()}


def report_dict(row: Any) -> dict[str, Any]:
    d = plain(row)
    lat, lon = d.pop("lat"), d.pop("lon")
    d["point"] = [lat, lon] if lat is not None else None
    value, qualifier = d.pop("count_value"), d.pop("count_qualifier")
    d["count"] = {"value": value, "qualifier": qualifier} if value is not None else None
    d["source"] = {"type": d.pop("source_type"), "name": d.pop("source_name")}
    return d


def report_from_row(row: Any) -> Report:
    time, received = aware(row["time"]), aware(row["received_at"])
    assert time is not None and received is not None
    return Report(
        id=row["id"], kind=ReportKind(row["kind"]), region=row["region"], time=time,
        source=Source(SourceType(row["source_type"]), row["source_name"]),
        certainty=Certainty(row["certainty"]), received_at=received, districts=tuple(row["districts"]),
        point=(row["lat"], row["lon"]) if row["lat"] is not None else None,
        count=Count(row["count_value"], Qualifier(row["count_qualifier"])) if row["count_value"] is not None
        else None,
        casualties=row["casualties"], damage=row["damage"],
        regime=RegimeKind(row["regime"]) if row["regime"] else None, plan=row["plan"], airport=row["airport"],
        text=row["text"], status=Status(row["status"]), reported_by=row["reported_by"],
    )


def regime_from_row(row: Any) -> Regime:
    declared = aware(row["declared_at"])
    assert declared is not None
    return Regime(
        id=row["id"], kind=RegimeKind(row["kind"]), region=row["region"], district=row["district"],
        declared_at=declared, declared_by=row["declared_by"], reason=row["reason"],
        status=Status(row["status"]), report_id=row["report_id"], lifted_at=aware(row["lifted_at"]),
        lifted_by=row["lifted_by"], lift_reason=row["lift_reason"], pending_alert=row["pending_alert"],
        lift_pending=row["lift_pending"],
    )


def measure_from_row(row: Any) -> Measure:
    started = aware(row["started_at"])
    assert started is not None
    return Measure(
        id=row["id"], kind=MeasureKind(row["kind"]), region=row["region"], started_at=started,
        actor=row["actor"], reason=row["reason"], target=row["target"], status=Status(row["status"]),
        report_id=row["report_id"], ended_at=aware(row["ended_at"]), ended_by=row["ended_by"],
        pending_alert=row["pending_alert"], lift_pending=row["lift_pending"],
    )
