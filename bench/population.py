"""A realistic subscriber population for the benchmarks (bench/issuing_scale.py, bench/live_fanout.py).

Points uniform over the Rostov region's bounding box (as bench/targeting.py), ~2 % with only a chosen
district, sms / webhook / webpush and a pair, a few with quiet hours, a minimum severity or threat kinds,
a few pending or unsubscribed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
from shapely.geometry import Polygon
from sqlalchemy.engine import Engine

from airwarn.domain.targeting import grid_cell
from airwarn.domain.territory import Territory
from airwarn.store.delivery_tables import subscriptions

CHUNK_ROWS = 10_000
P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
AUTH = "tBHItJI5svbpez7KI4CCXg"


def subscriber_rows(territory: Territory, n: int, seed: int = 2026, base_url: str | None = None
                    ) -> Iterator[list[dict[str, Any]]]:
    """N subscription rows in chunks, a realistic mix (see the module docstring); with `base_url`, webhooks
    and push endpoints point there (`/hook/<i>`, `/push/<i>`: local stub receivers) instead of example hosts."""
    push_base = f"{base_url}/push" if base_url else "https://push.example"
    hook_base = f"{base_url}/hook" if base_url else "https://hooks.example"
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
                    "endpoint": f"{push_base}/{i}", "keys": {"p256dh": P256DH, "auth": AUTH}}})
            if m >= 0.85:
                channels.append({"channel": "webhook", "address": f"{hook_base}/{i}"})
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


def insert_subscribers(engine: Engine, territory: Territory, n: int, base_url: str | None = None) -> None:
    """Put N subscribers into the database, in one transaction, chunk by chunk."""
    with engine.begin() as conn:
        for rows in subscriber_rows(territory, n, base_url=base_url):
            conn.execute(subscriptions.insert(), rows)
