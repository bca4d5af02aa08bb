"""SQLAlchemy Core tables: the one schema behind SQLite and PostgreSQL (Alembic migrates it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
)

metadata = MetaData()


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC on every backend (SQLite would otherwise drop the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; airwarn keeps every time zone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(name: str, nullable: bool = True) -> Column:  # type: ignore[type-arg]
    return Column(name, UtcDateTime(), nullable=nullable)


territory_features = Table(
    "territory_features",
    metadata,
    Column("kind", String(16), primary_key=True),  # region | district | airport | shelter
    Column("code", String(96), primary_key=True),
    Column("feature", JSON, nullable=False),  # the GeoJSON feature as imported
)

territory_meta = Table(
    "territory_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    _ts("created_at", nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

reports = Table(
    "reports",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("region", String(16), nullable=False),
    Column("districts", JSON, nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("count_value", Integer),
    Column("count_qualifier", String(16)),
    _ts("time", nullable=False),
    _ts("received_at", nullable=False),
    Column("source_type", String(16), nullable=False),
    Column("source_name", String(200)),
    Column("certainty", String(16), nullable=False),
    Column("casualties", Integer),
    Column("damage", Boolean),
    Column("regime", String(32)),
    Column("plan", String(100)),
    Column("airport", String(8)),
    Column("text", Text, nullable=False, default=""),
    Column("reported_by", String(64), nullable=False),
    Column("review", String(16), nullable=False),  # none | pending | confirmed | dismissed
    Column("reviewed_by", String(64)),
    _ts("reviewed_at"),
    Column("outcome", JSON, nullable=False),  # what the decision did, for the timeline
    Column("incident_id", String(40)),  # the incident it tells of (domain/incidents.py)
    Index("ix_reports_review", "review"),
    Index("ix_reports_received", "received_at"),
    Index("ix_reports_incident", "incident_id"),
    Index("ix_reports_region_time", "status", "region", "time"),
)

regimes = Table(
    "regimes",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("region", String(16), nullable=False),
    Column("district", String(96)),
    _ts("declared_at", nullable=False),
    Column("declared_by", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("report_id", String(40)),
    Column("alert_id", String(80)),
    _ts("lifted_at"),
    Column("lifted_by", String(64)),
    Column("lift_reason", Text),
    Column("pending_alert", String(80)),  # proposed by this alert, which waits for a second person
    Column("lift_pending", String(80)),  # lifted once this waiting all-clear or cancel is approved
    Column("level", String(16), nullable=False, server_default="alert"),  # pre_alert | alert
    Index("ix_regimes_active", "status", "lifted_at"),
)

measures = Table(
    "measures",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("region", String(16), nullable=False),
    Column("target", String(16)),
    _ts("started_at", nullable=False),
    Column("actor", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("report_id", String(40)),
    _ts("ended_at"),
    Column("ended_by", String(64)),
    Column("pending_alert", String(80)),  # proposed by this alert, which waits for a second person
    Column("lift_pending", String(80)),  # ended once this waiting alert is approved
    Column("plan", String(100)),  # the plan whose step started it
    Column("regime_ids", JSON),  # the regimes it ends with (null: none)
    Column("keep", Boolean, nullable=False, server_default=false()),  # an operator keeps it past them
    Column("end_reason", Text),
    Index("ix_measures_active", "status", "ended_at"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("identifier", String(80), primary_key=True),
    Column("sender", String(200), nullable=False),
    _ts("sent", nullable=False),
    Column("status", String(16), nullable=False),
    Column("msg_type", String(16), nullable=False),
    Column("state", String(24), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("region", String(16), nullable=False),
    Column("districts", JSON, nullable=False),
    Column("headline", Text, nullable=False),
    Column("references", JSON, nullable=False),
    Column("regime_ids", JSON, nullable=False),
    Column("report_id", String(40)),
    Column("created_by", String(64), nullable=False),
    Column("approved_by", String(64)),
    _ts("issued_at"),
    Column("body", JSON, nullable=False),  # the full domain Alert, for re-rendering and the API
    Column("xml", Text),  # the signed CAP 1.2 document, fixed once issued
    Index("ix_alerts_sent", "sent"),
    Index("ix_alerts_state", "state"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("alert_id", String(80), ForeignKey("alerts.identifier"), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("target", String(400), nullable=False),
    Column("state", String(16), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),
    _ts("created_at", nullable=False),
    _ts("next_attempt_at", nullable=False),
    _ts("delivered_at"),
    Column("last_error", Text),
    Column("reason", Text),  # why this channel (e.g. mobile internet restricted)
    Index("ix_outbox_due", "state", "next_attempt_at"),
    Index("ux_outbox_target", "alert_id", "channel", "target", unique=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    _ts("at", nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", String(96), nullable=False),
    Column("data", JSON, nullable=False),
    # the chain link; NULL while a committed record waits for the chainer (PostgreSQL, docs/audit.md)
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
    # digests of the covered rows (alerts, regimes, measures, …) as this record's transaction left them
    Column("state", JSON),
    Column("key_id", String(16)),  # the audit MAC key that links this record; NULL: a pre-key record
    # HMAC of the record's content alone, set by the writer: the chainer links only records it made
    Column("content_mac", String(64)),
)
