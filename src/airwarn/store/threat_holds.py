"""The shared view of live threats (`threat_holds`): per district and partition, until when that partition's
tracks hold the district (docs/tracks.md, "Partitions"). Every board step upserts its rows in one statement;
a board that would clear a district reads the other partitions' rows for it first (tracks/holds.py decides)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Connection, Index, String, Table, bindparam, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from airwarn.store.tables import UtcDateTime, metadata

threat_holds = Table(
    "threat_holds",
    metadata,
    Column("district", String(64), primary_key=True),
    Column("partition", String(200), primary_key=True),  # the board's key: its partitions and node
    Column("status", String(16), primary_key=True),  # Actual / Exercise / Test: pictures never mix
    Column("until", UtcDateTime(), nullable=False),  # the hold ends then unless renewed (a dead node's too)
    Column("tracks", JSON, nullable=False),  # the track ids behind the hold, for the audit and the logs
    Column("regime", String(32), nullable=False),
    Column("cleared_at", UtcDateTime()),  # when this partition gave the district its all-clear (NULL: not since)
    Index("ix_threat_holds_status_district", "status", "district"),
)


#: PostgreSQL: every hold of a step in one statement, the same text whatever their number (so prepared and cached
#: once), the districts, tracks and regimes as arrays.
_HOLD_PG = text(
    "INSERT INTO threat_holds (district, partition, status, until, tracks, regime, cleared_at) "
    "SELECT u.district, :partition, :status, :until, CAST(u.tracks AS json), u.regime, NULL "
    "FROM unnest(CAST(:districts AS text[]), CAST(:tracks AS text[]), CAST(:regimes AS text[])) "
    "AS u(district, tracks, regime) "
    "ON CONFLICT (district, partition, status) DO UPDATE SET until = EXCLUDED.until, tracks = EXCLUDED.tracks, "
    "regime = EXCLUDED.regime, cleared_at = NULL"
).bindparams(bindparam("until", type_=UtcDateTime()))
_insert = sqlite_insert(threat_holds)
#: SQLite (one node): one prepared statement run for each hold inside the driver (no round trips).
_HOLD_SQLITE = _insert.on_conflict_do_update(
    index_elements=[threat_holds.c.district, threat_holds.c.partition, threat_holds.c.status],
    set_={"until": _insert.excluded.until, "tracks": _insert.excluded.tracks, "regime": _insert.excluded.regime,
          "cleared_at": None})


def hold(conn: Connection, status: str, partition: str, until: datetime,
         rows: Sequence[tuple[str, list[str], str]]) -> None:
    """Upsert one partition's holds (district, tracks, regime), all until `until`, in one statement; a renewed
    hold is live again (its all-clear, if any, is forgotten)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(_HOLD_PG, {"partition": partition, "status": status, "until": until,
                                "districts": [r[0] for r in rows], "tracks": [json.dumps(r[1]) for r in rows],
                                "regimes": [r[2] for r in rows]})
        return
    conn.execute(_HOLD_SQLITE, [{"district": d, "partition": partition, "status": status, "until": until,
                                 "tracks": tracks, "regime": regime} for d, tracks, regime in rows])


def others(conn: Connection, status: str, partition: str, districts: Iterable[str]) -> list[dict[str, Any]]:
    """The other partitions' rows for these districts (live, expired or cleared: the caller decides)."""
    codes = sorted(set(districts))
    if not codes:
        return []
    t = threat_holds
    rows = conn.execute(select(t.c.district, t.c.partition, t.c.until, t.c.tracks, t.c.regime, t.c.cleared_at)
                        .where(t.c.status == status, t.c.partition != partition, t.c.district.in_(codes)))
    return [dict(r) for r in rows.mappings()]


def cleared(conn: Connection, status: str, partition: str, districts: Iterable[str], at: datetime) -> None:
    """This partition gave these districts their all-clear: its holds end now."""
    codes = sorted(set(districts))
    if codes:
        t = threat_holds
        conn.execute(update(t).where(t.c.status == status, t.c.partition == partition, t.c.district.in_(codes))
                     .values(until=at, cleared_at=at))
