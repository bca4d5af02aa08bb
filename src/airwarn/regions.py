"""Which region a use case is about, read before its write transaction so it can take that region's lock.

A report, regime, measure or alert never changes region, so reading it in a transaction of its own and then
locking that region is safe. None (no such row): the use case takes the global lock and reports "not found"
itself, under the same rules as before.
"""

from __future__ import annotations

from sqlalchemy import Table, select

from airwarn.service_layer.deps import Deps
from airwarn.store import tables as t

_KEYS: dict[str, tuple[Table, str]] = {
    "report": (t.reports, "id"),
    "regime": (t.regimes, "id"),
    "measure": (t.measures, "id"),
    "alert": (t.alerts, "identifier"),
}


def region_of(deps: Deps, entity: str, key: str) -> str | None:
    """The region of one report, regime, measure or alert, or None if there is none by that key."""
    table, column = _KEYS[entity]
    with deps.uow.read() as repo:
        found = repo.conn.execute(select(table.c.region).where(table.c[column] == key)).scalar()
    return str(found) if found is not None else None
