"""Region versions (PostgreSQL): how a region write decides outside any lock and still decides on the picture
it commits against.

Every write about one region ends by moving its region's version on by one. An optimistic write reads the
version first (`BEGIN_OPTIMISTIC`, in the statement that takes the shared write lock key), reads the picture,
decides, composes and signs with no region lock, and as its last statement before commit moves the version on
only if it is still the one it read (`bump`). If another write about the region committed meanwhile, nothing
moves and the write rolls back to be decided again. A pessimistic write (`begin_pessimistic`) queues for the
region's advisory lock, moves the version first and so holds the version row for its whole transaction:
the retry after a conflict is pessimistic, so every write finishes. Why this decides every report
once, against the picture it commits on: docs/audit.md, "Decision locks".
"""

from __future__ import annotations

import zlib

from sqlalchemy import BigInteger, Column, Connection, Integer, String, Table, text

from airwarn.store.lock_keys import REGION_LOCK_SPACE, WRITE_LOCK_KEY
from airwarn.store.tables import metadata

region_versions = Table(
    "region_versions",
    metadata,
    Column("region", String(16), primary_key=True),
    Column("version", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
)

#: The shared write lock key (held to the end: global writes wait, and the chainer's gap rule sees the
#: transaction), and the region's version as committed when the statement began (NULL: never written).
#: Everything the write reads comes from later statements, so any write about the region that commits
#: after this read has moved the version on by the time `bump` runs.
BEGIN_OPTIMISTIC = text(f"SELECT pg_advisory_xact_lock_shared({WRITE_LOCK_KEY}) AS locked, "
                        "(SELECT version FROM region_versions WHERE region = :region) AS version")
#: The shared write lock key, then the region's own advisory lock: writes that decide holding the region queue
#: there in order (the lock manager's queue is first come first served; waiting on the version row is not:
#: an `INSERT … ON CONFLICT DO UPDATE` that waited starts over and may lose its turn again and again).
_LOCKS = text(f"SELECT pg_advisory_xact_lock_shared({WRITE_LOCK_KEY}), "
              f"pg_try_advisory_xact_lock({REGION_LOCK_SPACE}, CAST(:key AS integer)) AS free")
_WAIT = text(f"SELECT pg_advisory_xact_lock({REGION_LOCK_SPACE}, CAST(:key AS integer))")
#: Move the version on first and keep its row locked to the commit: optimistic writes about the region fail
#: their last statement until then.
_TAKE = text("INSERT INTO region_versions (region, version) VALUES (:region, 1) "
             "ON CONFLICT (region) DO UPDATE SET version = region_versions.version + 1")
#: Move the version on if it is still the one read. NOWAIT: a version row locked by another writer is about
#: to move (or held by a pessimistic writer for its whole decision), so waiting would only end in a conflict
#: — or in a deadlock if that writer waits for a row this one changed.
_BUMP = text("WITH mine AS (SELECT region FROM region_versions WHERE region = :region AND version = :seen "
             "FOR UPDATE NOWAIT) "
             "UPDATE region_versions AS v SET version = v.version + 1 FROM mine WHERE v.region = mine.region")
_FIRST = text("INSERT INTO region_versions (region, version) VALUES (:region, 1) ON CONFLICT (region) DO NOTHING")
_READ = text("SELECT version FROM region_versions WHERE region = :region")

#: SQLSTATEs that mean "another writer got there first": decide again (pessimistically).
CONFLICT_STATES = frozenset({
    "55P03",  # lock_not_available: the version row is locked by another writer (`_BUMP`'s NOWAIT)
    "40P01",  # deadlock_detected: two writers changed rows of the region in opposite orders
    "40001",  # serialization_failure
})


def begin_optimistic(conn: Connection, region: str) -> int | None:
    """Take the shared write lock key and read the region's version (None: no write about it yet)."""
    row = conn.execute(BEGIN_OPTIMISTIC, {"region": region}).one()
    return None if row.version is None else int(row.version)


def region_key(region: str) -> int:
    """The region code hashed into the int4 advisory-lock key space (a collision only costs parallelism)."""
    key = zlib.crc32(region.encode())
    return key - (1 << 32) if key >= 1 << 31 else key


def begin_pessimistic(conn: Connection, region: str) -> bool:
    """Take the shared write lock key and the region's lock, then move the region's version on and hold its
    row to the commit. Returns whether it had to wait for the region's lock (writes about it overlap)."""
    key = region_key(region)
    contended = not conn.execute(_LOCKS, {"key": key}).one().free
    if contended:
        conn.execute(_WAIT, {"key": key})
    conn.execute(_TAKE, {"region": region})
    return contended


def bump(conn: Connection, region: str, seen: int | None) -> bool:
    """The optimistic write's last statement: move the version on if it is still `seen`; False: another
    write about the region committed (or is committing) since, so this one must decide again."""
    if seen is None:
        return conn.execute(_FIRST, {"region": region}).rowcount == 1
    return conn.execute(_BUMP, {"region": region, "seen": seen}).rowcount == 1


def current(conn: Connection, region: str) -> int | None:
    """The region's committed version now."""
    value = conn.execute(_READ, {"region": region}).scalar()
    return None if value is None else int(value)
