"""Reports: what someone says happened, who says it and how sure they are (CAP certainty)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ReportKind(StrEnum):
    DRONE_ATTACK = "drone_attack"
    INTERCEPTION = "interception"
    EXPLOSION = "explosion"
    DRONES_EN_ROUTE = "drones_en_route"
    AIRPORT_SUSPENDED = "airport_suspended"
    AIRPORT_RESUMED = "airport_resumed"
    REGIME_DECLARED = "regime_declared"
    REGIME_LIFTED = "regime_lifted"
    PLAN_ACTIVATED = "plan_activated"
    INTERNET_RESTRICTED = "internet_restricted"
    INTERNET_RESTORED = "internet_restored"
    STAY_INDOORS_LIFTED = "stay_indoors_lifted"
    CASUALTIES = "casualties"
    DAMAGE = "damage"
    SHELTER_INCIDENT = "shelter_incident"
    ALERT_DECLARED = "alert_declared"  # an air-raid alert (sirens) sounded: an air-raid regime (domain/air_raid.py)
    ALERT_LIFTED = "alert_lifted"


#: Kinds that mean an air threat is (or was) present where they are reported.
THREAT_KINDS = frozenset(
    {ReportKind.DRONE_ATTACK, ReportKind.INTERCEPTION, ReportKind.EXPLOSION, ReportKind.DRONES_EN_ROUTE}
)


class RegimeKind(StrEnum):
    DRONE_HAZARD = "drone_hazard"
    MISSILE_HAZARD = "missile_hazard"
    AIRSPACE_CLOSED = "airspace_closed"
    # air-raid alerts (domain/air_raid.py): one kind per threat they name, declared by alert_declared
    AIR_RAID_ALERT = "air_raid_alert"  # the threat is not named
    AIR_RAID_DRONES = "air_raid_drones"
    AIR_RAID_BALLISTIC_MISSILES = "air_raid_ballistic_missiles"
    AIR_RAID_CRUISE_MISSILES = "air_raid_cruise_missiles"
    AIR_RAID_GUIDED_BOMBS = "air_raid_guided_bombs"
    AIR_RAID_AIRCRAFT = "air_raid_aircraft"


class SourceType(StrEnum):
    OFFICIAL = "official"
    MEDIA = "media"
    WITNESS = "witness"
    SENSOR = "sensor"


#: Sources whose word is enough to act on without an operator's confirmation.
TRUSTED_SOURCES = frozenset({SourceType.OFFICIAL, SourceType.SENSOR})


class Certainty(StrEnum):
    """CAP 1.2 certainty, most sure first."""

    OBSERVED = "Observed"
    LIKELY = "Likely"
    POSSIBLE = "Possible"
    UNLIKELY = "Unlikely"
    UNKNOWN = "Unknown"

    @property
    def rank(self) -> int:
        """Higher is surer: Observed 4 … Unknown 0."""
        return _CERTAINTY_RANK[self]

    def at_least(self, other: Certainty) -> bool:
        return self.rank >= other.rank


_CERTAINTY_RANK = {
    Certainty.OBSERVED: 4,
    Certainty.LIKELY: 3,
    Certainty.POSSIBLE: 2,
    Certainty.UNLIKELY: 1,
    Certainty.UNKNOWN: 0,
}


class Qualifier(StrEnum):
    EXACT = "exact"
    ABOUT = "about"
    AT_LEAST = "at_least"
    MORE_THAN = "more_than"
    UP_TO = "up_to"


class Status(StrEnum):
    """CAP status. Actual, Exercise and Test live in separate pictures and never touch each other."""

    ACTUAL = "Actual"
    EXERCISE = "Exercise"
    TEST = "Test"


@dataclass(frozen=True)
class Count:
    value: int
    qualifier: Qualifier = Qualifier.EXACT


@dataclass(frozen=True)
class Source:
    type: SourceType
    name: str | None = None


@dataclass(frozen=True)
class Report:
    """One validated report, already resolved against the territory (codes, not free names)."""

    id: str
    kind: ReportKind
    region: str
    time: datetime
    source: Source
    certainty: Certainty
    received_at: datetime
    districts: tuple[str, ...] = ()
    point: tuple[float, float] | None = None  # (lat, lon)
    count: Count | None = None
    casualties: int | None = None
    damage: bool | None = None
    regime: RegimeKind | None = None
    plan: str | None = None
    airport: str | None = None
    text: str = ""
    status: Status = Status.ACTUAL
    reported_by: str = "system"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_threat(self) -> bool:
        return self.kind in THREAT_KINDS

    @property
    def trusted(self) -> bool:
        return self.source.type in TRUSTED_SOURCES
