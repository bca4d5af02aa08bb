"""A region-wide alert's million outbox rows must not leave the planner believing the outbox is nearly empty:
after bulk writes the expander re-analyzes it (PostgreSQL), so the dispatcher's claim stays an index scan."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import text

from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from airwarn.store.outbox_bulk import write_outbox
from airwarn.store.outbox_stats import OutboxStats

CLAIM = ("SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= now() "
         "ORDER BY next_attempt_at LIMIT 64 FOR UPDATE SKIP LOCKED")


def _pending_rows(deps: Deps, operator: User, approver: User, n: int) -> None:
    draft = ReportDraft(kind="interception", region="RU-ROS", source_type="official", districts=["Millerovsky"])
    pending = services.submit_report(deps, draft, operator).alerts[0]["identifier"]
    alert_id = str(services.approve_alert(deps, pending, approver)["identifier"])
    with deps.uow.engine.begin() as conn:
        write_outbox(conn, alert_id, [("sms", "bulk", [f"+7{i:010d}" for i in range(n)])], datetime.now(UTC))


def _nodes(plan: dict[str, object]) -> list[str]:
    return [str(plan["Node Type"])] + [n for child in plan.get("Plans", []) for n in _nodes(child)]  # type: ignore[attr-defined]


def test_bulk_writes_reanalyze_the_outbox_so_the_claim_is_an_index_scan(
        deps: Deps, operator: User, approver: User) -> None:
    _pending_rows(deps, operator, approver, 20_000)
    now = [0.0]
    stats = OutboxStats(deps.uow.engine, after_rows=10_000, every_s=5.0, clock=lambda: now[0])
    if deps.uow.engine.dialect.name != "postgresql":  # SQLite's planner needs no help here
        assert stats.wrote(20_000) is False
        return
    assert stats.wrote(6_000) is False  # not enough rows yet
    assert stats.wrote(14_000) is True and stats.runs == 1
    assert stats.wrote(50_000) is False  # too soon after the last
    now[0] += 5.0
    assert stats.wrote(0) is True and stats.runs == 2  # the rows noted meanwhile count
    with deps.uow.engine.connect() as conn:
        assert conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'outbox'::regclass")).scalar_one() >= 10_000
        [explained] = conn.execute(text(f"EXPLAIN (FORMAT JSON) {CLAIM}")).one()
    nodes = _nodes((json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"])
    assert "Sort" not in nodes and "Index Scan" in nodes, nodes
