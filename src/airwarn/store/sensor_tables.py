"""The sensor registry's table: which sensors may send detections, where they stand and how far they hear."""

from __future__ import annotations

from sqlalchemy import Column, Float, String, Table

from airwarn.store.tables import UtcDateTime, metadata

sensors = Table(
    "sensors",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("range_m", Float, nullable=False),
    Column("bearing_sd_deg", Float, nullable=False),
    Column("region", String(16)),
    Column("registered_at", UtcDateTime, nullable=False),
    Column("registered_by", String(64), nullable=False),
)
