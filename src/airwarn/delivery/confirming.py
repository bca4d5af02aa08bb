"""A waiting channel becomes a delivery channel only with its proof: the SMS code typed back (4–8 digits,
a few tries, a short life) or the webhook's echo of a challenge. The first proven channel makes the
subscription active; nothing is ever sent to a channel still waiting."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from airwarn.delivery.deadletter import safe_text
from airwarn.delivery.proofs import CODE_TRIES, CODE_TTL_S, Code, Handshake, code_hash, new_code, public_pending
from airwarn.delivery.subscriptions import owned
from airwarn.errors import Conflict, InvalidInput
from airwarn.service_layer.deps import Deps
from airwarn.store.delivery_tables import subscriptions as subs

CODE = re.compile(r"^[0-9]{4,8}$")


def summary(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "state": row["state"], "channels": [c["channel"] for c in row["channels"]],
            "pending": [public_pending(c) for c in row["pending_channels"] or []]}


def confirm_state(deps: Deps, sub_id: str, token: str) -> dict[str, Any]:
    """The subscription's state, proven channels and waiting ones (token-checked)."""
    with deps.uow.read() as repo:
        return summary(owned(repo.conn, sub_id, token))


def _live(row: dict[str, Any]) -> None:
    if row["state"] == "unsubscribed":
        raise Conflict("this subscription was cancelled", field="id")
    if row["state"] == "expired":
        raise Conflict("this subscription expired: none of its channels exists any more; subscribe again",
                       field="id")


def _promote(row: dict[str, Any], entry: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The row's new values once `entry` is proven: it moves from pending to the channels."""
    channel = {"channel": entry["channel"], "address": entry["address"]}
    if "key" in entry:
        channel["key"] = entry["key"]
    values: dict[str, Any] = {"channels": [*row["channels"], channel],
                              "pending_channels": [c for c in row["pending_channels"] or [] if c != entry]}
    if row["state"] == "pending":
        values |= {"state": "active", "confirmed_at": now}
    return values


def confirm(deps: Deps, sub_id: str, token: str, code: str | None = None) -> dict[str, Any]:
    """Check the SMS code (if given). Without one, answer the current state, unless a phone still waits
    and nothing is proven yet: then the code is what is missing (422 on `code`)."""
    now = deps.clock()
    wrong: str | None = None
    with deps.uow.write() as repo:
        row = owned(repo.conn, sub_id, token)
        _live(row)
        phone = next((c for c in row["pending_channels"] or [] if c["channel"] == "sms"), None)
        if code is None:
            if phone is not None and not row["channels"]:
                raise InvalidInput("enter the code sent to your phone by SMS", field="code")
            return summary(row)
        if not CODE.match(code):
            raise InvalidInput("the code is 4 to 8 digits", field="code")
        if phone is None:
            raise Conflict("no phone of this subscription waits for a code", field="code")
        sent = datetime.fromisoformat(phone["code_sent_at"])
        if phone["tries"] >= CODE_TRIES:
            raise InvalidInput("too many wrong codes: ask for a new one", field="code")
        if now - sent > timedelta(seconds=CODE_TTL_S):
            raise InvalidInput("the code expired: ask for a new one", field="code")
        if secrets.compare_digest(phone["code_hash"], code_hash(sub_id, code)):
            values = _promote(row, phone, now)
        else:
            tried = {**phone, "tries": phone["tries"] + 1}
            values = {"pending_channels": [tried if c == phone else c for c in row["pending_channels"]]}
            wrong = f"wrong code ({CODE_TRIES - tried['tries']} tries left)"
        repo.conn.execute(update(subs).where(subs.c.id == sub_id).values(**values))
    if wrong is not None:  # the count of tries is committed first
        raise InvalidInput(wrong, field="code")
    return summary({**row, **values})


def reissue_code(deps: Deps, sub_id: str, token: str) -> Code:
    """A new code for the waiting phone (the old one stops working); the caller sends it."""
    now = deps.clock()
    with deps.uow.write() as repo:
        row = owned(repo.conn, sub_id, token)
        _live(row)
        phone = next((c for c in row["pending_channels"] or [] if c["channel"] == "sms"), None)
        if phone is None:
            raise Conflict("no phone of this subscription waits for a code", field="id")
        code = new_code()
        fresh = {**phone, "code_hash": code_hash(sub_id, code), "code_sent_at": now.isoformat(), "tries": 0}
        repo.conn.execute(update(subs).where(subs.c.id == sub_id).values(
            pending_channels=[fresh if c == phone else c for c in row["pending_channels"]]))
    return Code(sub_id, phone["address"], code, row["language"])


def waiting_webhooks(deps: Deps, sub_id: str, token: str) -> list[Handshake]:
    """The subscription's webhooks that still wait for their handshake (token-checked)."""
    with deps.uow.read() as repo:
        row = owned(repo.conn, sub_id, token)
    _live(row)
    return [Handshake(sub_id, c["address"], c["key"]) for c in row["pending_channels"] or []
            if c["channel"] == "webhook"]


def handshake_done(deps: Deps, hs: Handshake, error: str | None) -> None:
    """Record a handshake's result: proven, the webhook becomes a channel; else its error is kept."""
    now = deps.clock()
    with deps.uow.write() as repo:
        found = repo.conn.execute(subs.select().where(subs.c.id == hs.sub_id)).mappings().first()
        if found is None or found["state"] in ("unsubscribed", "expired"):
            return
        row = dict(found)
        entry = next((c for c in row["pending_channels"] or []
                      if c["channel"] == "webhook" and c["address"] == hs.url and c.get("key") == hs.key), None)
        if entry is None:
            return
        if error is None:
            values = _promote(row, entry, now)
        else:
            noted = {**entry, "last_error": safe_text(error, 500)}
            values = {"pending_channels": [noted if c == entry else c for c in row["pending_channels"]]}
        repo.conn.execute(update(subs).where(subs.c.id == hs.sub_id).values(**values))
