"""The delivery fan-out: called inside the issuing transaction, it turns one alert into outbox rows."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from airwarn.delivery.subscriber_cache import SubscriberCache
from airwarn.deps import Deliveries, Delivery, Fanout, TargetColumn
from airwarn.domain.alerts import Alert, MsgType, Severity
from airwarn.domain.regimes import Picture
from airwarn.domain.reports import Status
from airwarn.domain.targeting import SUBSCRIBER_CHANNELS, IntArray, allowed_channels, threat_kind
from airwarn.domain.territory import Territory
from airwarn.store.repository import Repository
from airwarn.store.uow import UnitOfWork

SIREN_TOPIC = "airwarn/sirens/{district}"


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


class ChannelFanout:
    """The node's Fanout: live stream, CAP feed, sirens per district, and subscribers.

    Subscribers come from `cache`, kept for the life of the node: its copy of the subscriptions, brought
    up to date inside each issuing transaction (and loaded once in the background when a node starts).
    """

    def __init__(self, territory: Territory, cache: SubscriberCache | None = None, *,
                 siren_tests: bool = False) -> None:
        self.territory = territory
        self.subscribers = cache or SubscriberCache()
        self.siren_tests = siren_tests

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
                    for d in districts]
        return Deliveries(out, subscriber_columns(self.subscribers, repo, alert, districts, restricted))

    def warm(self, uow: UnitOfWork) -> None:
        """Load the subscribers now, on a read connection, so the first alert reads only what changed."""
        with uow.read() as repo:
            self.subscribers.load(repo.conn)


def make_fanout(territory: Territory, cache: SubscriberCache | None = None, *, siren_tests: bool = False) -> Fanout:
    return ChannelFanout(territory, cache, siren_tests=siren_tests)


def subscriber_columns(cache: SubscriberCache, repo: Repository, alert: Alert, districts: Sequence[str],
                       restricted: bool) -> list[TargetColumn]:
    """One row per (matched subscriber, usable channel), a column of subscription ids per channel.

    The channel policy is decided once per distinct channel set, not per subscriber. Each column is in
    subscription id order, so the outbox's (alert, channel, target) index is filled in order.
    """
    ids, sets = cache.match(repo.conn, alert, districts)
    rows_by_channel: dict[str, list[IntArray]] = {}
    reason = f"subscriber in {alert.region}"
    for number in np.unique(sets).tolist():
        use, why = allowed_channels(cache.channel_sets[number], alert.region, restricted)
        reason = why or reason
        rows = np.flatnonzero(sets == number)
        for channel in (c for c in use if c in SUBSCRIBER_CHANNELS):
            rows_by_channel.setdefault(channel, []).append(rows)
    return [TargetColumn(channel, reason, ids[np.sort(np.concatenate(parts))].tolist())
            for channel, parts in rows_by_channel.items()]
