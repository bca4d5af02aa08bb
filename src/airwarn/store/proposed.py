"""Proposed state: regimes and measures that wait for a held alert, and lifts that wait for one (issue 10).

A mixin of the repository, kept apart so the repository stays one screenful per concept."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from airwarn.domain.alerts import Alert, AlertState
from airwarn.store import tables as t
from airwarn.store.codec import alert_from_dict


class ProposedState:
    """Reads and writes of the `pending_alert` / `lift_pending` marks, inside the caller's transaction."""

    conn: Connection

    def set_pending(self, table: str, ids: Sequence[str], *, lift_pending: str | None) -> None:
        """Mark regimes or measures as lifted/ended once alert `lift_pending` is approved (None: unmark)."""
        if ids:
            tab = t.metadata.tables[table]
            self.conn.execute(update(tab).where(tab.c.id.in_(list(ids))).values(lift_pending=lift_pending))

    def proposed_by(self, table: str, alert_ids: Sequence[str], *, lifting: bool = False) -> list[str]:
        """Ids of active regimes or measures proposed by (or, `lifting`, to be ended by) these alerts."""
        tab = t.metadata.tables[table]
        column = tab.c.lift_pending if lifting else tab.c.pending_alert
        ended = tab.c.lifted_at if table == "regimes" else tab.c.ended_at
        q = select(tab.c.id).where(column.in_(list(alert_ids)), ended.is_(None))
        return [r.id for r in self.conn.execute(q)] if alert_ids else []

    def put_in_force(self, table: str, ids: Sequence[str]) -> None:
        """Proposed regimes or measures become in force (their alert was approved)."""
        if ids:
            tab = t.metadata.tables[table]
            self.conn.execute(update(tab).where(tab.c.id.in_(list(ids))).values(pending_alert=None))

    def pending_alerts_of_report(self, report_id: str) -> list[Alert]:
        """Alerts of one decision that still wait for a second person (approved or rejected together)."""
        q = select(t.alerts.c.body).where(t.alerts.c.report_id == report_id,
                                          t.alerts.c.state == AlertState.PENDING_APPROVAL.value)
        return [alert_from_dict(r.body) for r in self.conn.execute(q.order_by(t.alerts.c.sent))]

    def end_measure_id(self, measure_id: str, *, at: datetime, by: str) -> None:
        self.conn.execute(update(t.measures).where(t.measures.c.id == measure_id).values(ended_at=at, ended_by=by))



#: Columns of regimes and measures the public never sees: who declared, lifted, started or ended them and
#: the report behind them (the console and the audit keep them).
PRIVATE_COLUMNS = ("declared_by", "lifted_by", "actor", "ended_by", "report_id", "reason", "lift_reason",
                   "lift_pending")


def public_row(row: dict[str, Any]) -> dict[str, Any]:
    for name in PRIVATE_COLUMNS:
        row.pop(name, None)
    return row


def with_state(row: dict[str, Any], ended: str) -> dict[str, Any]:
    """The agreed `state` field: ended, proposed (with its `pending_alert`) or in_force."""
    if row[ended] is not None:
        row["state"] = "ended"
    elif row["pending_alert"] is not None:
        row["state"] = "proposed"
    else:
        row["state"] = "in_force"
    if row["pending_alert"] is None or row["state"] == "ended":
        row.pop("pending_alert")
    return row
