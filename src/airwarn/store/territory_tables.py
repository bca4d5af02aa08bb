"""Territory versions: every import is a numbered version with who, when, from what, and what changed."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, String, Table

from airwarn.store.tables import _ts, metadata

territory_versions = Table(
    "territory_versions",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("version", String(40), nullable=False, unique=True),  # "<seq>-<content hash>"
    _ts("created_at", nullable=False),
    Column("actor", String(64), nullable=False),
    Column("source", String(400), nullable=False),
    Column("changes", JSON, nullable=False),  # districts added/removed/reshaped, warning times changed
    Column("collection", JSON, nullable=False),  # the whole territory as imported (GeoJSON)
)
