"""Issuing at scale: N subscribers in the database, then a district and a region-wide alert through the real
use case (`services.submit_report`, an official report, issued without a second person).

Subscribers: points uniform over the Rostov region's bounding box (as bench/targeting.py), ~2 % with only a
chosen district, sms / webhook / webpush and a pair, a few with quiet hours, a minimum severity or threat
kinds, a few pending or unsubscribed. Reported per alert: the whole use case, the time inside the fan-out
(load, target, preferences), the outbox insert, and the outbox rows written. The first alert after start
is shown separately: a node-local subscriber cache, if the fan-out has one, is built then.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table
from shapely.geometry import Polygon

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.integration.nodes: pg_schema

from airwarn import services  # noqa: E402
from airwarn.bootstrap import build_deps  # noqa: E402
from airwarn.deps import Deps  # noqa: E402
from airwarn.domain.targeting import grid_cell  # noqa: E402
from airwarn.domain.users import Role, User  # noqa: E402
from airwarn.intake import ReportDraft  # noqa: E402
from airwarn.settings import Settings  # noqa: E402
from airwarn.store.delivery_tables import subscriptions  # noqa: E402
from airwarn.store.repository import Repository  # noqa: E402

CHUNK_ROWS = 10_000
P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
AUTH = "tBHItJI5svbpez7KI4CCXg"


def subscriber_rows(deps: Deps, n: int, seed: int = 2026) -> Iterator[list[dict[str, Any]]]:
    """N subscription rows in chunks, a realistic mix (see the module docstring)."""
    territory = deps.territory
    x0, y0, x1, y1 = Polygon(territory.regions["RU-ROS"].polygon[0]).bounds
    codes = [d.code for d in territory.districts_of("RU-ROS")]
    rng = np.random.default_rng(seed)
    lat, lon = rng.uniform(y0, y1, n), rng.uniform(x0, x1, n)
    kind = rng.random(n)  # < 0.02: districts only; < 0.03: a point and a district
    mix = rng.random(n)  # channels
    pref = rng.random(n)  # preferences
    state = rng.random(n)
    district = rng.integers(0, len(codes), n)
    now = datetime.now(UTC)
    for start in range(0, n, CHUNK_ROWS):
        rows = []
        for i in range(start, min(n, start + CHUNK_ROWS)):
            placed = kind[i] >= 0.02
            m = mix[i]
            channels: list[dict[str, Any]] = []
            if m < 0.70:
                channels.append({"channel": "sms", "address": f"+7999{i:07d}"})
            if 0.60 <= m < 0.85:
                channels.append({"channel": "webpush", "address": {
                    "endpoint": f"https://push.example/{i}", "keys": {"p256dh": P256DH, "auth": AUTH}}})
            if m >= 0.85:
                channels.append({"channel": "webhook", "address": f"https://hooks.example/{i}"})
            p = pref[i]
            rows.append({
                "id": f"sub-{i:08d}", "lat": float(lat[i]) if placed else None,
                "lon": float(lon[i]) if placed else None,
                "cell": grid_cell(float(lat[i]), float(lon[i])) if placed else None,
                "districts": [codes[district[i]]] if kind[i] < 0.03 else [], "language": "ru",
                "channels": channels,
                "threat_kinds": ["missile_hazard"] if p < 0.03 else (["drone_hazard"] if p < 0.05 else []),
                "min_severity": "Extreme" if 0.05 <= p < 0.08 else "Minor",
                "quiet_start": "23:00" if 0.08 <= p < 0.11 else ("08:00" if 0.11 <= p < 0.12 else None),
                "quiet_end": "07:00" if 0.08 <= p < 0.11 else ("20:00" if 0.11 <= p < 0.12 else None),
                "timezone": "Asia/Yekaterinburg" if 0.12 <= p < 0.13 else "Europe/Moscow",
                "state": "pending" if state[i] < 0.03 else ("unsubscribed" if state[i] < 0.05 else "active"),
                "token_hash": "0" * 64, "created_at": now, "confirmed_at": now,
            })
        yield rows


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
        deps = build_deps(Settings(db=url, keys_dir=Path(keys), approval_severity="Extreme"))
        t0 = time.perf_counter()
        with deps.uow.engine.begin() as conn:
            for rows in subscriber_rows(deps, args.n):
                conn.execute(subscriptions.insert(), rows)
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
