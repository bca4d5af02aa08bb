"""What an issued alert commits beside itself (its outbox rows, the delivered row's attempt, its fan-out jobs)
reads back the same on SQLite and PostgreSQL, whatever the text in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps, FanoutJob
from airwarn.service_layer.intake import ReportDraft
from airwarn.store import tables as t
from airwarn.store.delivery_tables import delivery_attempts
from airwarn.store.fanout_tables import fanout_jobs
from airwarn.store.issued_rows import IssuedRow
from tests.fixtures.policies import IssueAlone

# microseconds and a non-UTC offset: the stored instant must survive unchanged
NOW = datetime(2026, 11, 24, 0, 49, 1, 123456, tzinfo=timezone(timedelta(hours=3)))
# what a text array would have to escape: quotes, backslashes, braces, commas, blanks, NULL's spelling
AWKWARD = ['say "now"', "back\\slash", "{brace},comma", " padded ", "NULL", "юникод", ""]


def test_an_issued_alerts_rows_and_jobs_read_back_as_written(deps: Deps, operator: User) -> None:
    deps.approval = IssueAlone()
    draft = ReportDraft(kind="regime_declared", region="RU-ROS", source_type="official", regime="drone_hazard",
                        districts=["Millerovsky"])
    alert_id = str(services.submit_report(deps, draft, operator).alerts[0]["identifier"])
    rows = [IssuedRow("cap-test", "feed", 'reason "quoted"', "delivered", NOW)]
    rows += [IssuedRow("siren-test", f"siren {text}", text, "pending", NOW + timedelta(seconds=i))
             for i, text in enumerate(AWKWARD)]
    districts = tuple(f'RU-ROS-{text}' for text in AWKWARD)
    jobs = [FanoutJob("sms", 2, districts, True), FanoutJob("webhook", 1, (), False)]

    with deps.uow.write() as repo:
        ids = repo.add_outbox_issued(alert_id=alert_id, rows=rows, jobs=jobs, now=NOW, worker="feed-test")

    with deps.uow.read() as repo:
        stored = {r.id: r for r in repo.conn.execute(select(t.outbox).where(t.outbox.c.id.in_(list(ids.values()))))}
        attempts = repo.conn.execute(select(delivery_attempts).where(
            delivery_attempts.c.outbox_id.in_(list(ids.values())))).all()
        written_jobs = repo.conn.execute(select(fanout_jobs).where(fanout_jobs.c.alert_id == alert_id)
                                         .order_by(fanout_jobs.c.shard, fanout_jobs.c.channel)).all()
    assert sorted(ids) == sorted((r.channel, r.target) for r in rows)
    for row in rows:
        got = stored[ids[(row.channel, row.target)]]
        assert (got.alert_id, got.channel, got.target, got.reason, got.state) == (
            alert_id, row.channel, row.target, row.reason, row.state)
        assert _utc(got.next_attempt_at) == row.due.astimezone(UTC)
        assert _utc(got.created_at) == NOW.astimezone(UTC)
        assert got.attempts == (1 if row.state == "delivered" else 0)
        assert (_utc(got.delivered_at) if got.delivered_at else None) == (
            NOW.astimezone(UTC) if row.state == "delivered" else None)
    assert [(a.outbox_id, a.attempt, a.ok, a.worker) for a in attempts] == [
        (ids[("cap-test", "feed")], 1, True, "feed-test")]
    assert [(j.shard, j.channel, j.shards, tuple(j.districts), j.restricted, j.state) for j in written_jobs] == [
        (0, "sms", 2, districts, True, "pending"), (0, "webhook", 1, (), False, "pending"),
        (1, "sms", 2, districts, True, "pending")]


def _utc(at: datetime) -> datetime:
    """SQLite gives naive UTC back; PostgreSQL an aware instant."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
