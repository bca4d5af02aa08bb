"""Optimistic region writes on real PostgreSQL (store/region_versions.py, UnitOfWork.run): writers about one
region decide with no lock and the one whose region moved meanwhile decides again, so every report is decided
once, against the picture it commits on; writers about different regions never retry against each other.

Conflicts are forced, not hoped for: every writer's first try waits at a barrier once it has read the
region's version, so all of them have read it before any of them commits. Nothing here asserts how fast.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select

from airwarn import auditing
from airwarn.cap.signing import Signer
from airwarn.domain.audit import AuditKey
from airwarn.domain.territory import Territory
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from airwarn.store import tables as t
from airwarn.store.engine import make_engine
from airwarn.store.migrate import upgrade
from airwarn.store.repository import Repository
from airwarn.store.uow import UnitOfWork
from tests.integration.nodes import pg_database
from tests.integration.test_partitioned_writes import PATIENCE_S, _chain_all, _records, pytestmark  # noqa: F401


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A database of its own: these tests hold the write lock key shared while their threads wait for each
    other, which another suite's global write queued for the key on a shared database would stall."""
    with pg_database() as url:
        upgrade(make_engine(url))
        yield url


@pytest.fixture
def pg_deps(pg_url: str, territory: Territory, signer: Signer, audit_key: AuditKey) -> Deps:
    from airwarn.service_layer.bootstrap import cap_renderer

    return Deps(uow=UnitOfWork(make_engine(pg_url), audit_key), territory=territory,
                render=cap_renderer(signer))

T = TypeVar("T")


class Gated(UnitOfWork):
    """A unit of work whose region writes, on their first try, wait before deciding until `barrier` is full:
    every writer has then read its region's version (the try's first statement) and none has committed yet.
    (Not after deciding: a decision may write a row another one is about to change, and a writer waiting
    for that row would never reach the barrier.)"""

    def __init__(self, url: str, key: AuditKey, barrier: threading.Barrier) -> None:
        super().__init__(make_engine(url), key, hot_s=0)  # every write tries without the lock first
        self.barrier = barrier
        self.tries = 0

    def run(self, decide: Callable[[Repository], T], *, region: str | None) -> T:
        first = [True]

        def gated(repo: Repository) -> T:
            self.tries += 1
            if first[0]:
                first[0] = False
                self.barrier.wait(PATIENCE_S)
            return decide(repo)

        return super().run(gated, region=region)


def _counting(region: str, seen: list[int]) -> Callable[[Repository], int]:
    """A decision about `region` that reads how many counted records it has and writes the next one: a lost
    update would show as two records that saw the same count."""

    def decide(repo: Repository) -> int:
        count = int(repo.conn.execute(select(func.count()).select_from(t.audit_log).where(
            t.audit_log.c.action == "test.count", t.audit_log.c.entity_id == region)).scalar_one())
        repo.append_audit(at=datetime.now(UTC), actor="test", action="test.count", entity="mark",
                          entity_id=region, data={"seen": count})
        seen.append(count)
        return count

    return decide


def test_writers_about_one_region_conflict_and_decide_again_against_what_committed(
    pg_deps: Deps, pg_url: str, audit_key: AuditKey
) -> None:
    writers = 4
    barrier = threading.Barrier(writers)
    nodes = [Gated(pg_url, audit_key, barrier) for _ in range(2)]  # two "nodes" writing about one region
    results: list[int] = []
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            results.append(nodes[n % 2].run(_counting("RU-ROS", []), region="RU-ROS"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE_S)
    assert not errors, errors
    assert sorted(results) == list(range(writers))  # each decided on everything committed before it
    retries = sum(node.lock_times.retries for node in nodes)
    assert retries == writers - 1  # all read the same version: one commits, the others decide again
    assert sum(node.tries for node in nodes) == writers + retries
    lost = [n for node in nodes for n in node.lock_times.lost_numbers]
    assert len(lost) <= retries  # a try that saw the region move before drawing numbers left no gap
    _chain_all(pg_deps.uow)
    check = auditing.verify(pg_deps)
    assert check.ok, check.problems
    assert sorted(check.gaps) == sorted(lost)
    records = _records(pg_deps.uow)
    assert len({r.prev_hash for r in records}) == len(records)  # no fork
    assert sorted(r.data["seen"] for r in records if r.action == "test.count") == list(range(writers))


def test_writers_about_different_regions_never_retry(pg_deps: Deps, pg_url: str, audit_key: AuditKey) -> None:
    regions = ["RU-ROS", "RU-VGG", "RU-PNZ", "RU-SAR"]
    barrier = threading.Barrier(len(regions))
    node = Gated(pg_url, audit_key, barrier)
    errors: list[BaseException] = []

    def write(region: str) -> None:
        try:
            for _ in range(3):
                node.run(_counting(region, []), region=region)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=write, args=(r,)) for r in regions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE_S)
    assert not errors, errors
    assert node.lock_times.retries == 0 and node.tries == 3 * len(regions)
    _chain_all(pg_deps.uow)
    check = auditing.verify(pg_deps)
    assert check.ok and check.gaps == [], check.problems


