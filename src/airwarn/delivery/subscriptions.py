"""Subscribe, confirm, unsubscribe: validated against the territory, stored with a grid-cell index.
Channels whose receiver says they are gone are removed; a subscription left without any expires."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from airwarn.delivery.channels.base import Message
from airwarn.deps import Deps, new_id
from airwarn.domain.alerts import Severity
from airwarn.domain.targeting import grid_cell
from airwarn.domain.territory import fold
from airwarn.errors import Conflict, InvalidInput, NotFound
from airwarn.store.delivery_tables import subscriptions as subs

LANGUAGES = ("en", "ru")
THREAT_KINDS = ("drone_hazard", "missile_hazard", "airspace_closed", "airport")
PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass
class SubscriptionDraft:
    channels: list[dict[str, Any]]
    lat: float | None = None
    lon: float | None = None
    districts: list[str] = field(default_factory=list)
    language: str = "en"
    threat_kinds: list[str] = field(default_factory=list)
    min_severity: str = "Minor"
    quiet_start: str | None = None
    quiet_end: str | None = None
    timezone: str | None = None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_address(channel: str, address: Any, where: str) -> Any:
    """Validate one channel address; returns it normalised."""
    if channel == "sms":
        if not isinstance(address, str) or not PHONE.match(address.replace(" ", "")):
            raise InvalidInput("sms address must be an E.164 phone number like +79991234567", field=where)
        return address.replace(" ", "")
    if channel == "webhook":
        parts = urlsplit(address) if isinstance(address, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or len(address) > 400:
            raise InvalidInput("webhook address must be an http(s) URL up to 400 characters", field=where)
        return address
    if channel == "webpush":
        keys = address.get("keys") if isinstance(address, dict) else None
        endpoint = address.get("endpoint") if isinstance(address, dict) else None
        if (not isinstance(endpoint, str) or urlsplit(endpoint).scheme not in ("http", "https")
                or len(endpoint) > 1000 or not isinstance(keys, dict) or not isinstance(keys.get("p256dh"), str)
                or not isinstance(keys.get("auth"), str)):
            raise InvalidInput("webpush address must be a PushSubscription {endpoint, keys: {p256dh, auth}}",
                               field=where)
        if not _push_key_ok(keys["p256dh"], keys["auth"]):
            raise InvalidInput("webpush keys must be base64url: p256dh a P-256 public key (65 bytes), "
                               "auth 16 bytes", field=f"{where}.keys")
        return {"endpoint": endpoint, "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}}
    raise InvalidInput(f"unknown channel {channel!r}; use sms, webhook or webpush", field=where)


def _push_key_ok(p256dh: str, auth: str) -> bool:
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        point = base64.urlsafe_b64decode(p256dh + "=" * (-len(p256dh) % 4))
        secret = base64.urlsafe_b64decode(auth + "=" * (-len(auth) % 4))
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, binascii.Error):
        return False
    return len(point) == 65 and len(secret) == 16


def subscribe(deps: Deps, draft: SubscriptionDraft) -> dict[str, Any]:
    """Store a pending subscription; the returned token confirms or cancels it."""
    districts: list[str] = []
    for i, name in enumerate(draft.districts):
        found = deps.territory.districts.get(name)
        if found is None:
            key = fold(name)
            found = next((d for d in deps.territory.districts.values()
                          if key in {fold(n) for n in d.names()}), None)
        if found is None:
            raise InvalidInput(f"unknown district {name!r}", field=f"districts[{i}]")
        districts.append(found.code)
    if (draft.lat is None) != (draft.lon is None):
        raise InvalidInput("give both lat and lon, or neither", field="lat" if draft.lat is None else "lon")
    if draft.lat is None and not districts:
        raise InvalidInput("give a location (lat, lon) or at least one district", field="districts")
    if draft.language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {list(LANGUAGES)}", field="language")
    if not draft.channels:
        raise InvalidInput("give at least one channel", field="channels")
    channels = []
    for i, c in enumerate(draft.channels):
        name = str(c.get("channel"))
        channels.append({"channel": name, "address": check_address(str(name), c.get("address"),
                                                                   f"channels[{i}].address")})
    for i, kind in enumerate(draft.threat_kinds):
        if kind not in THREAT_KINDS:
            raise InvalidInput(f"threat kind must be one of {list(THREAT_KINDS)}", field=f"threat_kinds[{i}]")
    try:
        severity = Severity(draft.min_severity)
    except ValueError:
        raise InvalidInput(f"min_severity must be one of {[s.value for s in Severity]}",
                           field="min_severity") from None
    quiet: dict[str, str | None] = {}
    for name in ("quiet_start", "quiet_end"):
        value = getattr(draft, name)
        try:
            quiet[name] = time.fromisoformat(value).strftime("%H:%M") if value else None
        except ValueError:
            raise InvalidInput("quiet hours are HH:MM local time", field=name) from None
    if (quiet["quiet_start"] is None) != (quiet["quiet_end"] is None):
        raise InvalidInput("give both quiet_start and quiet_end", field="quiet_end")
    tz = draft.timezone or _zone_for(deps, draft.lat, draft.lon, districts)
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {tz!r}", field="timezone") from None
    token = secrets.token_urlsafe(24)
    sub_id = new_id("sub")
    now = deps.clock()
    with deps.uow.write() as repo:
        repo.conn.execute(insert(subs).values(
            id=sub_id, lat=draft.lat, lon=draft.lon,
            cell=grid_cell(draft.lat, draft.lon) if draft.lat is not None and draft.lon is not None else None,
            districts=districts, language=draft.language, channels=channels,
            threat_kinds=list(draft.threat_kinds), min_severity=severity.value, timezone=tz,
            state="pending", token_hash=_token_hash(token), created_at=now, **quiet,
        ))
    return {"id": sub_id, "token": token, "state": "pending", "districts": districts, "timezone": tz}


def _zone_for(deps: Deps, lat: float | None, lon: float | None, districts: list[str]) -> str:
    region = None
    if lat is not None and lon is not None:
        district = deps.territory.locate(lat, lon)
        region = (deps.territory.regions.get(district.region) if district
                  else deps.territory.locate_region(lat, lon))
    elif districts:
        region = deps.territory.regions.get(deps.territory.districts[districts[0]].region)
    return region.timezone if region else "UTC"


def _change(deps: Deps, sub_id: str, token: str, *, to: str) -> dict[str, Any]:
    now = deps.clock()
    with deps.uow.write() as repo:
        row = repo.conn.execute(select(subs.c.state, subs.c.token_hash).where(subs.c.id == sub_id)).first()
        if row is None:
            raise NotFound(f"no subscription {sub_id!r}", field="id")
        if not secrets.compare_digest(row.token_hash, _token_hash(token)):
            raise InvalidInput("wrong token for this subscription", field="token")
        if row.state == "unsubscribed":
            raise Conflict("this subscription was cancelled", field="id")
        if row.state == "expired" and to == "active":
            raise Conflict("this subscription expired: none of its channels exists any more; subscribe again",
                           field="id")
        values: dict[str, Any] = {"state": to}
        values["confirmed_at" if to == "active" else "unsubscribed_at"] = now
        if to == "unsubscribed":  # where someone lives and how to reach them is kept no longer than needed
            values |= {"channels": [], "lat": None, "lon": None, "cell": None, "districts": []}
        if to == "active" and row.state == "active":
            return {"id": sub_id, "state": "active"}
        repo.conn.execute(update(subs).where(subs.c.id == sub_id).values(**values))
    return {"id": sub_id, "state": to}


def confirm(deps: Deps, sub_id: str, token: str) -> dict[str, Any]:
    return _change(deps, sub_id, token, to="active")


def unsubscribe(deps: Deps, sub_id: str, token: str) -> dict[str, Any]:
    """Stop deliveries and erase the addresses and location; deliveries still queued then fail unsent."""
    return _change(deps, sub_id, token, to="unsubscribed")


def subscription(deps: Deps, sub_id: str, token: str) -> dict[str, Any]:
    """The subscriber's own view (token-checked: it holds phone numbers and push endpoints), with the
    channels removed because their receiver said they are gone, and why."""
    with deps.uow.read() as repo:
        row = repo.conn.execute(select(subs).where(subs.c.id == sub_id)).mappings().first()
    if row is None:
        raise NotFound(f"no subscription {sub_id!r}", field="id")
    if not secrets.compare_digest(row["token_hash"], _token_hash(token)):
        raise InvalidInput("wrong token for this subscription", field="token")
    view = {k: v for k, v in row.items() if k not in ("token_hash", "cell")}
    view["removed_channels"] = row["removed_channels"] or []
    return view


def remove_gone(conn: Connection, gone: Iterable[tuple[Message, str]], now: datetime) -> list[str]:
    """Remove each (message, reason)'s address from its subscription, in the caller's write transaction
    (which holds the write lock, as `UnitOfWork.write` does: two removals must not lose one).

    A push service's 404/410 means the PushSubscription is gone for good (RFC 8030): keeping it would make
    every later alert fail on it again. Only the entry that was sent to goes (the subscriber's SMS still
    works); each removal is recorded in `removed_channels`, and a subscription left with no channel
    expires, so the fan-out targets it no more. Returns the ids that expired.
    """
    by_sub: dict[str, list[tuple[Message, str]]] = {}
    for message, reason in gone:
        if message.address is not None:  # only subscriber channels have one
            by_sub.setdefault(message.target, []).append((message, reason))
    if not by_sub:
        return []
    q = select(subs.c.id, subs.c.state, subs.c.channels, subs.c.removed_channels).where(subs.c.id.in_(list(by_sub)))
    expired = []
    for row in conn.execute(q).all():
        channels, removed = list(row.channels), list(row.removed_channels or [])
        for message, reason in by_sub[row.id]:
            entry = next((c for c in channels
                          if c["channel"] == message.channel and c["address"] == message.address), None)
            if entry is None:  # already removed after an earlier attempt
                continue
            channels.remove(entry)
            removed.append({"channel": message.channel, "reason": reason, "removed_at": now.isoformat(),
                            "alert": message.identifier})
        if len(channels) == len(row.channels):
            continue
        values: dict[str, Any] = {"channels": channels, "removed_channels": removed}
        if not channels and row.state in ("pending", "active"):  # nothing to send to: the location goes too
            values.update(state="expired", expired_at=now, lat=None, lon=None, cell=None, districts=[])
            expired.append(row.id)
        conn.execute(update(subs).where(subs.c.id == row.id).values(**values))
    return expired
