"""Claiming due outbox rows for a dispatcher: one transaction takes up to `limit` of them, leases them and
turns them into messages; a row at the attempt limit, or one that cannot be read or made a message, is set
aside as `dead` there, so neither is sent again nor blocks the rows claimed with it."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from airwarn.delivery.channels.base import Message
from airwarn.delivery.deadletter import dead_in
from airwarn.domain.alert_payload import live_payload
from airwarn.domain.targeting import SUBSCRIBER_CHANNELS
from airwarn.store import tables as t
from airwarn.store.among import among
from airwarn.store.codec import alert_from_dict
from airwarn.store.delivery_tables import subscriptions

if TYPE_CHECKING:
    from airwarn.delivery.dispatcher import RetryPolicy

#: Alerts whose CAP document and live payload a claimer keeps, the most recently used (a fan-out's rows come
#: alert by alert); the process used to keep every alert it ever sent for its whole life.
ALERTS_KEPT = 256


class Claimer:
    """A dispatcher's claims: due rows of the channels it has (`channels`, read at each claim)."""

    def __init__(self, engine: Engine, channels: Mapping[str, object], policy: RetryPolicy,
                 clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.channels = channels
        self.policy = policy
        self.clock = clock
        self._postgres = engine.dialect.name == "postgresql"
        self._alerts: OrderedDict[str, tuple[str, dict[str, Any]]] = OrderedDict()  # CAP XML and payload by id

    def claim(self, limit: int) -> list[Message]:
        """Take up to `limit` due rows of known channels and lease them (one transaction); a row at the attempt
        limit (its outcomes could not be recorded) or that cannot be read or made a message goes dead."""
        now = self.clock()
        due = and_(t.outbox.c.state == "pending", t.outbox.c.next_attempt_at <= now,
                   t.outbox.c.channel.in_(list(self.channels)))
        if not self._any_due(due):
            return []
        # by due time only: the due index's order (ties in insertion order). With `, id` PostgreSQL sorted every
        # due row for each claim: an expanded alert's rows all share its issue time
        q = (select(t.outbox.c.id, t.outbox.c.attempts, t.outbox.c.channel).where(due)
             .order_by(t.outbox.c.next_attempt_at).limit(limit))
        if self._postgres:
            q = q.with_for_update(skip_locked=True)
        with self.engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE makes this the single writer
            found = conn.execute(q).all()
            if not found:
                return []
            channel_of = {r.id: r.channel for r in found}
            spent = [r.id for r in found if r.attempts >= self.policy.max_attempts]
            if spent:
                dead_in(conn, [(i, channel_of[i]) for i in spent],
                        f"attempt limit ({self.policy.max_attempts}) reached without a recorded outcome", now)
            rows, unreadable = self._read_rows(conn, [r.id for r in found if r.attempts < self.policy.max_attempts])
            if unreadable:
                dead_in(conn, [(i, channel_of[i]) for i in unreadable],
                        "the outbox row cannot be read (invalid text)", now)
            if not rows:
                return []
            lease_until = now + timedelta(seconds=self.policy.lease_s)
            conn.execute(update(t.outbox).where(among(t.outbox.c.id, [r["id"] for r in rows], postgres=self._postgres))
                         .values(attempts=t.outbox.c.attempts + 1, next_attempt_at=lease_until))
            messages, broken = self._messages(conn, rows)
            for (row_id, channel), reason in broken.items():
                dead_in(conn, [(row_id, channel)], reason, now)
            return messages

    def _any_due(self, due: Any) -> bool:
        """A plain read (SQLite: BEGIN, not BEGIN IMMEDIATE), so a wake-up that finds nothing due takes no
        write lock."""
        with self.engine.connect() as conn:
            conn.info["airwarn_read"] = True
            try:
                return conn.execute(select(t.outbox.c.id).where(due).limit(1)).first() is not None
            finally:
                conn.info["airwarn_read"] = False

    def _read_rows(self, conn: Connection, ids: list[int]) -> tuple[list[dict[str, Any]], list[int]]:
        """The rows by id; if the batch cannot be read, one by one, returning the ids that cannot."""
        if not ids:
            return [], []
        try:
            with conn.begin_nested():
                return [dict(r) for r in conn.execute(select(t.outbox).where(among(t.outbox.c.id, ids,
                                                                                   postgres=self._postgres))
                                                      .order_by(t.outbox.c.id)).mappings()], []
        except (DBAPIError, UnicodeError, ValueError):
            if len(ids) == 1:
                return [], ids
        rows, bad = [], []
        for one in ids:
            got, lost = self._read_rows(conn, [one])
            rows += got
            bad += lost
        return rows, bad

    def _alert(self, conn: Connection, alert_id: str) -> tuple[str, dict[str, Any]] | None:
        kept = self._alerts.get(alert_id)
        if kept is None:
            found = conn.execute(select(t.alerts.c.body, t.alerts.c.xml)
                                 .where(t.alerts.c.identifier == alert_id)).first()
            if found is None:
                return None
            kept = self._alerts[alert_id] = (found.xml or "", live_payload(alert_from_dict(found.body)))
            while len(self._alerts) > ALERTS_KEPT:
                self._alerts.popitem(last=False)
        self._alerts.move_to_end(alert_id)
        return kept

    def _messages(self, conn: Connection, rows: list[dict[str, Any]]
                  ) -> tuple[list[Message], dict[tuple[int, str], str]]:
        """Messages for the rows, and the rows that cannot become one with the reason why."""
        sub_ids = [r["target"] for r in rows if r["channel"] in SUBSCRIBER_CHANNELS]
        subs = {s.id: s for s in conn.execute(
            select(subscriptions.c.id, subscriptions.c.channels, subscriptions.c.language)
            .where(among(subscriptions.c.id, sub_ids, postgres=self._postgres)))} if sub_ids else {}
        out, broken = [], {}
        for r in rows:
            try:
                xml, alert = self._alert(conn, r["alert_id"]) or ("", {})
                sub = subs.get(r["target"])
                entry = next((c for c in sub.channels if c["channel"] == r["channel"]), None) if sub else None
                out.append(Message(outbox_id=r["id"], identifier=r["alert_id"], channel=r["channel"],
                                   target=r["target"], attempt=r["attempts"] + 1, xml=xml, alert=alert,
                                   language=sub.language if sub else "en",
                                   address=entry["address"] if entry else None,
                                   key=str(entry.get("key", "")) if entry else ""))
            except Exception as exc:  # a poison row: set aside, the others go on
                broken[(r["id"], str(r["channel"]))] = f"cannot prepare this delivery: {type(exc).__name__}: {exc}"
        return out, broken
