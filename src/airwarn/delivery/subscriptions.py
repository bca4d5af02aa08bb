"""Subscribe, read, unsubscribe: every string checked, addresses validated (URLs against the outbound policy),
stored with a grid-cell index; channels wait for proof (delivery/proofs.py) before anything is sent to them.
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
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from airwarn.delivery.channels.base import Message
from airwarn.delivery.channels.webhook import subscriber_secret
from airwarn.delivery.outbound import OutboundPolicy
from airwarn.delivery.proofs import Code, Handshake, code_hash, new_code, public_pending
from airwarn.domain.alerts import Severity
from airwarn.domain.reports import RegimeKind
from airwarn.domain.targeting import grid_cell
from airwarn.domain.territory import fold
from airwarn.errors import Conflict, InvalidInput, NotFound
from airwarn.service_layer.deps import Deps, new_id
from airwarn.store.delivery_tables import subscriptions as subs

LANGUAGES = ("en", "ru", "uk")
THREAT_KINDS = (*(k.value for k in RegimeKind), "airport")  # every regime kind (air-raid alerts per threat)
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
    accept_tests: bool = False


@dataclass(frozen=True)
class Created:
    """A new subscription: what its owner is shown once (`view`: id, token, webhook secrets), and the
    proofs to start — an SMS code per phone, a challenge per webhook — which the caller sends."""

    view: dict[str, Any]
    codes: list[Code] = field(default_factory=list)
    handshakes: list[Handshake] = field(default_factory=list)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_text(value: Any, where: str) -> None:
    """Every string stored must be valid Unicode text: no lone surrogates (JSON lets "\\ud800" in), no NUL
    or other control characters. Walks lists and dicts; InvalidInput names the field."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput("text contains an invalid character (a lone surrogate)", field=where) from None
        if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in value):
            raise InvalidInput("text contains a control character", field=where)
    elif isinstance(value, dict):
        for k, v in value.items():
            check_text(k, where)
            check_text(v, f"{where}.{k}")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            check_text(v, f"{where}[{i}]")


def check_address(channel: str, address: Any, where: str, policy: OutboundPolicy | None = None) -> Any:
    """Validate one channel address; returns it normalised. URLs must pass the outbound policy."""
    policy = policy or OutboundPolicy()
    check_text(address, where)
    if channel == "sms":
        if not isinstance(address, str) or not PHONE.match(address.replace(" ", "")):
            raise InvalidInput("sms address must be an E.164 phone number like +79991234567", field=where)
        return address.replace(" ", "")
    if channel == "webhook":
        return policy.check_url(address, where)
    if channel == "webpush":
        keys = address.get("keys") if isinstance(address, dict) else None
        endpoint = address.get("endpoint") if isinstance(address, dict) else None
        if (not isinstance(endpoint, str) or not isinstance(keys, dict) or not isinstance(keys.get("p256dh"), str)
                or not isinstance(keys.get("auth"), str)):
            raise InvalidInput("webpush address must be a PushSubscription {endpoint, keys: {p256dh, auth}}",
                               field=where)
        policy.check_url(endpoint, f"{where}.endpoint", push=True)
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


def subscribe(deps: Deps, draft: SubscriptionDraft, *, policy: OutboundPolicy | None = None,
              webhook_key: bytes | None = None) -> Created:
    """Store a subscription whose channels wait for proof: an SMS phone for the code sent to it, a webhook
    for its echo of a challenge (Web Push endpoints, made by the subscriber's browser at a known push
    service, need none). The token reads or cancels it; it confirms nothing. `webhook_key` (the server's
    AIRWARN_WEBHOOK_SECRET) derives each webhook's own secret, shown here once."""
    districts = _districts(deps, draft)
    check_text(draft.timezone, "timezone")
    check_text(draft.quiet_start, "quiet_start")
    check_text(draft.quiet_end, "quiet_end")
    if (draft.lat is None) != (draft.lon is None):
        raise InvalidInput("give both lat and lon, or neither", field="lat" if draft.lat is None else "lon")
    if draft.lat is None and not districts:
        raise InvalidInput("give a location (lat, lon) or at least one district", field="districts")
    if draft.language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {list(LANGUAGES)}", field="language")
    if not draft.channels:
        raise InvalidInput("give at least one channel", field="channels")
    sub_id = new_id("sub")
    now = deps.clock()
    ready: list[dict[str, Any]] = []
    waiting: list[dict[str, Any]] = []
    codes: list[Code] = []
    handshakes: list[Handshake] = []
    secrets_shown: list[dict[str, str]] = []
    for i, c in enumerate(draft.channels):
        name = str(c.get("channel"))
        check_text(name, f"channels[{i}].channel")
        address = check_address(name, c.get("address"), f"channels[{i}].address", policy)
        if any(e["channel"] == name for e in ready + waiting):
            raise InvalidInput(f"one {name} address per subscription", field=f"channels[{i}]")
        if name == "webpush":
            ready.append({"channel": name, "address": address})
        elif name == "sms":
            code = new_code()
            waiting.append({"channel": name, "address": address, "code_hash": code_hash(sub_id, code),
                            "code_sent_at": now.isoformat(), "tries": 0})
            codes.append(Code(sub_id, address, code, draft.language))
        else:
            if not webhook_key:
                raise InvalidInput("webhooks are not enabled on this server (AIRWARN_WEBHOOK_SECRET)",
                                   field=f"channels[{i}].channel")
            key = secrets.token_urlsafe(12)
            waiting.append({"channel": name, "address": address, "key": key, "last_error": None})
            handshakes.append(Handshake(sub_id, address, key))
            secrets_shown.append({"channel": name, "address": address,
                                  "secret": subscriber_secret(webhook_key, sub_id, key)})
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
    state = "active" if ready else "pending"
    with deps.uow.write() as repo:
        repo.conn.execute(insert(subs).values(
            id=sub_id, lat=draft.lat, lon=draft.lon,
            cell=grid_cell(draft.lat, draft.lon) if draft.lat is not None and draft.lon is not None else None,
            districts=districts, language=draft.language, channels=ready, pending_channels=waiting,
            threat_kinds=list(draft.threat_kinds), min_severity=severity.value, timezone=tz,
            accept_tests=bool(draft.accept_tests), state=state, token_hash=_token_hash(token), created_at=now,
            confirmed_at=now if ready else None, **quiet,
        ))
    view = {"id": sub_id, "token": token, "state": state, "districts": districts, "timezone": tz,
            "accept_tests": bool(draft.accept_tests), "channels": [c["channel"] for c in ready],
            "pending": [public_pending(c) for c in waiting]}
    if secrets_shown:
        view["webhook_secrets"] = secrets_shown
    return Created(view, codes, handshakes)


