"""No global serialisation on real PostgreSQL: concurrent writers in several regions (threads and another
process, some rolling back on purpose, some after drawing their audit numbers) leave one chain that
`verify` accepts, with every committed record exactly once, in order, and every lost number recorded as a
gap; one region's decision lock does not hold up another region, but does hold up its own and global writes.

Advisory locks are per database, not per schema: a test elsewhere on the same database that waits for the
global key exclusively while one of these tests holds it shared (a held region lock, a number in flight)
queues the next shared request behind it until the holder lets go. On a database shared with other
sessions' suites that can stall a test here until its patience runs out; run alone, as CI does, it cannot.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from airwarn import auditing
from airwarn.cap.signing import Signer
from airwarn.domain.audit import GAP_ACTION, AuditKey, AuditRecord
from airwarn.domain.territory import Territory
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from airwarn.store import tables as t
from airwarn.store.audit_store import read_records, unlinked_records
from airwarn.store.engine import make_engine
from airwarn.store.migrate import upgrade
from airwarn.store.repository import Repository
from airwarn.store.uow import UnitOfWork
from tests.integration.nodes import pg_schema

POSTGRES_URL = os.environ.get("AIRWARN_TEST_POSTGRES_URL")
pytestmark = [pytest.mark.postgres, pytest.mark.skipif(
    not POSTGRES_URL, reason="PostgreSQL not configured: set AIRWARN_TEST_POSTGRES_URL (advisory locks, "
                             "sequences and snapshots are what is tested)")]
#: A generous bound for conditions that must come true; nothing here asserts how fast.
PATIENCE_S = 120.0


@pytest.fixture
def pg_url() -> Iterator[str]:
    assert POSTGRES_URL
    with pg_schema() as url:
        upgrade(make_engine(url))
        yield url


def _node(url: str, key: AuditKey, name: str) -> UnitOfWork:
    """A unit of work on its own engine, as another process or node would have; `name` shows in pg_stat_activity."""
    return UnitOfWork(make_engine(f"{url}&application_name={name}"), key)


@pytest.fixture
def pg_deps(pg_url: str, territory: Territory, signer: Signer, audit_key: AuditKey) -> Deps:
    from airwarn.service_layer.bootstrap import cap_renderer

    return Deps(uow=_node(pg_url, audit_key, "partlock-main"), territory=territory, render=cap_renderer(signer),
                certificate_pem=signer.cert_pem, sign_head=signer.sign_bytes)


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)


def _chain_all(uow: UnitOfWork) -> None:
    """Run the chainer until nothing committed is left unlinked (a gap waits for transactions elsewhere on
    the shared server to end, so this polls)."""
    assert uow.chainer is not None

    def done() -> bool:
        uow.chainer.run()  # type: ignore[union-attr]
        with uow.read() as repo:
            return not list(unlinked_records(repo.conn))
    _until(done, "every committed record linked")


def _records(uow: UnitOfWork) -> list[AuditRecord]:
    with uow.read() as repo:
        return list(read_records(repo.conn))


class Boom(Exception):
    """A use case failing on purpose, after it changed things: all of it must roll back."""


def _write_marks(uow: UnitOfWork, writer: str, region: str, count: int, committed: list[str],
                 drawn_lost: list[int]) -> None:
    """`count` transactions of audit records for `region`: every third rolls back before commit, every
    fifth after its audit numbers were drawn (as a failed commit would)."""
    for i in range(count):
        mark = f"{writer}:{i}"
        if i % 5 == 4:  # numbers drawn, then the transaction dies: they must become gaps
            with uow.engine.connect() as conn:
                tx = conn.begin()
                repo = Repository(conn, uow.audit_key)
                repo.append_audit(at=datetime.now(UTC), actor="test", action="test.lost", entity="mark",
                                  entity_id=mark, data={"region": region})
                drawn_lost += [r.seq for r in repo.audit_writer.flush(datetime.now(UTC))]
                tx.rollback()
            continue
        try:
            with uow.write(region=region) as repo:
                for part in range(1 + i % 2):  # some transactions write two records
                    repo.append_audit(at=datetime.now(UTC), actor="test", action="test.mark", entity="mark",
                                      entity_id=f"{mark}.{part}", data={"region": region})
                if i % 3 == 2:
                    raise Boom(mark)
        except Boom:
            continue
        committed += [f"{mark}.{part}" for part in range(1 + i % 2)]


def _other_process(url: str, secret: bytes, writer: str, region: str, count: int, out: Any) -> None:
    committed: list[str] = []
    lost: list[int] = []
    _write_marks(UnitOfWork(make_engine(url), AuditKey(secret)), writer, region, count, committed, lost)
    out.put((committed, lost))


def test_concurrent_writers_leave_one_chain_with_every_record_once_in_order_and_gaps_recorded(
    pg_deps: Deps, pg_url: str, audit_key: AuditKey, operator: User
) -> None:
    regions = ["RU-ROS", "RU-VGG", "RU-PNZ", "RU-SAR"]
    committed: dict[str, list[str]] = {}
    lost: list[int] = []
    errors: list[BaseException] = []
    nodes = [_node(pg_url, audit_key, f"partlock-node{n}") for n in range(3)]  # three "nodes", one chain

    def marks(n: int) -> None:
        name = f"t{n}"
        committed[name] = []
        try:
            _write_marks(nodes[n % 3], name, regions[n % 4], 15, committed[name], lost)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def reports(region: str, districts: list[str]) -> None:
        try:
            for i in range(6):  # real decisions: declare, lift, declare … each with a signed alert
                kind = "regime_declared" if i % 2 == 0 else "regime_lifted"
                services.submit_report(pg_deps, ReportDraft(
                    kind=kind, region=region, source_type="official", regime="drone_hazard",
                    districts=[districts[i // 2 % len(districts)]]), operator)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=_other_process,
                          args=(pg_url, audit_key.secret, "p0", "RU-VGG", 15, queue))
    process.start()
    threads = [threading.Thread(target=marks, args=(n,)) for n in range(6)]
    threads += [threading.Thread(target=reports, args=("RU-ROS", ["Millerovsky", "Chertkovsky"])),
                threading.Thread(target=reports, args=("RU-PNZ", ["Penza", "Kuznetsky"]))]
    for thread in threads:
        thread.start()
    from_process, lost_there = queue.get(timeout=PATIENCE_S)
    process.join(PATIENCE_S)
    for thread in threads:
        thread.join(PATIENCE_S)
    assert not errors, errors
    assert process.exitcode == 0
    committed["p0"] = from_process
    lost += lost_there
    lost += pg_deps.uow.lock_times.lost_numbers  # reports decided again: their first tries' numbers are gaps
    with pg_deps.uow.write(region="RU-SAR") as repo:  # a record after every lost number
        repo.append_audit(at=datetime.now(UTC), actor="test", action="test.last", entity="mark", entity_id="z",
                          data={})
    _chain_all(pg_deps.uow)

    check = auditing.verify(pg_deps)
    assert check.ok, check.problems
    records = _records(pg_deps.uow)
    assert [r.seq for r in records] == list(range(1, len(records) + 1))  # no hole, no repeat
    assert len({r.prev_hash for r in records}) == len(records)  # no two records link to one: no fork
    assert sorted(check.gaps) == sorted(lost) and all(
        r.action == GAP_ACTION for r in records if r.seq in set(lost))
    assert check.unlinked == []
    marks_seen = [r.entity_id for r in records if r.action == "test.mark"]
    assert sorted(marks_seen) == sorted(m for ms in committed.values() for m in ms)  # each exactly once
    for writer, mine in committed.items():  # each writer's records in the order it committed them
        assert [m for m in marks_seen if m.startswith(f"{writer}:")] == mine
    assert not any(r.action == "test.lost" for r in records)
    assert sum(r.action == "report.received" for r in records) == 12
    assert auditing.verify(pg_deps, auditing.sign_head(pg_deps)).ok  # the head names the linked end


def _waiting(uow_name: str, engine: Any) -> bool:
    """Whether a connection of the unit of work named `uow_name` waits for a lock (the write lock key, or a
    region's version row)."""
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE a.application_name = :name AND NOT l.granted"),
            {"name": uow_name}).scalar_one() > 0