def _regime_history(records: list[Any], regimes: set[str]) -> list[str]:
    """What happened to the regimes, in the order it committed: declared (in force, or proposed for a second
    person's approval) or lifted."""
    names = {"regime.declared": "declared", "regime.proposed": "declared", "regime.lifted": "lifted"}
    return [names[r.action] for r in records if r.action in names and r.entity_id in regimes]


def test_alternating_declarations_and_lifts_in_one_district_leave_a_consistent_regime_history(
    pg_deps: Deps, pg_url: str, audit_key: AuditKey, operator: User
) -> None:
    writers, rounds = 4, 6
    barrier = threading.Barrier(writers)
    nodes = [Gated(pg_url, audit_key, barrier) for _ in range(2)]
    submitted: list[str] = []
    errors: list[BaseException] = []

    def reports(n: int) -> None:
        deps = Deps(uow=nodes[n % 2], territory=pg_deps.territory, render=pg_deps.render)
        try:
            for k in range(rounds):  # in each round two writers declare and two lift, all at once
                kind = "regime_declared" if (n + k) % 2 == 0 else "regime_lifted"
                outcome = services.submit_report(deps, ReportDraft(
                    kind=kind, region="RU-ROS", source_type="official", regime="drone_hazard",
                    districts=["Millerovsky"]), operator)
                submitted.append(outcome.report_id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=reports, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE_S)
    assert not errors, errors
    retries = sum(node.lock_times.retries for node in nodes)
    assert retries >= rounds * (writers - 1)  # each round: at most one first try commits
    _chain_all(pg_deps.uow)
    check = auditing.verify(pg_deps)
    assert check.ok, check.problems
    assert sorted(check.gaps) == sorted(n for node in nodes for n in node.lock_times.lost_numbers)
    records = _records(pg_deps.uow)
    assert len({r.prev_hash for r in records}) == len(records)  # no fork
    received = [r.entity_id for r in records if r.action == "report.received"]
    assert sorted(received) == sorted(submitted) and len(set(received)) == len(received)  # each decided once
    with pg_deps.uow.read() as repo:
        ids = set(repo.conn.execute(select(t.regimes.c.id)).scalars())  # all in the one district
        active = repo.conn.execute(select(func.count()).select_from(t.regimes).where(
            t.regimes.c.lifted_at.is_(None))).scalar_one()
    history = _regime_history(records, ids)
    assert history and history[0] == "declared"
    assert all(a != b for a, b in zip(history, history[1:], strict=False)), history  # never two declares in a row
    assert active == (1 if history[-1] == "declared" else 0)
    assert len(ids) == history.count("declared")


@pytest.mark.parametrize("moved", [False, True])
def test_an_error_is_final_only_when_the_region_did_not_move(
    pg_deps: Deps, pg_url: str, audit_key: AuditKey, moved: bool
) -> None:
    uow = UnitOfWork(make_engine(pg_url), audit_key)
    tries: list[int] = []

    def decide(repo: Repository) -> None:
        tries.append(len(tries))
        if moved and len(tries) == 1:  # another write about the region commits while this one decides
            with pg_deps.uow.write(region="RU-ROS") as other:
                other.append_audit(at=datetime.now(UTC), actor="test", action="test.mark", entity="mark",
                                   entity_id="other", data={})
        raise LookupError("no such thing, as far as this try could see")

    with pytest.raises(LookupError):
        uow.run(decide, region="RU-ROS")
    assert len(tries) == (2 if moved else 1) and uow.lock_times.retries == len(tries) - 1


def test_after_a_conflict_writes_about_that_region_start_holding_its_version(
    pg_deps: Deps, pg_url: str, audit_key: AuditKey
) -> None:
    uow = UnitOfWork(make_engine(pg_url), audit_key, hot_s=3600)
    tries: list[int] = []

    def decide(repo: Repository) -> None:
        tries.append(len(tries))
        if len(tries) == 1:  # another write about the region commits while this one decides
            with pg_deps.uow.write(region="RU-ROS") as other:
                other.append_audit(at=datetime.now(UTC), actor="test", action="test.mark", entity="mark",
                                   entity_id="other", data={})
        repo.append_audit(at=datetime.now(UTC), actor="test", action="test.mark", entity="mark",
                          entity_id=f"try-{len(tries)}", data={})

    assert not uow.starts_locked("RU-ROS")
    uow.run(decide, region="RU-ROS")
    assert len(tries) == 2 and uow.lock_times.retries == 1
    assert list(uow.lock_times.lost_numbers) == []  # the move was found before the try drew numbers
    assert uow.starts_locked("RU-ROS") and not uow.starts_locked("RU-VGG")
    _chain_all(pg_deps.uow)
    check = auditing.verify(pg_deps)
    assert check.ok and check.gaps == [], check.problems
