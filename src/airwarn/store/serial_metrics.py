"""How long this process spends inside serialised sections (Prometheus, served at /metrics): a decision
lock (global: from taking it to the commit; region: from holding the region's version row to the commit —
for a write decided without a lock that is only its last statement and the commit) and the audit chainer's
lock; and how many region writes were decided again. These bound what more processes or nodes can add, so
bench/ingest.py reads them per report."""

from __future__ import annotations

import os

from prometheus_client import Counter

SECONDS = Counter("airwarn_serialised_seconds", "Time held inside a serialised section, by section "
                  "(region / global decision lock, chainer) and process", ["section", "pid"])
RETRIES = Counter("airwarn_region_write_retries", "Region writes decided again because another write about "
                  "the region committed first (PostgreSQL, optimistic region writes)", ["pid"])
ENTRIES = Counter("airwarn_serialised_entries", "Times a serialised section was entered", ["section", "pid"])


def observe(section: str, seconds: float) -> None:
    pid = str(os.getpid())
    SECONDS.labels(section=section, pid=pid).inc(seconds)
    ENTRIES.labels(section=section, pid=pid).inc()


def retried() -> None:
    RETRIES.labels(pid=str(os.getpid())).inc()
