"""Outbox rows written in bulk (COPY on PostgreSQL, multi-row INSERTs on SQLite) are the rows a single insert
writes: same values, same stored time, in the given order; and the issuing audit names the channels used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from airwarn.delivery.fanout import make_fanout
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps, TargetColumn
from airwarn.service_layer.intake import ReportDraft
from airwarn.store import outbox_bulk
from tests.fixtures.fanout import expand
from tests.fixtures.policies import IssueAlone

# microseconds and a non-UTC offset: the stored instant must survive both writers unchanged
NOW = datetime(2026, 11, 24, 0, 49, 1, 123456, tzinfo=timezone(timedelta(hours=3)))


def issued_alert(deps: Deps, operator: User, districts: list[str]) -> str:
    """An alert issued without a second person; returns its identifier."""
    deps.approval = IssueAlone()
    draft = ReportDraft(kind="regime_declared", region="RU-ROS", source_type="official", regime="drone_hazard",
                        districts=districts)
    alert = services.submit_report(deps, draft, operator).alerts[0]
    assert alert["state"] == "issued"
    return str(alert["identifier"])


def test_bulk_rows_equal_single_rows_with_awkward_text_across_chunks(
    deps: Deps, operator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox_bulk, "COPY_CHUNK_ROWS", 2)
    monkeypatch.setattr(outbox_bulk, "INSERT_CHUNK_ROWS", 3)
    alert_id = issued_alert(deps, operator, ["Millerovsky"])
    awkward = ["tab\there", "new\nline", "back\\slash", "cr\rx", "\\N", "юникод", "", "plain"]
    columns = [TargetColumn("sms", "reason with\ttab and \\N", awkward),
               TargetColumn("webhook", "", []),
               TargetColumn("webpush", "mobile internet restricted in RU-ROS", [f"sub-{i}" for i in range(5)])]
    with deps.uow.write() as repo:
        repo.add_outbox(alert_id=alert_id, channel="single", target="one", reason="r", now=NOW)
        repo.add_outbox_many(alert_id=alert_id, columns=columns, now=NOW)
    with deps.uow.read() as repo:
        rows = [r for r in repo.outbox_rows(alert_id) if r["channel"] != "live"]
        raw = repo.conn.execute(text("SELECT DISTINCT created_at, next_attempt_at FROM outbox "
                                     "WHERE alert_id = :a AND channel <> 'live'"), {"a": alert_id}).all()
    assert [(r["channel"], r["target"], r["reason"]) for r in rows[1:]] == (
        [("sms", t, "reason with\ttab and \\N") for t in awkward]
        + [("webpush", f"sub-{i}", "mobile internet restricted in RU-ROS") for i in range(5)])
    assert all(r["state"] == "pending" and r["attempts"] == 0 and r["delivered_at"] is None for r in rows)
    assert all(r["created_at"] == r["next_attempt_at"] == NOW.astimezone(UTC) for r in rows)
    assert len(raw) == 1 and raw[0][0] == raw[0][1]  # bulk rows store the time exactly as the single row does


def test_nothing_to_write_writes_nothing(deps: Deps, operator: User) -> None:
    alert_id = issued_alert(deps, operator, ["Millerovsky"])
    with deps.uow.write() as repo:
        before = repo.count("outbox")
        repo.add_outbox_many(alert_id=alert_id, columns=[TargetColumn("sms", "", [])], now=NOW)
        assert repo.count("outbox") == before


def test_the_issuing_audit_lists_the_channels_used_and_the_rows_roll_back_with_the_alert(
    deps: Deps, operator: User
) -> None:
    from airwarn.delivery.subscriptions import SubscriptionDraft
    from tests.integration.subscribing import Hook, active

    deps.fanout = make_fanout(deps.territory)
    hook = Hook()  # a real endpoint that answers the webhook's challenge
    try:
        for channels in ([{"channel": "sms", "address": "+79991234567"}],
                         [{"channel": "webhook", "address": hook.url}]):
            active(deps, SubscriptionDraft(lat=48.7, lon=40.2, channels=channels), hook.origin)
    finally:
        hook.close()
    alert_id = issued_alert(deps, operator, ["Millerovsky"])
    with deps.uow.read() as repo:
        committed = sorted({r["channel"] for r in repo.outbox_rows(alert_id)})
    assert committed == ["cap", "live", "mqtt"]  # subscribers' rows come from fan-out jobs, after commit
    expand(deps)
    with deps.uow.read() as repo:
        issued = [r for r in repo.audit() if r.action == "alert.issued" and r.entity_id == alert_id]
        channels = sorted({r["channel"] for r in repo.outbox_rows(alert_id)})
    assert channels == ["cap", "live", "mqtt", "sms", "webhook"]
    # the audit names every channel the alert was fanned out to: a job's channel before anyone is found on it
    assert issued[0].data["channels"] == [*channels, "webpush"]

    with pytest.raises(RuntimeError), deps.uow.write() as repo:  # bulk rows are part of the transaction
        repo.add_outbox_many(alert_id=alert_id, columns=[TargetColumn("sms", "", ["late"])], now=NOW)
        raise RuntimeError("the issuing transaction fails after the outbox was written")
    with deps.uow.read() as repo:
        assert "late" not in {r["target"] for r in repo.outbox_rows(alert_id)}
