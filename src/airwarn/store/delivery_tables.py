"""Delivery tables: subscribers (with a lat/lon and grid-cell index) and one record per delivery attempt."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.sql.expression import false

from airwarn.store.tables import UtcDateTime, metadata

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("lat", Float),
    Column("lon", Float),
    Column("cell", BigInteger),  # 0.1° grid cell of (lat, lon): the spatial prefilter index
    Column("districts", JSON, nullable=False),  # district codes chosen explicitly
    Column("language", String(8), nullable=False),  # en | ru
    Column("channels", JSON, nullable=False),  # [{"channel": "sms", "address": "+7…"}, …]
    Column("threat_kinds", JSON, nullable=False),  # [] = every kind
    Column("min_severity", String(16), nullable=False),
    Column("quiet_start", String(5)),  # "23:00" local time
    Column("quiet_end", String(5)),
    Column("timezone", String(64), nullable=False),
    Column("state", String(16), nullable=False),  # pending | active | unsubscribed | expired
    Column("token_hash", String(64), nullable=False),  # confirm / unsubscribe token, SHA-256
    Column("created_at", UtcDateTime(), nullable=False),
    Column("confirmed_at", UtcDateTime()),
    Column("unsubscribed_at", UtcDateTime()),
    Column("expired_at", UtcDateTime()),  # the receiver said its last channel is gone
    # channels the receiver said are gone: [{"channel", "reason", "removed_at", "alert"}, …]; NULL = none
    Column("removed_channels", JSON),
    # channels not yet proven: [{"channel": "sms", "address", "code_hash", "code_sent_at", "tries"}, {"channel":
    # "webhook", "address", "key", "last_error"}]; each moves to `channels` once verified (migration 0007)
    Column("pending_channels", JSON),
    Column("accept_tests", Boolean, nullable=False, server_default=false()),  # Test alerts wanted
    # Raised by a database trigger on every insert and update (migration 0006_subscription_version), in
    # commit order: a node's subscriber cache loads only rows above the highest version it has seen.
    Column("version", BigInteger, nullable=False, server_default="0"),
    Index("ix_subscriptions_state", "state"),
    Index("ix_subscriptions_version", "version"),
    Index("ix_subscriptions_cell", "cell"),
    Index("ix_subscriptions_latlon", "lat", "lon"),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("outbox_id", BigInteger().with_variant(Integer, "sqlite"), ForeignKey("outbox.id"),
           nullable=False),
    Column("alert_id", String(80), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("worker", String(64), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("error", Text),
    Index("ix_delivery_attempts_outbox", "outbox_id"),
    Index("ix_delivery_attempts_alert", "alert_id"),
)
