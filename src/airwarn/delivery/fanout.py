"""The delivery fan-out: called inside the issuing transaction, it turns one alert into a bounded number of
rows: outbox rows for the live stream, the CAP feed and sirens, and fan-out jobs for subscribers, one per
channel and shard, that dispatchers expand into per-target outbox rows after commit (expansion.py)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from airwarn.delivery.subscriber_cache import Matched, SubscriberCache
from airwarn.domain.alerts import Alert, MsgType, Severity
from airwarn.domain.regimes import Picture, shelter_regimes_left
from airwarn.domain.reports import Status
from airwarn.domain.targeting import SUBSCRIBER_CHANNELS, allowed_channels, threat_kind
from airwarn.domain.territory import Territory
from airwarn.service_layer.deps import Deliveries, Delivery, Fanout, FanoutJob, TargetColumn
from airwarn.store.repository import Repository
from airwarn.store.uow import UnitOfWork

SIREN_TOPIC = "airwarn/sirens/{district}"
#: Subscribers are split into this many shards (crc32 of the subscription id): a region-wide alert commits at
#: most 32 jobs per subscriber channel. At 1,000,000 subscribers a shard of one channel is ~5,000 rows
#: (a transaction of ~50 ms on PostgreSQL), at 10,000,000 ~50,000: small enough that the first shards are
#: sent within a second and a node that dies loses one shard's work, enough for 32 nodes to share an alert.
FANOUT_SHARDS = 32
#: Subscribers per shard the node aims at: fewer subscribers, fewer jobs (a node with a few thousand writes one
#: job per channel instead of 32 nearly empty ones into every issuing transaction).
SHARD_SUBSCRIBERS = 5_000


def shard_count(subscribers: int) -> int:
    """Shards for an alert's fan-out jobs, from the node's subscriber count: 1 up to 5,000, at most 32."""
    return max(1, min(FANOUT_SHARDS, -(-subscribers // SHARD_SUBSCRIBERS)))


def covered_districts(alert: Alert, territory: Territory) -> list[str]:
    """Districts an alert concerns: its own, or every district of its region when it is region-wide
    (whose sirens sound, and whose district-only subscribers get it)."""
    if alert.districts:
        return list(alert.districts)
    return [d.code for d in territory.districts_of(alert.region)]


def sounds_sirens(alert: Alert, siren_tests: bool = False) -> bool:
    """Sirens for Severe/Extreme threats and for their all-clears/cancels; never for airport notices, and a
    Test only where the siren network opted into tests (AIRWARN_SIREN_TESTS)."""
    if threat_kind(alert) == "airport" or (alert.status is Status.TEST and not siren_tests):
        return False
    return alert.msg_type is not MsgType.ALERT or alert.severity.rank >= Severity.SEVERE.rank


def siren_districts(alert: Alert, districts: Sequence[str], picture: Picture) -> list[str]:
    """Where the alert's siren command goes: all its districts, except that an all-clear or cancel never
    stops the sirens of a district where another shelter regime is still in force (`picture` is the state
    the alert leaves: the regimes it ends are already lifted in it)."""
    if alert.level != "all_clear":
        return list(districts)
    return [d for d in districts if not shelter_regimes_left(picture, alert.region, (d,), ())]


class ChannelFanout:
    """The node's Fanout: live stream, CAP feed, sirens per district, and fan-out jobs for subscribers.

    `cache` is the node's copy of the subscriptions, kept for its life (loaded once in the background when
    the node starts) and shared with its dispatcher's expander, which brings it up to date before each use.
    """

    def __init__(self, territory: Territory, cache: SubscriberCache | None = None, *,
                 siren_tests: bool = False, shards: int | None = None) -> None:
        self.territory = territory
        self.subscribers = cache or SubscriberCache()
        self.siren_tests = siren_tests
        self.shards = shards  # None: from the node's subscriber count (shard_count)

    def __call__(self, repo: Repository, alert: Alert, picture: Picture) -> Deliveries:
        restricted = picture.internet_restricted(alert.region)
        base = ["live", "cap"] + (["mqtt"] if sounds_sirens(alert, self.siren_tests) else [])
        use, why = allowed_channels(base, alert.region, restricted)
        districts = covered_districts(alert, self.territory)
        out: list[Delivery] = []
        if "live" in use:
            out.append(Delivery("live", "*", "live stream for web clients"))
        if "cap" in use:
            out.append(Delivery("cap", "atom", why or "CAP Atom feed for cell broadcast and aggregators"))
        if "mqtt" in use:
            out += [Delivery("mqtt", SIREN_TOPIC.format(district=d), why or "sirens in the area")
                    for d in siren_districts(alert, districts, picture)]
        subscriber_use, _ = allowed_channels(sorted(SUBSCRIBER_CHANNELS), alert.region, restricted)
        shards = self.shards or shard_count(len(self.subscribers))  # each job records it; expansion reads it there
        jobs = [FanoutJob(channel, shards, tuple(districts), restricted) for channel in subscriber_use]
        return Deliveries(out, jobs=jobs)

    def warm(self, uow: UnitOfWork) -> None:
        """Load the subscribers now, on a read connection, so the first alert reads only what changed."""
        with uow.read() as repo:
            self.subscribers.load(repo.conn)


def make_fanout(territory: Territory, cache: SubscriberCache | None = None, *, siren_tests: bool = False,
                shards: int | None = None) -> Fanout:
    return ChannelFanout(territory, cache, siren_tests=siren_tests, shards=shards)


def subscriber_columns(matched: Matched, alert: Alert, restricted: bool, channel: str, shard: int,
                       shards: int) -> TargetColumn:
    """The outbox rows of one fan-out job: the matched subscribers in `shard` whose channel set, under the
    channel policy, includes `channel`, in subscription id order (the outbox's unique index fills in order).

    The channel policy is decided once per distinct channel set, not per subscriber."""
    reason = f"subscriber in {alert.region}"
    in_shard = matched.hashes % np.uint32(shards) == shard
    wanted = np.zeros(len(matched.channel_sets), dtype=np.bool_)
    for number, names in enumerate(matched.channel_sets):
        use, why = allowed_channels(names, alert.region, restricted)
        if channel in use:
            wanted[number] = True
            reason = why or reason
    rows = np.flatnonzero(in_shard & wanted[matched.channels]) if len(wanted) else np.empty(0, dtype=np.int64)
    return TargetColumn(channel, reason, sorted(matched.ids[rows].tolist()))
