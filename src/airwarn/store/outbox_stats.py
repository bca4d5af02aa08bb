"""The planner's view of the outbox, kept current after bulk writes (PostgreSQL).

A region-wide alert writes a million outbox rows within seconds. Until the table is analyzed again the
planner believes the few pending rows it last saw, and the dispatcher's claim (the oldest due rows, LIMIT a
few hundred) becomes a heap scan and sort of every pending row: 0.9 s per claim at a million, measured
with autovacuum off; with it on, autoanalyze comes at most once a minute, late for the first minute of an
alert. So the expander runs ANALYZE on the outbox after it has written enough rows, at most every few
seconds."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, text

log = logging.getLogger("airwarn.delivery")

#: Rows written since the last ANALYZE that call for the next.
ANALYZE_AFTER_ROWS = 10_000
#: Seconds between two ANALYZE runs of one process, at least (each samples ~30,000 rows: 0.1–0.3 s).
ANALYZE_EVERY_S = 5.0


class OutboxStats:
    """Counts the outbox rows this process writes in bulk and re-analyzes the table when they add up."""

    def __init__(self, engine: Engine, *, after_rows: int = ANALYZE_AFTER_ROWS, every_s: float = ANALYZE_EVERY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.after_rows = after_rows
        self.every_s = every_s
        self.clock = clock
        self.runs = 0
        self._rows = 0
        self._last: float | None = None
        self._lock = threading.Lock()

    def wrote(self, rows: int) -> bool:
        """Note `rows` written (committed); analyze the outbox now if due. Returns whether it did."""
        if self.engine.dialect.name != "postgresql":
            return False
        with self._lock:
            self._rows += rows
            now = self.clock()
            if self._rows < self.after_rows or (self._last is not None and now - self._last < self.every_s):
                return False
            self._rows, self._last = 0, now
        try:
            with self.engine.connect() as conn:
                conn.execute(text("ANALYZE outbox"))
                conn.commit()
        except Exception:  # stale statistics make claims slower, never wrong
            log.exception("analyzing the outbox after a bulk write failed")
            return False
        self.runs += 1
        return True
