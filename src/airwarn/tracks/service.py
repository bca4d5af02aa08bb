"""The tracking use cases of a node: register sensors, take detection batches, and turn warning changes into
sensor reports that go through the same rules, approvals and audit as any other report."""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from airwarn.domain.approach import Approach, DistrictForecast, IssuedWarning, public_approach
from airwarn.domain.reports import Status
from airwarn.domain.users import Role, User
from airwarn.errors import Forbidden, InvalidInput
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from airwarn.service_layer.publishing import audit
from airwarn.store.sensor_repo import load_sensors, save_sensors
from airwarn.tracks.board import Change
from airwarn.tracks.detections import FUTURE_TOLERANCE, MAX_DRILL_SPEED, check_batch
from airwarn.tracks.engine import EngineConfig, TrackingEngine
from airwarn.tracks.forecast import DistrictIndex
from airwarn.tracks.sensors import Sensor
from airwarn.tracks.shared_view import DatabaseView


@dataclass(frozen=True)
class DrillClock:
    """An accelerated drill's own time: it starts at the node's time and runs `speed` times faster. Only an
    Exercise or Test picture may have one; the Actual picture always runs on the node's clock."""

    speed: float
    started: datetime  # the node's time when the drill began; drill time and node time agree there

    def now(self, wall: datetime) -> datetime:
        return self.started + (wall - self.started) * self.speed


#: What a warning change becomes: the report kind that carries it through the pipeline.
REPORT_KIND = {"pre_alert": "drones_en_route", "alert": "drone_attack", "clear": "regime_lifted"}


@dataclass
class IngestResult:
    accepted: int
    rejected: list[dict[str, Any]]
    changes: list[dict[str, Any]] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "rejected": self.rejected, "changes": self.changes,
                "reports": self.reports}


def require_sensor(user: User) -> None:
    """Only sensor accounts (and administrators) may send detections; sensors may do nothing else."""
    if user.role not in (Role.SENSOR, Role.ADMIN):
        raise Forbidden("sending detections needs the sensor role")


