"""The PostgreSQL advisory-lock keys airwarn uses (one place, so no two uses collide)."""

from __future__ import annotations

#: Writes that are not about one region take it exclusive; region writes, and every transaction that draws
#: audit numbers, hold it shared (SQLite serialises every write with BEGIN IMMEDIATE instead). Writes about
#: one region order themselves by the region's version row instead of a lock (store/region_versions.py).
WRITE_LOCK_KEY = 0x41495257  # "AIRW"
#: First key of the two-key locks of one region (the second: the region code hashed): held by a write about
#: the region that decides holding it (a retry after a conflict), so such writes queue in order.
REGION_LOCK_SPACE = 0x41495252  # "AIRR"
#: Held by the one audit chainer at work, for its transaction.
CHAIN_LOCK_KEY = 0x41495243  # "AIRC"
