"""Which districts to warn, at which level, from the ETAs of the live tracks: pre-alert ahead of the threat,
alert when it is within the district's warning time, all-clear once nothing has threatened it for a while."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Protocol

from airwarn.tracks.classes import MOTION, ThreatClass
from airwarn.tracks.forecast import DistrictIndex, Eta
from airwarn.tracks.holds import Decision, Verdict


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
    #: Its all-clear is deferred to another partition still threatening it. This board no longer counts it
    #: as raised (a threat of its own raises it again: the other partition may have cleared it meanwhile),
    #: but asks every step whether to clear it, until it does or the other partition has.
    pending_clear: bool = False


@dataclass(frozen=True)
class Threat:
    """One live track's ETAs and class, as the board weighs them."""

    track: str
    threat_class: ThreatClass
    etas: tuple[Eta, ...]


@dataclass(frozen=True)
class Held:
    """A district this board's live tracks threaten now, as it publishes it to the other partitions."""

    district: str
    tracks: tuple[str, ...]
    regime: str


@dataclass(frozen=True)
class Quiet:
    """A raised district this board's tracks have left alone for the quiet spell: an all-clear candidate."""

    last_threat_s: float
    regime: str
    tracks: tuple[str, ...]


class SharedView(Protocol):
    """The live threats of every partition (tracks/holds.py): each step publishes what this board holds and
    asks what to do with its all-clear candidates (a candidate missing from the answer is cleared)."""

    def step(self, now_s: float, held: list[Held], quiet: Mapping[str, Quiet]) -> Mapping[str, Decision]: ...


class Board:
    def __init__(self, index: DistrictIndex, config: BoardConfig | None = None,
                 view: SharedView | None = None) -> None:
        self.index = index
        self.config = config or BoardConfig()
        self.districts: dict[str, _DistrictState] = {}
        self.view = view  # None: this board is the only one (a single node tracking everything)

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
            state.pending_clear = False
            if level > state.level:
                state.level, state.regime = level, regime
                name = "alert" if level is Level.ALERT else "pre_alert"
                changes.append(Change(code, eta.region, name, now_s, eta.earliest_s, eta.latest_s,
                                      tuple(sorted(tracks)), regime))
        quiet = {code: Quiet(state.last_threat_s, state.regime, tuple(sorted(state.tracks)))
                 for code, state in self.districts.items()
                 if code not in wanted and (state.level is not Level.NONE or state.pending_clear)
                 and now_s - state.last_threat_s >= cfg.clear_after_s}
        decisions: Mapping[str, Decision] = {}
        if self.view is not None:
            held = [Held(code, tuple(sorted(tracks)), regime) for code, (_, _, tracks, regime) in wanted.items()]
            decisions = self.view.step(now_s, held, quiet)
        for code, candidate in quiet.items():
            decision = decisions.get(code)
            verdict = decision.verdict if decision is not None else Verdict.CLEAR
            state = self.districts[code]
            state.level = Level.NONE
            if verdict is Verdict.DEFER:  # another partition's tracks still threaten it: no all-clear from here
                state.pending_clear = True
                continue
            if verdict is Verdict.CLEAR:
                changes.append(Change(code, self.index.by_code[code].region, "clear", now_s, None, None,
                                      candidate.tracks, candidate.regime))
            state.pending_clear = False  # cleared here, or by the partition whose all-clear covered ours
            state.tracks = set()
        return changes

    def pending(self) -> list[str]:
        """Districts whose all-clear waits for another partition's tracks."""
        return sorted(code for code, state in self.districts.items() if state.pending_clear)