def test_a_region_lock_holds_up_its_own_region_and_global_writes_but_not_another_region(
    pg_deps: Deps, pg_url: str, audit_key: AuditKey
) -> None:
    held, release = threading.Event(), threading.Event()
    done: dict[str, threading.Event] = {name: threading.Event() for name in ("vgg", "ros", "global")}
    order: list[str] = []

    def holder() -> None:
        with pg_deps.uow.write(region="RU-ROS") as repo:
            repo.append_audit(at=datetime.now(UTC), actor="test", action="test.hold", entity="mark",
                              entity_id="ros-1", data={})
            held.set()
            assert release.wait(PATIENCE_S)
            order.append("holder")

    def writer(name: str, region: str | None) -> None:
        with _node(pg_url, audit_key, f"partlock-{name}").write(region=region) as repo:
            repo.append_audit(at=datetime.now(UTC), actor="test", action="test.mark", entity="mark",
                              entity_id=name, data={})
            order.append(name)
        done[name].set()

    first = threading.Thread(target=holder)
    first.start()
    assert held.wait(PATIENCE_S)
    other = threading.Thread(target=writer, args=("vgg", "RU-VGG"))
    other.start()
    assert done["vgg"].wait(PATIENCE_S)  # another region committed while RU-ROS was held
    same = threading.Thread(target=writer, args=("ros", "RU-ROS"))
    glob = threading.Thread(target=writer, args=("global", None))
    same.start()
    glob.start()
    probe = make_engine(pg_url)
    _until(lambda: _waiting("partlock-ros", probe), "the second RU-ROS write waits for the lock")
    _until(lambda: _waiting("partlock-global", probe), "the global write waits for the region write")
    assert not done["ros"].is_set() and not done["global"].is_set()
    release.set()
    for thread in (first, other, same, glob):
        thread.join(PATIENCE_S)
    assert done["ros"].is_set() and done["global"].is_set()
    assert order.index("holder") < order.index("ros") and order.index("holder") < order.index("global")
    assert order[0] == "vgg"
    _chain_all(pg_deps.uow)
    assert auditing.verify(pg_deps).ok
    probe.dispose()