def _districts(deps: Deps, draft: SubscriptionDraft) -> list[str]:
    districts: list[str] = []
    for i, name in enumerate(draft.districts):
        check_text(name, f"districts[{i}]")
        found = deps.territory.districts.get(name)
        if found is None:
            key = fold(name)
            found = next((d for d in deps.territory.districts.values()
                          if key in {fold(n) for n in d.names()}), None)
        if found is None:
            raise InvalidInput(f"unknown district {name!r}", field=f"districts[{i}]")
        districts.append(found.code)
    return districts


def _zone_for(deps: Deps, lat: float | None, lon: float | None, districts: list[str]) -> str:
    region = None
    if lat is not None and lon is not None:
        district = deps.territory.locate(lat, lon)
        region = (deps.territory.regions.get(district.region) if district
                  else deps.territory.locate_region(lat, lon))
    elif districts:
        region = deps.territory.regions.get(deps.territory.districts[districts[0]].region)
    return region.timezone if region else "UTC"


def owned(conn: Connection, sub_id: str, token: str) -> dict[str, Any]:
    """The subscription row if `token` is its token (NotFound / InvalidInput naming the field otherwise)."""
    check_text(sub_id, "id")
    check_text(token, "token")
    row = conn.execute(select(subs).where(subs.c.id == sub_id)).mappings().first()
    if row is None:
        raise NotFound(f"no subscription {sub_id!r}", field="id")
    if not secrets.compare_digest(row["token_hash"], _token_hash(token)):
        raise InvalidInput("wrong token for this subscription", field="token")
    return dict(row)


def unsubscribe(deps: Deps, sub_id: str, token: str) -> dict[str, Any]:
    """Stop deliveries and erase the addresses and location; deliveries still queued then fail unsent."""
    now = deps.clock()
    with deps.uow.write() as repo:
        row = owned(repo.conn, sub_id, token)
        if row["state"] == "unsubscribed":
            raise Conflict("this subscription was cancelled", field="id")
        # where someone lives and how to reach them is kept no longer than needed
        repo.conn.execute(update(subs).where(subs.c.id == sub_id).values(
            state="unsubscribed", unsubscribed_at=now, channels=[], pending_channels=[], lat=None, lon=None,
            cell=None, districts=[]))
    return {"id": sub_id, "state": "unsubscribed"}


def subscription(deps: Deps, sub_id: str, token: str) -> dict[str, Any]:
    """The subscriber's own view (token-checked: it holds phone numbers and push endpoints), with the
    channels still waiting for proof, and those removed because their receiver said they are gone."""
    with deps.uow.read() as repo:
        row = owned(repo.conn, sub_id, token)
    view = {k: v for k, v in row.items() if k not in ("token_hash", "cell", "pending_channels")}
    view["pending"] = [public_pending(c) for c in row["pending_channels"] or []]
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
    q = select(subs.c.id, subs.c.state, subs.c.channels, subs.c.removed_channels, subs.c.pending_channels
               ).where(subs.c.id.in_(list(by_sub)))
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
        # nothing to send to, nor waiting for proof: the location goes too
        if not channels and not row.pending_channels and row.state in ("pending", "active"):
            values.update(state="expired", expired_at=now, lat=None, lon=None, cell=None, districts=[])
            expired.append(row.id)
        conn.execute(update(subs).where(subs.c.id == row.id).values(**values))
    return expired
