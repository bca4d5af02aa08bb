"""Scores a raid's warnings against its ground truth: lead times, missed districts, false pre-alerts."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from airwarn.domain.territory import Territory
from airwarn.tracks.board import Change
from airwarn.tracks.detections import check_batch
from airwarn.tracks.engine import EngineConfig, TrackingEngine
from airwarn.tracks.forecast import DistrictIndex
from airwarn.tracks.simulate import Raid, districts_near_paths, ground_truth_entries


@dataclass
class Score:
    entered: int  # districts some threat entered
    warned_first: dict[str, float] = field(default_factory=dict)  # district → first warning (s after start)
    lead_s: dict[str, float] = field(default_factory=dict)  # entered district → entry time - first warning
    seen_lead_s: dict[str, float] = field(default_factory=dict)  # entered district → entry - first detection
    missed: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)  # warned districts no threat came within 10 km of

    @property
    def short_of_aim(self) -> list[str]:
        """Districts the sensors saw coming ≥ 10 min ahead but were warned < 10 min ahead."""
        return [d for d, lead in self.lead_s.items() if lead < 600 and self.seen_lead_s.get(d, 0) >= 600]

    def lead_quantiles_min(self) -> tuple[float, float, float]:
        leads = sorted(v / 60 for v in self.lead_s.values())
        if not leads:
            return (0.0, 0.0, 0.0)
        return leads[0], statistics.median(leads), leads[-1]


def score(raid: Raid, index: DistrictIndex, warnings: dict[str, float], *, near_m: float = 10_000.0) -> Score:
    entries = ground_truth_entries(raid, index)
    near = districts_near_paths(raid, index, near_m)
    result = Score(len(entries), dict(warnings))
    for district, (entered_s, threat) in entries.items():
        warned = warnings.get(district)
        if warned is None or warned > entered_s:
            result.missed.append(district)
            continue
        result.lead_s[district] = entered_s - warned
        seen = raid.first_seen_s.get(threat)
        if seen is not None:
            result.seen_lead_s[district] = entered_s - seen
    result.false_alarms = sorted(d for d in warnings if d not in near)
    return result


@dataclass
class Replay:
    changes: list[tuple[float, Change]]
    first_warning_s: dict[str, float]
    ingest_s: float  # wall time spent checking and tracking
    detections: int
    batch_latency_s: list[float]  # wall time from a batch's arrival to its warning changes


def replay(raid: Raid, territory: Territory, config: EngineConfig | None = None, *,
           index: DistrictIndex | None = None, batch_s: float = 2.0) -> Replay:
    """Feed the raid's detections to an engine in simulated time, batch by batch, as a node would."""
    engine = TrackingEngine(territory, config, index=index)
    sensors = {s.id: s for s in raid.sensors}
    start = raid.scenario.start.timestamp()
    changes: list[tuple[float, Change]] = []
    first: dict[str, float] = {}
    latencies = []
    spent = 0.0
    count = 0
    for t, items in raid.steps:
        now = datetime.fromtimestamp(start + t, UTC)
        t0 = time.perf_counter()
        good, _ = check_batch(items, sensors, now)
        found = engine.ingest(good)
        spent += time.perf_counter() - t0
        latencies.append(time.perf_counter() - t0)
        count += len(items)
        for change in found:
            changes.append((t, change))
            if change.level in ("pre_alert", "alert"):
                first.setdefault(change.district, t)
    return Replay(changes, first, spent, count, latencies)