def test_a_global_write_holds_up_every_region(pg_deps: Deps, pg_url: str, audit_key: AuditKey) -> None:
    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def holder() -> None:
        with pg_deps.uow.write() as repo:
            repo.append_audit(at=datetime.now(UTC), actor="test", action="test.global", entity="mark",
                              entity_id="g", data={})
            held.set()
            assert release.wait(PATIENCE_S)

    def region_write() -> None:
        with _node(pg_url, audit_key, "partlock-after-global").write(region="RU-SAR") as repo:
            repo.append_audit(at=datetime.now(UTC), actor="test", action="test.mark", entity="mark",
                              entity_id="sar", data={})
        done.set()

    first, second = threading.Thread(target=holder), threading.Thread(target=region_write)
    first.start()
    assert held.wait(PATIENCE_S)
    second.start()
    probe = make_engine(pg_url)
    _until(lambda: _waiting("partlock-after-global", probe), "the region write waits for the global one")
    assert not done.is_set()
    release.set()
    first.join(PATIENCE_S)
    second.join(PATIENCE_S)
    assert done.is_set()
    probe.dispose()


@pytest.mark.parametrize("ending", ["commit", "rollback"])
def test_the_chainer_waits_for_a_number_still_in_flight_and_then_links_it_or_records_a_gap(
    pg_deps: Deps, ending: str
) -> None:
    uow = pg_deps.uow
    with uow.write(region="RU-ROS") as repo:
        repo.append_audit(at=datetime.now(UTC), actor="test", action="test.mark", entity="mark",
                          entity_id="before", data={})
    with uow.engine.connect() as conn:
        tx = conn.begin()
        repo = Repository(conn, uow.audit_key)
        repo.append_audit(at=datetime.now(UTC), actor="test", action="test.mark", entity="mark",
                          entity_id="in-flight", data={})
        [in_flight] = repo.audit_writer.flush(datetime.now(UTC))
        with uow.write(region="RU-VGG") as later:  # commits a higher number; its chainer runs after commit
            later.append_audit(at=datetime.now(UTC), actor="test", action="test.mark", entity="mark",
                               entity_id="after", data={})
        assert uow.chainer is not None
        uow.chainer.run()
        records = _records(uow)
        assert [r.entity_id for r in records] == ["before"]  # it waits: the number may still commit
        with uow.read() as reader:
            assert [r.entity_id for r in unlinked_records(reader.conn)] == ["after"]
        check = auditing.verify(pg_deps)
        assert check.ok and check.unlinked == [in_flight.seq + 1], check.problems
        tx.commit() if ending == "commit" else tx.rollback()
    _chain_all(uow)
    records = _records(uow)
    assert [r.seq for r in records] == [1, 2, 3]
    expected = "in-flight" if ending == "commit" else str(in_flight.seq)
    assert [r.entity_id for r in records] == ["before", expected, "after"]
    check = auditing.verify(pg_deps)
    assert check.ok, check.problems
    assert check.gaps == ([] if ending == "commit" else [in_flight.seq])
    if ending == "rollback":  # the number is taken for good: a late commit of it cannot slip in
        with pytest.raises(Exception, match="duplicate key|UniqueViolation"), uow.engine.begin() as conn:
            conn.execute(insert(t.audit_log).values(
                seq=in_flight.seq, at=in_flight.at, actor="late", action="test.late", entity="mark",
                entity_id="late", data={}, state={}, key_id=in_flight.key_id, content_mac=in_flight.content_mac))


def test_a_record_inserted_unlinked_by_sql_is_never_linked_and_verify_names_it(
    pg_deps: Deps, audit_key: AuditKey
) -> None:
    uow = pg_deps.uow
    with uow.write(region="RU-ROS") as repo:
        repo.append_audit(at=datetime.now(UTC), actor="test", action="test.mark", entity="mark",
                          entity_id="honest", data={})
    with uow.engine.begin() as conn:  # someone with database access but without the audit key
        seq = conn.execute(text("SELECT nextval('audit_seq')")).scalar_one()
        conn.execute(insert(t.audit_log).values(
            seq=seq, at=datetime.now(UTC) - timedelta(minutes=1), actor="mallory", action="alert.approved",
            entity="alert", entity_id="x", data={}, state={}, key_id=audit_key.key_id, content_mac="0" * 64))
    assert uow.chainer is not None
    uow.chainer.run()
    assert [r.entity_id for r in _records(uow)] == ["honest"]
    check = auditing.verify(pg_deps)
    assert not check.ok and check.problem == (
        f"record {seq} (alert.approved alert x) is not linked yet and does not match its content MAC: "
        "inserted or rewritten")
    with uow.read() as repo:
        stored = repo.conn.execute(select(t.audit_log.c.hash).where(t.audit_log.c.seq == seq)).scalar()
    assert stored is None
