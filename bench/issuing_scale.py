"""Issuing at scale: N subscribers in the database, then a district and a region-wide alert through the real
use case (`services.submit_report`, an official report, issued without a second person).

Subscribers: the realistic mix of bench/population.py. Reported per alert: the whole use case, the time
inside the fan-out (load, target, preferences), the outbox insert, and the outbox rows written. The first
alert after start is shown separately: a node-local subscriber cache, if the fan-out has one, is built then.
Run: python bench/issuing_scale.py [--n 200000] [--db postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench.population; tests.integration.nodes: pg_schema

from bench.population import insert_subscribers  # noqa: E402

from airwarn import services  # noqa: E402
from airwarn.bootstrap import build_deps  # noqa: E402
from airwarn.domain.users import Role, User  # noqa: E402
from airwarn.intake import ReportDraft  # noqa: E402
from airwarn.keyring import init_keys  # noqa: E402
from airwarn.settings import Settings  # noqa: E402
from airwarn.store.repository import Repository  # noqa: E402


class Stopwatch:
    """Adds up the time spent in wrapped calls, per label."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.ms[label] = self.ms.get(label, 0.0) + (time.perf_counter() - t0) * 1000

        return timed


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str]:
    """The given PostgreSQL in a private schema (dropped afterwards), or a fresh SQLite file."""
    if url:
        os.environ["AIRWARN_TEST_POSTGRES_URL"] = url
        from tests.integration import nodes

        nodes.POSTGRES_URL = url
        with nodes.pg_schema() as schema_url:
            yield schema_url
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--db", default=None, help="a PostgreSQL URL; default: a fresh SQLite file")
    args = ap.parse_args()
    console = Console()
    with database(args.db) as url, tempfile.TemporaryDirectory() as keys:
        init_keys(Path(keys))
        deps = build_deps(Settings(db=url, keys_dir=Path(keys), approval_severity="Extreme"))
        t0 = time.perf_counter()
        insert_subscribers(deps.uow.engine, deps.territory, args.n)
        console.print(f"{args.n:,} subscribers inserted in {time.perf_counter() - t0:.1f} s ({url.split('?')[0]})")
        watch = Stopwatch()
        deps.fanout = watch.wrap("fanout", deps.fanout)
        for name in [m for m in vars(Repository) if m.startswith("add_outbox")]:
            setattr(Repository, name, watch.wrap("insert", getattr(Repository, name)))
        officer = User("bench", Role.OPERATOR)
        table = Table(title=f"issuing with {args.n:,} subscribers, load {os.getloadavg()[0]:.2f}")
        for col in ("alert", "use case", "fan-out (load, target, prefs)", "outbox insert", "outbox rows"):
            table.add_column(col, justify="left" if col == "alert" else "right")
        for label, draft in (
            ("first alert (district, cold)", ReportDraft(kind="interception", region="RU-ROS", source_type="official",
                                                         districts=["Sholokhovsky"])),
            ("district (Millerovsky)", ReportDraft(kind="interception", region="RU-ROS", source_type="official",
                                                   districts=["Millerovsky"])),
            ("region-wide (Rostov)", ReportDraft(kind="regime_declared", region="RU-ROS", source_type="official",
                                                 regime="drone_hazard")),
        ):
            watch.ms.clear()
            t0 = time.perf_counter()
            outcome = services.submit_report(deps, draft, officer)
            total_ms = (time.perf_counter() - t0) * 1000
            ids = [a["identifier"] for a in outcome.alerts if a["state"] == "issued"]
            with deps.uow.read() as repo:
                rows = sum(len(repo.outbox_rows(i)) for i in ids)
            table.add_row(label, f"{total_ms:,.0f} ms", f"{watch.ms.get('fanout', 0):,.0f} ms",
                          f"{watch.ms.get('insert', 0):,.0f} ms", f"{rows:,}")
        console.print(table)
        console.print(json.dumps({"load_avg_1m": os.getloadavg()[0], "cpus": os.cpu_count()}))
        deps.uow.engine.dispose()


if __name__ == "__main__":
    main()
