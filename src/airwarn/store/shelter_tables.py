"""Tables of the shelter service: the walk graph (compact arrays), shelters and buildings."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Float, Integer, LargeBinary, String, Table, Text

from airwarn.store.tables import metadata

#: One row per import ("current"): graph arrays as an ``np.savez`` archive plus import settings.
shelter_graph = Table(
    "shelter_graph",
    metadata,
    Column("key", String(16), primary_key=True),
    Column("import_id", String(40), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("source", String(400), nullable=False),
    Column("meta", JSON, nullable=False),  # lat0, lon0, warning_s, entry_s, counts, sample_m
    Column("arrays", LargeBinary, nullable=False),  # x_m, y_m, seg_a, seg_b
)

shelter_sites = Table(
    "shelter_sites",
    metadata,
    Column("id", String(96), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("capacity", Integer),  # people; NULL = unknown
    Column("is_open", Boolean, nullable=False),
    Column("opening", Text, nullable=False),
    Column("source", String(16), nullable=False),  # osm | registry
    Column("node", Integer, nullable=False),  # entrance node in the stored graph
)

shelter_buildings = Table(
    "shelter_buildings",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("floors", Float, nullable=False),
    Column("footprint_m2", Float, nullable=False),
    Column("population", Float, nullable=False),  # estimate: floors x footprint / m2 per person
    Column("district", String(96), nullable=False),
    Column("node", Integer, nullable=False),
)
