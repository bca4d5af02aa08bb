"""Every table airwarn owns, gathered on one MetaData for Alembic (each feature adds its module here)."""

from __future__ import annotations

from airwarn.store import (
    delivery_tables,  # noqa: F401  (registers the delivery tables)
    fanout_tables,  # noqa: F401  (registers the fan-out jobs)
    region_versions,  # noqa: F401  (registers the region versions)
    sensor_tables,  # noqa: F401  (registers the sensor registry)
    shelter_tables,  # noqa: F401  (registers the shelter tables)
    territory_tables,  # noqa: F401  (registers the territory versions)
    threat_holds,  # noqa: F401  (registers the shared view of live threats)
)
from airwarn.store.tables import metadata

__all__ = ["metadata"]
