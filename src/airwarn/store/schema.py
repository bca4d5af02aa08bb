"""Every table airwarn owns, gathered on one MetaData for Alembic (each feature adds its module here)."""

from __future__ import annotations

from airwarn.store import (
    delivery_tables,  # noqa: F401  (registers the delivery tables)
    shelter_tables,  # noqa: F401  (registers the shelter tables)
    territory_tables,  # noqa: F401  (registers the territory versions)
)
from airwarn.store.tables import metadata

__all__ = ["metadata"]
