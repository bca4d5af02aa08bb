"""Two nodes' warning boards (two partitions) sharing one database: a district both threaten is cleared only when
neither threatens it any more, and a dead node's hold stops blocking the all-clear once it has run out.

The boards are the services' own (TrackingService.engine → its board, with the database view of live threats);
the threats are given as ETAs, in the picture's seconds (no sleeps: time is what the steps say)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from airwarn.cap.signing import Signer
from airwarn.domain.audit import AuditKey
from airwarn.domain.reports import Status
from airwarn.domain.territory import Territory
from airwarn.service_layer.bootstrap import cap_renderer
from airwarn.service_layer.deps import Deps
from airwarn.store.engine import make_engine
from airwarn.store.threat_holds import threat_holds
from airwarn.store.uow import UnitOfWork
from airwarn.tracks.board import Threat
from airwarn.tracks.classes import ThreatClass
from airwarn.tracks.forecast import Eta
from airwarn.tracks.service import IngestResult, TrackingService
from airwarn.tracks.shared_view import HOLD_MARGIN_S, REFRESH_S

D = "RU-ROS-VERKHNEDONSKOY"  # Rostov: warning time 90 s
T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC).timestamp()
QUIET = 600.0  # the board's quiet spell before an all-clear (BoardConfig.clear_after_s)
HOLD = QUIET + HOLD_MARGIN_S + REFRESH_S  # how far past its last threat a partition's hold reaches


def _node(db_url: str, territory: Territory, signer: Signer, audit_key: AuditKey, partition: str) -> TrackingService:
    """One node: its own connection pool, its own service and board, the shared database."""
    deps = Deps(uow=UnitOfWork(make_engine(db_url), audit_key), territory=territory, render=cap_renderer(signer),
                certificate_pem=signer.cert_pem, sign_head=signer.sign_bytes)
    return TrackingService(deps, partition=partition)


@pytest.fixture
def nodes(db_url: str, territory: Territory, signer: Signer,
          audit_key: AuditKey) -> Iterator[tuple[TrackingService, TrackingService]]:
    a = _node(db_url, territory, signer, audit_key, "RU-ROS.300-60@node-a")
    b = _node(db_url, territory, signer, audit_key, "RU-ROS.60-300@node-b")
    yield a, b
    for node in (a, b):
        node.deps.uow.engine.dispose()


def _threat(track: str, earliest_s: float = 100.0) -> Threat:
    return Threat(track, ThreatClass.SHAHED, (Eta(D, "RU-ROS", earliest_s, earliest_s * 1.5, False),))


def _levels(changes: list[object]) -> list[tuple[str, str]]:
    return [(c.district, c.level) for c in changes]  # type: ignore[attr-defined]


def test_a_district_two_partitions_threaten_is_cleared_only_when_neither_does(
    nodes: tuple[TrackingService, TrackingService],
) -> None:
    a, b = nodes
    board_a, board_b = a.engine(Status.ACTUAL).board, b.engine(Status.ACTUAL).board
    assert _levels(board_a.assess(T0, [_threat("T00001")])) == [(D, "alert")]
    assert _levels(board_b.assess(T0 + 5, [_threat("T00007")])) == [(D, "alert")]
    # node A's track is gone at once; node B's keeps coming for another ten minutes
    for t in range(60, 700, 60):
        assert board_b.assess(T0 + t, [_threat("T00007")]) == []
        assert board_a.assess(T0 + t, []) == [], f"node A cleared at +{t} s while node B's track still comes"
    assert board_a.pending() == [D]
    assert a.engine(Status.ACTUAL).board.view.deferred == 1  # type: ignore[union-attr]  # logged once, not every step
    # node B's track is gone after +660 s: after its quiet spell node B clears the district, naming its track …
    assert board_b.assess(T0 + 660 + QUIET - 1, []) == []
    [clear] = board_b.assess(T0 + 660 + QUIET, [])
    assert (clear.district, clear.level, clear.tracks) == (D, "clear", ("T00007",))
    # … and node A, asked again when node B's hold would have ended, drops it without a second all-clear
    assert board_a.assess(T0 + 660 + HOLD, []) == []
    assert board_a.pending() == []
    with a.deps.uow.engine.connect() as conn:
        rows = {r.partition: r for r in conn.execute(select(threat_holds).where(threat_holds.c.district == D))}
    assert rows["RU-ROS.60-300@node-b"].cleared_at is not None
    assert rows["RU-ROS.300-60@node-a"].cleared_at is None  # node A never cleared it: node B did, for both


def test_a_dead_partitions_hold_blocks_the_all_clear_only_until_it_ends(
    nodes: tuple[TrackingService, TrackingService],
) -> None:
    a, b = nodes
    board_a, board_b = a.engine(Status.ACTUAL).board, b.engine(Status.ACTUAL).board
    board_a.assess(T0, [_threat("T00001")])
    board_b.assess(T0 + 5, [_threat("T00007")])  # node B's last step: it dies here, its hold stays behind
    assert board_a.assess(T0 + QUIET, []) == []  # node A's quiet spell is over, but node B's hold is live
    assert board_a.assess(T0 + 5 + HOLD - 1, []) == []
    changes = board_a.assess(T0 + 5 + HOLD, [])
    assert [(c.district, c.level, c.tracks) for c in changes] == [(D, "clear", ("T00001",))]
    # the all-clear goes through the pipeline as before and still names the tracks and the partition behind it
    result = IngestResult(0, [])
    a._report(changes, Status.ACTUAL, "net-1", result)
    [report_id] = result.reports
    with a.deps.uow.read() as repo:
        report = repo.report(report_id)
    assert report is not None and report.kind == "regime_lifted"
    assert "T00001" in report.text and "RU-ROS.300-60@node-a" in report.text


def test_a_threat_of_its_own_raises_a_deferred_district_again(
    nodes: tuple[TrackingService, TrackingService],
) -> None:
    """While its all-clear waits, a board no longer counts the district as raised: the other partition may clear
    it meanwhile, so a new track of its own must warn it again rather than trust a regime that may be gone."""
    a, b = nodes
    board_a, board_b = a.engine(Status.ACTUAL).board, b.engine(Status.ACTUAL).board
    board_a.assess(T0, [_threat("T00001")])
    board_b.assess(T0 + QUIET, [_threat("T00007")])
    assert board_a.assess(T0 + QUIET, []) == [] and board_a.pending() == [D]
    assert _levels(board_a.assess(T0 + QUIET + 30, [_threat("T00002", 1_000)])) == [(D, "pre_alert")]
    assert board_a.pending() == []


def test_drills_and_real_threats_hold_apart(nodes: tuple[TrackingService, TrackingService]) -> None:
    a, b = nodes
    board_a = a.engine(Status.ACTUAL).board
    board_a.assess(T0, [_threat("T00001")])
    b.engine(Status.EXERCISE).board.assess(T0 + 5, [_threat("X00001")])  # a drill's track on node B
    assert _levels(board_a.assess(T0 + QUIET, [])) == [(D, "clear")]
