"""What the use cases need from the outside world, as one object that bootstrap builds."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

from airwarn.domain.alerts import Alert, Authority
from airwarn.domain.approval_policy import ApprovalPolicy
from airwarn.domain.expiry import ExpiryPolicy
from airwarn.domain.policy import AutoConfirmPolicy
from airwarn.domain.regimes import Picture
from airwarn.domain.territory import Territory
from airwarn.store.repository import Repository
from airwarn.store.uow import UnitOfWork


class Renderer(Protocol):
    def __call__(self, alert: Alert) -> str:
        """The signed, schema-valid CAP 1.2 document for `alert`."""
        ...


class EventSink(Protocol):
    @property
    def serving(self) -> bool:
        """True in a process whose live listeners this sink reaches (a started bus): there an issued
        alert is handed to them right after commit instead of waiting for the dispatcher."""
        ...

    def publish(self, topic: str, payload: dict[str, Any]) -> bool:
        """Announce a committed change to live listeners (never inside a transaction); True once stored."""
        ...


@dataclass(frozen=True)
class Delivery:
    """One outbox row to write for an issued alert: which channel, which target, and why."""

    channel: str
    target: str
    reason: str = ""


class TargetColumn(NamedTuple):
    """Outbox rows that share a channel and a reason, one per target, in order: a region-wide alert has
    hundreds of thousands of subscriber rows, and an object per row was most of the fan-out's time."""

    channel: str
    reason: str
    targets: list[str]


@dataclass(frozen=True)
class FanoutJob:
    """Subscriber deliveries of one channel, written as `shards` fan-out jobs instead of a row per target:
    a dispatcher expands each shard into outbox rows after the alert commits (delivery/expansion.py)."""

    channel: str
    shards: int
    districts: tuple[str, ...]  # the districts the alert covers (their district-only subscribers get it)
    restricted: bool  # mobile internet restricted in the region when the alert was issued


@dataclass(frozen=True)
class Deliveries:
    """What an issued alert commits: a few single rows (live, CAP feed, sirens), column-wise ones, and
    fan-out jobs for subscribers (expanded after commit)."""

    rows: list[Delivery] = field(default_factory=list)
    columns: list[TargetColumn] = field(default_factory=list)
    jobs: list[FanoutJob] = field(default_factory=list)

    def channels(self) -> list[str]:
        """The channels used, sorted (as the alert's audit record lists them); a fan-out job's channel counts
        as used although its targets are known only once it is expanded."""
        return sorted({d.channel for d in self.rows} | {c.channel for c in self.columns if c.targets}
                      | {j.channel for j in self.jobs})


#: Decides the delivery rows of an issued alert, inside the issuing transaction.
Fanout = Callable[[Repository, Alert, Picture], Deliveries]


def live_only(_repo: Repository, _alert: Alert, _picture: Picture) -> Deliveries:
    """The default fan-out: the live stream; the CAP feed serves straight from the alerts table."""
    return Deliveries([Delivery("live", "*", "live stream for web clients")])


class NullSink:
    serving = False

    def publish(self, topic: str, payload: dict[str, Any]) -> bool:
        return False


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


@dataclass
class Deps:
    uow: UnitOfWork
    territory: Territory
    render: Renderer
    authority: Authority = field(default_factory=Authority)
    approval: ApprovalPolicy = field(default_factory=ApprovalPolicy)
    auto_confirm: AutoConfirmPolicy = field(default_factory=AutoConfirmPolicy)  # off unless the authority opts in
    events: EventSink = field(default_factory=NullSink)
    fanout: Fanout = live_only
    clock: Callable[[], datetime] = utc_now
    future_tolerance: timedelta = timedelta(minutes=5)
    certificate_pem: bytes = b""  # the authority's signing certificate, published for receivers
    #: Signs the audit head with the authority key (RSA-SHA256, base64); None: this node signs no heads.
    sign_head: Callable[[bytes], str] | None = None
    expiry: ExpiryPolicy = field(default_factory=ExpiryPolicy)  # CAP <expires> per threat, renewal lead

    def alert_id(self) -> str:
        """CAP identifiers: sender-scoped, no spaces, commas or reserved characters."""
        return "airwarn-" + uuid.uuid4().hex
