"""The delivery fan-out: called inside the issuing transaction, it turns one alert into outbox rows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import time
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, select

from airwarn.deps import Delivery, Fanout
from airwarn.domain.alerts import Alert, MsgType, Severity
from airwarn.domain.regimes import Picture
from airwarn.domain.targeting import (
    Preferences,
    SubscriberIndex,
    allowed_channels,
    target,
    threat_kind,
    wants,
)
from airwarn.domain.territory import Territory, bbox
from airwarn.store.delivery_tables import subscriptions as subs
from airwarn.store.repository import Repository

SIREN_TOPIC = "airwarn/sirens/{district}"
CHUNK = 500


def siren_districts(alert: Alert, territory: Territory) -> list[str]:
    """Districts whose sirens sound: the alert's districts, or every district of its region."""
    if alert.districts:
        return list(alert.districts)
    return [d.code for d in territory.districts_of(alert.region)]


def sounds_sirens(alert: Alert) -> bool:
    """Sirens for Severe/Extreme threats and for their all-clears/cancels; never for airport notices."""
    if threat_kind(alert) == "airport":
        return False
    return alert.msg_type is not MsgType.ALERT or alert.severity.rank >= Severity.SEVERE.rank


def make_fanout(territory: Territory) -> Fanout:
    """A Fanout bound to the territory: live stream, CAP feed, sirens per district, and subscribers."""

    def fanout(repo: Repository, alert: Alert, picture: Picture) -> list[Delivery]:
        restricted = picture.internet_restricted(alert.region)
        base = ["live", "cap"] + (["mqtt"] if sounds_sirens(alert) else [])
        use, why = allowed_channels(base, alert.region, restricted)
        out: list[Delivery] = []
        if "live" in use:
            out.append(Delivery("live", "*", "live stream for web clients"))
        if "cap" in use:
            out.append(Delivery("cap", "atom", why or "CAP Atom feed for cell broadcast and aggregators"))
        if "mqtt" in use:
            out += [Delivery("mqtt", SIREN_TOPIC.format(district=d), why or "sirens in the area")
                    for d in siren_districts(alert, territory)]
        out += subscriber_deliveries(repo, alert, restricted)
        return out

    return fanout


def subscriber_deliveries(repo: Repository, alert: Alert, restricted: bool) -> list[Delivery]:
    """One row per (matched subscriber, usable channel); target is the subscription id."""
    ids, index = load_index(repo, alert)
    if not len(index):
        return []
    rows = target(index, polygons=alert.area.polygons, districts=alert.districts)
    matched = [ids[i] for i in rows.tolist()]
    out: list[Delivery] = []
    for row in _rows_by_id(repo, matched):
        if not wants(preferences(row), alert, alert.sent):
            continue
        names = [c["channel"] for c in row["channels"]]
        use, why = allowed_channels(names, alert.region, restricted)
        reason = why or f"subscriber in {alert.region}"
        out += [Delivery(c, row["id"], reason) for c in use if c in {"sms", "webhook", "webpush"}]
    return out


def load_index(repo: Repository, alert: Alert) -> tuple[list[str], SubscriberIndex]:
    """Active subscribers that may be in the area: a point in the area's bbox, or any chosen district.

    Two narrow queries (positions as plain floats; district choices only where there are some), so a
    region-wide alert does not decode a JSON column per subscriber.
    """
    active = subs.c.state == "active"
    in_box: ColumnElement[bool] = subs.c.lat.is_not(None)
    if alert.area.polygons:
        lon0, lat0, lon1, lat1 = bbox(alert.area.polygons)
        in_box = and_(subs.c.lat.between(lat0, lat1), subs.c.lon.between(lon0, lon1))
    placed = repo.conn.execute(select(subs.c.id, subs.c.lat, subs.c.lon).where(and_(active, in_box))).all()
    chose = repo.conn.execute(select(subs.c.id, subs.c.districts).where(
        and_(active, cast(subs.c.districts, String) != "[]"))).all()
    ids = [r[0] for r in placed]
    row_of = {sub_id: i for i, sub_id in enumerate(ids)}
    lat = [r[1] for r in placed]
    lon = [r[2] for r in placed]
    districts: list[list[str]] = [[] for _ in ids]
    for sub_id, codes in chose:
        i = row_of.get(sub_id)
        if i is None:  # chose a district, and its point (if any) is outside the box: districts only
            i = len(ids)
            ids.append(sub_id)
            lat.append(None)
            lon.append(None)
            districts.append([])
        districts[i] = list(codes or ())
    return ids, SubscriberIndex.build(lat, lon, districts)


def _rows_by_id(repo: Repository, ids: Sequence[str]) -> Iterator[dict[str, Any]]:
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        q = select(subs).where(subs.c.id.in_(chunk)).order_by(subs.c.id)
        yield from (dict(r) for r in repo.conn.execute(q).mappings())


def preferences(row: dict[str, Any]) -> Preferences:
    return Preferences(
        threat_kinds=tuple(row["threat_kinds"] or ()),
        min_severity=Severity(row["min_severity"]),
        quiet_start=time.fromisoformat(row["quiet_start"]) if row["quiet_start"] else None,
        quiet_end=time.fromisoformat(row["quiet_end"]) if row["quiet_end"] else None,
        timezone=row["timezone"],
    )
