"""Reads and writes of domain objects on one connection inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, String, and_, bindparam, cast, func, insert, select, update

from airwarn.domain.alerts import Alert, AlertState
from airwarn.domain.audit import AuditKey, AuditRecord
from airwarn.domain.regimes import Measure, MeasureKind, Picture, Regime
from airwarn.domain.reports import (
    Report,
    Status,
)
from airwarn.store import tables as t
from airwarn.store.account_rows import AccountRows
from airwarn.store.audit_store import AuditWriter, read_records
from airwarn.store.codec import alert_from_dict, alert_to_dict
from airwarn.store.outbox_rows import OutboxRows
from airwarn.store.rows import measure_from_row, plain, regime_from_row, report_dict, report_from_row


class Repository(OutboxRows, AccountRows):
    """The store's vocabulary in domain terms; it never commits (the unit of work does)."""

    def __init__(self, conn: Connection, audit_key: AuditKey | None = None) -> None:
        self.conn = conn
        #: This transaction's audit records and touched covered rows, sealed by the unit of work.
        self.audit_writer = AuditWriter(conn, audit_key)
        #: Run by the unit of work once the transaction has committed (never if it rolls back).
        self.after_commit: list[Callable[[], None]] = []
        #: Alerts read in this transaction by `alert_body` (dropped when this repository writes them).
        self._alert_bodies: dict[str, Alert] = {}
        #: Regime id → the alert announcing it, as read with the picture or written here (`regime_alert_id`).
        self._regime_alerts: dict[str, str | None] = {}

    # --- reports -----------------------------------------------------------------------------
    def add_report(
        self, report: Report, *, review: str, outcome: dict[str, Any], incident_id: str | None = None
    ) -> None:
        self.conn.execute(
            insert(t.reports), dict(
                id=report.id, status=report.status.value, kind=report.kind.value, region=report.region,
                districts=list(report.districts),
                lat=report.point[0] if report.point else None,
                lon=report.point[1] if report.point else None,
                count_value=report.count.value if report.count else None,
                count_qualifier=report.count.qualifier.value if report.count else None,
                time=report.time, received_at=report.received_at,
                source_type=report.source.type.value, source_name=report.source.name,
                certainty=report.certainty.value, casualties=report.casualties, damage=report.damage,
                regime=report.regime.value if report.regime else None, plan=report.plan,
                airport=report.airport, text=report.text, reported_by=report.reported_by,
                review=review, outcome=outcome, incident_id=incident_id,
            )
        )

    def set_review(
        self, report_id: str, *, review: str, by: str, at: datetime, outcome: dict[str, Any] | None = None
    ) -> None:
        values: dict[str, Any] = {"review": review, "reviewed_by": by, "reviewed_at": at}
        if outcome is not None:
            values["outcome"] = outcome
        self.conn.execute(update(t.reports).where(t.reports.c.id == report_id).values(**values))

    def report_row(self, report_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.reports).where(t.reports.c.id == report_id)).mappings().first()
        return report_dict(row) if row else None

    def report(self, report_id: str) -> Report | None:
        row = self.conn.execute(select(t.reports).where(t.reports.c.id == report_id)).mappings().first()
        return report_from_row(row) if row else None

    def reports(
        self, *, review: str | None = None, status: Status | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        q = select(t.reports).order_by(t.reports.c.received_at.desc(), t.reports.c.id.desc()).limit(limit)
        if review is not None:
            q = q.where(t.reports.c.review == review)
        if status is not None:
            q = q.where(t.reports.c.status == status.value)
        return [report_dict(r) for r in self.conn.execute(q).mappings()]

    # --- incidents -----------------------------------------------------------------------------
    def open_incident_members(
        self, status: Status, region: str, since: datetime, *, newest: int = 25
    ) -> list[tuple[str, Report, str]]:
        """(incident id, report, review) of the region's reports timed at or after `since` (the open incidents).

        Only the `newest` members of the region are read, so a burst of a thousand reports about one attack
        costs the same per report as the first few; an incident that large is long past corroboration, and
        its placement depends on its latest reports."""
        found = self.conn.execute(_OPEN_MEMBERS, {"status": status.value, "region": region, "since": since,
                                                  "newest": newest}).mappings()
        return [(r["incident_id"], report_from_row(r), r["review"]) for r in found]

    def incident_ids(self, *, status: Status | None = None, limit: int = 100) -> list[str]:
        """Incident ids, the one with the latest report first."""
        last = func.max(t.reports.c.time)
        q = (
            select(t.reports.c.incident_id, last.label("last"))
            .where(t.reports.c.incident_id.is_not(None))
            .group_by(t.reports.c.incident_id)
            .order_by(last.desc(), t.reports.c.incident_id.desc())
            .limit(limit)
        )
        if status is not None:
            q = q.where(t.reports.c.status == status.value)
        return [r.incident_id for r in self.conn.execute(q)]

    def incident_members(self, incident_ids: Sequence[str]) -> list[tuple[str, Report, str]]:
        """(incident id, report, review) of every report of these incidents."""
        if not incident_ids:
            return []
        q = select(t.reports).where(t.reports.c.incident_id.in_(list(incident_ids)))
        return [(r["incident_id"], report_from_row(r), r["review"]) for r in self.conn.execute(q).mappings()]

    def alert_ids_by_report(self, report_ids: Sequence[str]) -> dict[str, list[str]]:
        """Alerts issued on these reports (regime alerts, airport notices), oldest first."""
        if not report_ids:
            return {}
        q = (
            select(t.alerts.c.report_id, t.alerts.c.identifier)
            .where(t.alerts.c.report_id.in_(list(report_ids)))
            .order_by(t.alerts.c.sent, t.alerts.c.identifier)
        )
        out: dict[str, list[str]] = {}
        for row in self.conn.execute(q):
            out.setdefault(row.report_id, []).append(row.identifier)
        return out

    # --- regimes and measures -----------------------------------------------------------------
    def picture(self, status: Status) -> Picture:
        rows = self.conn.execute(_ACTIVE_REGIMES, {"status": status.value}).mappings().all()
        self._regime_alerts.update((r["id"], r["alert_id"]) for r in rows)
        regimes = [regime_from_row(r) for r in rows]
        measures = [
            measure_from_row(r) for r in self.conn.execute(_ACTIVE_MEASURES, {"status": status.value}).mappings()
        ]
        return Picture(status=status, regimes=regimes, measures=measures)

    def add_regime(self, regime: Regime, *, alert_id: str | None = None) -> None:
        """A new regime; `alert_id` names the alert that announces it, when that is known already."""
        self.conn.execute(
            insert(t.regimes), dict(
                id=regime.id, status=regime.status.value, kind=regime.kind.value, region=regime.region,
                district=regime.district, declared_at=regime.declared_at, declared_by=regime.declared_by,
                reason=regime.reason, report_id=regime.report_id, pending_alert=regime.pending_alert,
                level=regime.level.value, alert_id=alert_id,
            )
        )
        self._regime_alerts[regime.id] = alert_id

    def lift_regime(self, regime: Regime) -> None:
        self.conn.execute(
            update(t.regimes).where(t.regimes.c.id == regime.id).values(
                lifted_at=regime.lifted_at, lifted_by=regime.lifted_by, lift_reason=regime.lift_reason
            )
        )

    def set_regime_level(self, regime: Regime) -> None:
        self.conn.execute(update(t.regimes).where(t.regimes.c.id == regime.id).values(level=regime.level.value))
        self.touch("regimes", regime.id)

    def link_regimes(self, regime_ids: Sequence[str], alert_id: str) -> None:
        if regime_ids:
            self.conn.execute(
                update(t.regimes).where(t.regimes.c.id.in_(list(regime_ids))).values(alert_id=alert_id)
            )
            self._regime_alerts.update((r, alert_id) for r in regime_ids)

    def regime(self, regime_id: str) -> tuple[Regime, str | None] | None:
        row = self.conn.execute(select(t.regimes).where(t.regimes.c.id == regime_id)).mappings().first()
        return (regime_from_row(row), row["alert_id"]) if row else None

    def regime_alert_id(self, regime_id: str) -> str | None:
        """The alert that announces a regime (None: no such regime, or none yet); known without a query for
        the regimes of a picture read in this transaction."""
        if regime_id in self._regime_alerts:
            return self._regime_alerts[regime_id]
        found = self.conn.execute(_REGIME_ALERT, {"id": regime_id}).scalar()
        self._regime_alerts[regime_id] = found
        return found

    def regimes(self, *, active: bool | None = None, status: Status | None = None,
                public: bool = False) -> list[dict[str, Any]]:
        """Regimes with their `state` (proposed | in_force | ended); `public` leaves proposed ones out."""
        q = select(t.regimes).order_by(t.regimes.c.declared_at)
        if active is True:
            q = q.where(t.regimes.c.lifted_at.is_(None))
        elif active is False:
            q = q.where(t.regimes.c.lifted_at.is_not(None))
        if status is not None:
            q = q.where(t.regimes.c.status == status.value)
        rows = [plain(r) for r in self.conn.execute(q).mappings()]
        if public:  # never proposed ones, nor ones that were proposed and then rejected or withdrawn
            return [_public(_with_state(r, "lifted_at")) for r in rows if r["pending_alert"] is None]
        return [_with_state(r, "lifted_at") for r in rows]

    def set_pending(self, table: str, ids: Sequence[str], *, lift_pending: str | None) -> None:
        """Mark regimes or measures as lifted/ended once alert `lift_pending` is approved (None: unmark)."""
        if ids:
            tab = t.metadata.tables[table]
            self.conn.execute(update(tab).where(tab.c.id.in_(list(ids))).values(lift_pending=lift_pending))
            self.touch(table, *ids)

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
            self.touch(table, *ids)

    def pending_alerts_of_report(self, report_id: str) -> list[Alert]:
        """Alerts of one decision that still wait for a second person (approved or rejected together)."""
        q = select(t.alerts.c.body).where(t.alerts.c.report_id == report_id,
                                          t.alerts.c.state == AlertState.PENDING_APPROVAL.value)
        return [alert_from_dict(r.body) for r in self.conn.execute(q.order_by(t.alerts.c.sent))]

    def add_measure(self, measure: Measure) -> None:
        self.conn.execute(
            insert(t.measures), dict(
                id=measure.id, status=measure.status.value, kind=measure.kind.value, region=measure.region,
                target=measure.target, started_at=measure.started_at, actor=measure.actor,
                reason=measure.reason, report_id=measure.report_id, pending_alert=measure.pending_alert,
                plan=measure.plan, regime_ids=list(measure.regime_ids), keep=measure.keep,
            )
        )

    def end_measure(self, measure: Measure) -> None:
        self.conn.execute(
            update(t.measures).where(t.measures.c.id == measure.id).values(
                ended_at=measure.ended_at, ended_by=measure.ended_by, end_reason=measure.end_reason
            )
        )

    def set_measure_keep(self, measure: Measure) -> None:
        self.conn.execute(update(t.measures).where(t.measures.c.id == measure.id).values(keep=measure.keep))
        self.touch("measures", measure.id)

    def measure(self, measure_id: str) -> Measure | None:
        row = self.conn.execute(select(t.measures).where(t.measures.c.id == measure_id)).mappings().first()
        return measure_from_row(row) if row else None

    def end_measure_id(self, measure_id: str, *, at: datetime, by: str) -> None:
        self.conn.execute(update(t.measures).where(t.measures.c.id == measure_id).values(ended_at=at, ended_by=by))
        self.touch("measures", measure_id)

    def measures(self, *, active: bool | None = None, status: Status | None = None,
                 public: bool = False) -> list[dict[str, Any]]:
        """Measures with their `state` (proposed | in_force | ended); `public` leaves proposed ones out."""
        q = select(t.measures).order_by(t.measures.c.started_at)
        if active is True:
            q = q.where(t.measures.c.ended_at.is_(None))
        elif active is False:
            q = q.where(t.measures.c.ended_at.is_not(None))
        if status is not None:
            q = q.where(t.measures.c.status == status.value)
        rows = [plain(r) for r in self.conn.execute(q).mappings()]
        if public:  # never proposed ones, nor ones that were proposed and then rejected or withdrawn
            return [_public(_with_state(r, "ended_at")) for r in rows if r["pending_alert"] is None]
        return [_with_state(r, "ended_at") for r in rows]

    def airport_history(self, icao: str) -> list[dict[str, Any]]:
        q = (
            select(t.measures)
            .where(and_(t.measures.c.kind == MeasureKind.AIRPORT_SUSPENDED.value, t.measures.c.target == icao))
            .order_by(t.measures.c.started_at)
        )
        return [_with_state(plain(r), "ended_at") for r in self.conn.execute(q).mappings()]

    # --- alerts and outbox ---------------------------------------------------------------------
    def add_alert(self, alert: Alert, xml: str | None, issued_at: datetime | None) -> None:
        self._alert_bodies.pop(alert.identifier, None)
        self.conn.execute(
            insert(t.alerts), dict(
                identifier=alert.identifier, sender=alert.sender, sent=alert.sent, status=alert.status.value,
                msg_type=alert.msg_type.value, state=alert.state.value, severity=alert.severity.value,
                region=alert.region, districts=list(alert.districts), headline=alert.headline,
                references=[r.identifier for r in alert.references], regime_ids=list(alert.regime_ids),
                report_id=alert.report_id, created_by=alert.created_by, approved_by=alert.approved_by,
                issued_at=issued_at, body=alert_to_dict(alert), xml=xml,
            )
        )

    def replace_alert(self, alert: Alert, xml: str | None, issued_at: datetime | None) -> None:
        """Rewrite a not-yet-issued alert (approval fixes its final `sent` and signature)."""
        self._alert_bodies.pop(alert.identifier, None)
        self.conn.execute(
            update(t.alerts).where(t.alerts.c.identifier == alert.identifier).values(
                sent=alert.sent, state=alert.state.value, approved_by=alert.approved_by,
                issued_at=issued_at, body=alert_to_dict(alert), xml=xml,
            )
        )

    def alert(self, identifier: str) -> tuple[Alert, str | None] | None:
        row = self.conn.execute(
            select(t.alerts.c.body, t.alerts.c.xml).where(t.alerts.c.identifier == identifier)
        ).first()
        return (alert_from_dict(row.body), row.xml) if row else None

    def alert_body(self, identifier: str) -> Alert | None:
        """An alert without its CAP document; read once per transaction (alerts are immutable values and
        this repository forgets one it rewrites)."""
        found = self._alert_bodies.get(identifier)
        if found is None:
            body = self.conn.execute(_ALERT_BODY, {"identifier": identifier}).scalar()
            if body is None:
                return None
            found = self._alert_bodies[identifier] = alert_from_dict(body)
        return found

    def alerts(
        self, *, status: Status | None = None, state: AlertState | None = None, limit: int = 100,
        since: datetime | None = None,
    ) -> list[tuple[Alert, str | None]]:
        q = select(t.alerts.c.body, t.alerts.c.xml).order_by(
            t.alerts.c.sent.desc(), t.alerts.c.identifier.desc()
        ).limit(limit)
        if status is not None:
            q = q.where(t.alerts.c.status == status.value)
        if state is not None:
            q = q.where(t.alerts.c.state == state.value)
        if since is not None:
            q = q.where(t.alerts.c.sent >= since)
        return [(alert_from_dict(r.body), r.xml) for r in self.conn.execute(q)]

    def referencing(self, identifier: str) -> list[Alert]:
        """Alerts whose CAP references name `identifier` (its update, all-clear or cancel)."""
        escaped = identifier.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f'%"{escaped}"%'
        q = select(t.alerts.c.body).where(cast(t.alerts.c.references, String).like(pattern, escape="\\"))
        found = [alert_from_dict(r.body) for r in self.conn.execute(q)]
        return [a for a in found if any(r.identifier == identifier for r in a.references)]

    # --- audit --------------------------------------------------------------------------------
    def append_audit(
        self, *, at: datetime, actor: str, action: str, entity: str, entity_id: str, data: dict[str, Any]
    ) -> None:
        """Add an audit record to this transaction; it is linked into the chain just before commit."""
        self.audit_writer.append(at=at, actor=actor, action=action, entity=entity, entity_id=entity_id,
                                 data=data)

    def touch(self, table: str, *keys: Any) -> None:
        """Tell the audit that rows of a covered table (alerts, regimes, measures, approvals) changed here.
        Core INSERT/UPDATE/DELETE statements mark their rows themselves; only text SQL needs this."""
        self.audit_writer.touch(table, *keys)

    def audit(self, *, after_seq: int = 0, limit: int | None = None) -> Iterator[AuditRecord]:
        return read_records(self.conn, after_seq=after_seq, limit=limit)

    def count(self, table: str) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t.metadata.tables[table])).scalar_one())


