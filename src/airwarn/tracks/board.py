"""Which districts to warn, at which level, from the ETAs of the live tracks: pre-alert ahead of the threat,
alert when it is within the district's warning time, all-clear once nothing has threatened it for a while."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum

from airwarn.tracks.classes import MOTION, ThreatClass
from airwarn.tracks.forecast import DistrictIndex, Eta


class Level(IntEnum):
    NONE = 0
    PRE_ALERT = 1
    ALERT = 2


@dataclass(frozen=True)
class BoardConfig:
    pre_alert_s: float = 1_200.0  # pre-alert a district a threat can reach within this time (20 min)
    alert_margin_s: float = 120.0  # alert when the threat can arrive within warning time + this margin
    clear_after_s: float = 600.0  # all-clear after this long with no live track threatening the district


@dataclass(frozen=True)
class Change:
    """A district's warning level changes: 'pre_alert', 'alert' or 'clear'."""

    district: str
    region: str
    level: str
    at_s: float
    earliest_s: float | None
    latest_s: float | None
    tracks: tuple[str, ...]
    regime: str  # drone_hazard or missile_hazard


@dataclass(frozen=True)
class Outlook:
    """One district inside a live corridor, as the console shows it: its ETA window over all tracks, the level
    that window calls for (`due`, by the board's own thresholds) and the level the board has reached."""

    district: str
    region: str
    earliest_s: float
    latest_s: float
    inside: bool
    tracks: tuple[str, ...]
    due: Level
    level: Level


@dataclass
class _DistrictState:
    level: Level = Level.NONE
    regime: str = "drone_hazard"
    last_threat_s: float = 0.0
    tracks: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Threat:
    """One live track's ETAs and class, as the board weighs them."""

    track: str
    threat_class: ThreatClass
    etas: tuple[Eta, ...]


class Board:
    def __init__(self, index: DistrictIndex, config: BoardConfig | None = None) -> None:
        self.index = index
        self.config = config or BoardConfig()
        self.districts: dict[str, _DistrictState] = {}

    def level_of(self, district: str) -> Level:
        state = self.districts.get(district)
        return state.level if state else Level.NONE

    def due(self, eta: Eta) -> Level:
        """The level an ETA calls for: alert within the district's warning time + margin (or inside),
        pre-alert within the pre-alert horizon, else none yet."""
        area = self.index.by_code.get(eta.district)
        if area is None:
            return Level.NONE
        if eta.inside or eta.earliest_s <= area.warning_s + self.config.alert_margin_s:
            return Level.ALERT
        if eta.earliest_s <= self.config.pre_alert_s:
            return Level.PRE_ALERT
        return Level.NONE

    def outlook(self, threats: Iterable[Threat]) -> list[Outlook]:
        """Every district in a live corridor, soonest first: the earliest window over its tracks. Reads the
        board, changes nothing."""
        found: dict[str, tuple[Eta, set[str]]] = {}
        for threat in threats:
            for eta in threat.etas:
                if eta.district not in self.index.by_code:
                    continue
                seen = found.get(eta.district)
                if seen is None:
                    found[eta.district] = (eta, {threat.track})
                    continue
                first = seen[0]  # the first arrival: between the soonest earliest and the soonest latest
                merged = Eta(eta.district, eta.region, min(eta.earliest_s, first.earliest_s),
                             min(eta.latest_s, first.latest_s), eta.inside or first.inside)
                found[eta.district] = (merged, seen[1] | {threat.track})
        out = [Outlook(code, eta.region, eta.earliest_s, max(eta.latest_s, eta.earliest_s), eta.inside,
                       tuple(sorted(tracks)), self.due(eta), self.level_of(code))
               for code, (eta, tracks) in found.items()]
        return sorted(out, key=lambda o: (o.earliest_s, o.district))

    def assess(self, now_s: float, threats: Iterable[Threat]) -> list[Change]:
        """Escalate at once, never step down while threatened, and clear only after a quiet spell."""
        cfg = self.config
        wanted: dict[str, tuple[Level, Eta, set[str], str]] = {}
        for threat in threats:
            regime = MOTION[threat.threat_class].regime
            for eta in threat.etas:
                level = self.due(eta)
                if level is Level.NONE:
                    continue
                current = wanted.get(eta.district)
                if current is None:
                    wanted[eta.district] = (level, eta, {threat.track}, regime)
                else:
                    best = eta if eta.earliest_s < current[1].earliest_s else current[1]
                    strongest = "missile_hazard" if "missile_hazard" in (regime, current[3]) else regime
                    wanted[eta.district] = (max(level, current[0]), best, current[2] | {threat.track}, strongest)
        changes: list[Change] = []
        for code, (level, eta, tracks, regime) in wanted.items():
            state = self.districts.setdefault(code, _DistrictState())
            state.last_threat_s = now_s
            state.tracks = tracks
            if level > state.level:
                state.level, state.regime = level, regime
                name = "alert" if level is Level.ALERT else "pre_alert"
                changes.append(Change(code, eta.region, name, now_s, eta.earliest_s, eta.latest_s,
                                      tuple(sorted(tracks)), regime))
        for code, state in self.districts.items():
            if code in wanted or state.level is Level.NONE:
                continue
            if now_s - state.last_threat_s >= cfg.clear_after_s:
                area = self.index.by_code[code]
                changes.append(Change(code, area.region, "clear", now_s, None, None, tuple(sorted(state.tracks)),
                                      state.regime))
                state.level = Level.NONE
                state.tracks = set()
        return changes
