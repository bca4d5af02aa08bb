"""Reading and writing the sensor registry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from airwarn.store.sensor_tables import sensors as table
from airwarn.tracks.sensors import Sensor, SensorKind


def load_sensors(conn: Connection) -> list[Sensor]:
    rows = conn.execute(select(table).order_by(table.c.id)).mappings()
    return [Sensor(r["id"], SensorKind(r["kind"]), r["lat"], r["lon"], r["range_m"], r["bearing_sd_deg"],
                   r["region"]) for r in rows]


def save_sensors(conn: Connection, sensors: list[Sensor], *, at: datetime, by: str) -> None:
    """Register sensors; one already registered under the same id is replaced (moved, re-ranged)."""
    ids = [s.id for s in sensors]
    for start in range(0, len(ids), 500):
        conn.execute(delete(table).where(table.c.id.in_(ids[start:start + 500])))
    rows = [{**s.to_dict(), "registered_at": at, "registered_by": by} for s in sensors]
    for start in range(0, len(rows), 500):
        conn.execute(insert(table), rows[start:start + 500])