class TrackingService:
    """One per node: the sensor registry, one engine per picture (Actual, Exercise, Test) and their reports."""

    def __init__(self, deps: Deps, config: EngineConfig | None = None, *, partition: str | None = None) -> None:
        self.deps = deps
        self.config = config or EngineConfig()
        #: This node's key in the shared view of live threats (unique per process: a restarted node's old holds
        #: are another partition's, and end by their time); the partitions it tracks lead it, for the audit.
        self.partition = partition or f"all#{uuid.uuid4().hex[:8]}"
        self.sensors: dict[str, Sensor] = {}
        self._engines: dict[Status, TrackingEngine] = {}
        self._index: DistrictIndex | None = None
        self._drills: dict[Status, DrillClock] = {}
        self._lock = threading.Lock()

    def load(self) -> None:
        with self.deps.uow.read() as repo:
            self.sensors = {s.id: s for s in load_sensors(repo.conn)}

    def register(self, sensors: list[Sensor], actor: User) -> int:
        services.require(actor, Role.OPERATOR)
        if not sensors:
            raise InvalidInput("no sensors in the file", field="file")
        with self.deps.uow.write() as repo:
            save_sensors(repo.conn, sensors, at=self.deps.clock(), by=actor.name)
            audit(repo, self.deps, actor.name, "sensors.registered", "sensor", sensors[0].id, count=len(sensors),
                  ids=[s.id for s in sensors[:50]])
        with self._lock:
            self.sensors.update({s.id: s for s in sensors})
        return len(sensors)

    def engine(self, status: Status) -> TrackingEngine:
        engine = self._engines.get(status)
        if engine is None:
            if self._index is None:
                from airwarn.tracks.engine import frame_for

                self._index = DistrictIndex(self.deps.territory, frame_for(self.deps.territory))
            view = DatabaseView(self.deps.uow.engine, status.value, self.partition, self.config.board.clear_after_s)
            engine = TrackingEngine(self.deps.territory, self.config, index=self._index,
                                    prefix={Status.ACTUAL: "T", Status.EXERCISE: "X", Status.TEST: "Z"}[status],
                                    view=view)
            self._engines[status] = engine
        return engine

    def clock(self, status: Status) -> datetime:
        """The picture's time: the node's clock, or an accelerated drill's."""
        wall = self.deps.clock()
        drill = self._drills.get(status)
        return drill.now(wall) if drill else wall

    def _pace(self, status: Status, speed: float, restart: bool = False) -> None:
        """A drill at a new speed (or restarted: an empty batch with a speed) starts afresh: its clock restarts
        at the node's time and its picture (tracks, warning board) is dropped, since the old one's times belong
        to another clock."""
        if speed == 1.0 and status not in self._drills:
            return
        if status is Status.ACTUAL:
            raise InvalidInput("accelerated time is for Exercise or Test detections only", field="speed")
        if not 1.0 <= speed <= MAX_DRILL_SPEED:
            raise InvalidInput(f"between 1 and {MAX_DRILL_SPEED:g}", field="speed")
        current = self._drills.get(status)
        if current is not None and current.speed == speed and not restart:
            return
        self._engines.pop(status, None)
        if speed == 1.0:
            self._drills.pop(status, None)
        else:
            self._drills[status] = DrillClock(speed, self.deps.clock())

    def ingest(self, items: list[Any], actor: User, status: Status = Status.ACTUAL,
               speed: float = 1.0) -> IngestResult:
        """Check every detection, track the good ones, and report what the tracks change. `speed` > 1 runs an
        Exercise or Test picture on a drill clock that many times faster than the node's (a simulated raid
        replayed at 10×): its detections are checked against that clock, never the Actual picture's. An empty
        batch with a speed starts the drill (clock and picture) afresh."""
        require_sensor(actor)
        with self._lock:
            self._pace(status, speed, restart=not items and speed != 1.0)
            good, bad = check_batch(items, self.sensors, self.clock(status), FUTURE_TOLERANCE * speed)
            changes = self.engine(status).ingest(good)
        result = IngestResult(len(good), [r.to_dict() for r in bad])
        self._report(changes, status, actor.name, result)
        return result

    def tick(self) -> list[str]:
        """Time passes: lost tracks are dropped and quiet districts get their all-clear."""
        result = IngestResult(0, [])
        for status, engine in list(self._engines.items()):
            with self._lock:
                changes = engine.tick(self.clock(status).timestamp())
            self._report(changes, status, "system", result)
        return result.reports

    def interception_reported(self, draft: ReportDraft, queued: bool) -> list[str]:
        """An official or sensor interception report (acted on, not queued) ends the live tracks over the
        districts it names, or within 5 km of its point; returns their ids."""
        if draft.kind != "interception" or queued or draft.source_type not in ("official", "sensor"):
            return []
        try:
            status = Status(draft.status)
        except ValueError:
            return []
        engine = self._engines.get(status)
        if engine is None:
            return []
        codes = [d.code for d in self.deps.territory.districts.values()
                 if d.region == draft.region and (d.name_en in draft.districts or d.code in draft.districts)]
        with self._lock:
            return engine.end_over(codes, draft.point, self.clock(status).timestamp())

    def snapshot(self, status: Status) -> list[dict[str, Any]]:
        """Live tracks of one picture for the console (staff only: sensors' picture, not a public one)."""
        now_s = self.clock(status).timestamp()
        with self._lock:
            engine = self._engines.get(status)
            return engine.snapshot(now_s) if engine else []

    def outlook(self, status: Status) -> list[dict[str, Any]]:
        """Districts inside a live corridor, soonest first: the ETA window, the level it calls for (`due`),
        the level the board reached and the tracks behind it — what the console lists beside the map."""
        now_s = self.clock(status).timestamp()
        with self._lock:
            engine = self._engines.get(status)
            found = engine.outlook(now_s) if engine else []
        districts = self.deps.territory.districts
        return [{"district": o.district, "region": o.region,
                 "name": districts[o.district].name_en if o.district in districts else o.district,
                 "warning_s": self.deps.territory.district_warning_s(o.district) if o.district in districts else None,
                 "earliest_s": round(o.earliest_s), "latest_s": round(o.latest_s), "inside": o.inside,
                 "due": o.due.name.lower(), "level": o.level.name.lower(), "tracks": list(o.tracks)}
                for o in found]

    def approach(self, status: Status) -> list[Approach]:
        """The public's share of the forecast: minutes to arrival for districts under a pre-alert or alert
        that is in force (approved), nothing for any other district, no tracks, sensors or corridors."""
        now_s = self.clock(status).timestamp()
        with self._lock:
            engine = self._engines.get(status)
            threats = engine.threats_at(max(now_s, engine.now_s)) if engine else []
        forecasts = [DistrictForecast(e.district, e.region, e.earliest_s) for t in threats for e in t.etas]
        if not forecasts:
            return []
        with self.deps.uow.read() as repo:
            regimes = repo.regimes(active=True, status=status, public=True)
        warnings = [IssuedWarning(r["kind"], r["region"], r["district"], r.get("level") or "alert")
                    for r in regimes if r.get("state") == "in_force"]
        districts_of: dict[str, list[str]] = defaultdict(list)
        for d in self.deps.territory.districts.values():
            districts_of[d.region].append(d.code)
        return public_approach(warnings, forecasts, districts_of)

    def _report(self, changes: list[Change], status: Status, by: str, result: IngestResult) -> None:
        """One sensor report per region, level and regime; the pipeline decides what each one does."""
        groups: dict[tuple[str, str, str], list[Change]] = defaultdict(list)
        for change in changes:
            groups[(change.region, change.level, change.regime)].append(change)
            result.changes.append({"district": change.district, "region": change.region, "level": change.level,
                                   "earliest_s": change.earliest_s, "tracks": list(change.tracks)})
        actor = User(f"tracks:{by}", Role.SENSOR)  # the tracker speaks for the sensors that fed it
        for (region, level, regime), members in groups.items():
            districts = [self.deps.territory.districts[c.district].name_en for c in members]
            tracks = sorted({t for c in members for t in c.tracks})
            earliest = [c.earliest_s for c in members if c.earliest_s is not None]
            eta = f"; first arrival in about {round(min(earliest) / 60)} min" if earliest and level != "clear" \
                else ""
            draft = ReportDraft(kind=REPORT_KIND[level], region=region, source_type="sensor",
                                source_name="airwarn tracks", districts=districts, regime=regime,
                                certainty="Likely" if level == "pre_alert" else "Observed", status=status.value,
                                text=f"{level}: tracks {', '.join(tracks[:10])}{eta}; partition {self.partition}")
            outcome = services.submit_report(self.deps, draft, actor)
            if outcome.report_id:
                result.reports.append(outcome.report_id)


def node_partition(track_regions: str) -> str:
    """This node's key in the shared view of live threats: the partitions it tracks (AIRWARN_TRACK_REGIONS,
    `all` when empty), its host and a per-process suffix, so that two nodes never share a key."""
    import socket

    regions = ",".join(r.strip() for r in track_regions.split(",") if r.strip()) or "all"
    return f"{regions[:120]}@{socket.gethostname()[:40]}#{uuid.uuid4().hex[:8]}"