#: Columns of regimes and measures the public never sees: who declared, lifted, started or ended them and
#: the report behind them (the console and the audit keep them).
PRIVATE_COLUMNS = ("declared_by", "lifted_by", "actor", "ended_by", "report_id", "reason", "lift_reason",
                   "lift_pending")


def _public(row: dict[str, Any]) -> dict[str, Any]:
    for name in PRIVATE_COLUMNS:
        row.pop(name, None)
    return row


def _with_state(row: dict[str, Any], ended: str) -> dict[str, Any]:
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


# Hot-path statements, built once: each report reads the live picture and extends the audit chain.
_ACTIVE_REGIMES = select(t.regimes).where(
    and_(t.regimes.c.status == bindparam("status"), t.regimes.c.lifted_at.is_(None))
)
_ACTIVE_MEASURES = select(t.measures).where(
    and_(t.measures.c.status == bindparam("status"), t.measures.c.ended_at.is_(None))
)
#: The region's newest reports of open incidents, without the columns an incident never looks at (the
#: decision's outcome is the largest of them).
_OPEN_MEMBERS = (
    select(*[c for c in t.reports.c if c.name not in ("outcome", "reviewed_by", "reviewed_at")])
    .where(t.reports.c.status == bindparam("status"), t.reports.c.region == bindparam("region"),
           t.reports.c.time >= bindparam("since"), t.reports.c.incident_id.is_not(None))
    .order_by(t.reports.c.time.desc(), t.reports.c.received_at.desc())
    .limit(bindparam("newest"))
)
_REGIME_ALERT = select(t.regimes.c.alert_id).where(t.regimes.c.id == bindparam("id"))
_ALERT_BODY = select(t.alerts.c.body).where(t.alerts.c.identifier == bindparam("identifier"))
