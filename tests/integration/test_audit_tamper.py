"""Tampering with a real database (SQLite, and PostgreSQL when configured) behind the application's back is
found by `verify`: tail records removed (against a saved signed head), a record rewritten with its hashes
recomputed, and rows of alerts, regimes and measures edited, inserted or deleted by SQL."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import delete, insert, select, update

from airwarn import auditing
from airwarn.api.app import create_app
from airwarn.cap.atom import ATOM_NS, AUDIT_NS
from airwarn.cap.signing import Signer
from airwarn.domain.audit import GENESIS, AuditKey, record_hash, seal
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from airwarn.store import tables as t
from airwarn.store.audit_store import read_records


def _night(deps: Deps, operator: User, approver: User) -> dict[str, str]:
    """A short night through the use cases: a held alert approved, a plan with an airport measure, a lift."""
    now = datetime.now(UTC) - timedelta(minutes=3)
    first = services.submit_report(deps, ReportDraft(
        kind="interception", region="RU-ROS", source_type="official", source_name="Governor",
        districts=["Millerovsky", "Chertkovsky"], time=now), operator)
    alert = first.alerts[0]["identifier"]
    services.approve_alert(deps, alert, approver)
    plan = services.submit_report(deps, ReportDraft(kind="plan_activated", region="RU-PNZ", source_type="official",
                                                    plan="Carpet", time=now), operator)
    services.lift_regime(deps, first.regimes_declared[0], operator, "drones gone")
    return {"alert": alert, "regime": first.regimes_declared[1], "measure": plan.measures_started[0]}


def _sql(deps: Deps, statement: object) -> None:
    """An edit straight in the database, as someone with database access but without the keys would."""
    with deps.uow.engine.begin() as conn:
        conn.execute(statement)  # type: ignore[call-overload]


def test_an_honest_night_verifies_with_every_covered_table_bound(
    deps: Deps, operator: User, approver: User
) -> None:
    ids = _night(deps, operator, approver)
    check = services.verify_audit(deps)
    assert check.ok, check.problems
    with deps.uow.read() as repo:
        records = list(repo.audit())
    bound = {ref for r in records for ref in r.state}
    assert {f"alerts/{ids['alert']}", f"regimes/{ids['regime']}", f"measures/{ids['measure']}"} <= bound
    assert all(r.key_id == deps.uow.audit_key.key_id for r in records)  # type: ignore[union-attr]


def test_a_saved_head_finds_records_removed_from_the_tail(deps: Deps, operator: User, approver: User) -> None:
    _night(deps, operator, approver)
    services.add_user(deps, "nina", "observer")  # the last record binds no row: only the head can tell
    head = auditing.parse_head(json.dumps(auditing.sign_head(deps).to_dict()))
    assert auditing.verify(deps, head).ok
    last = head.head.seq
    _sql(deps, delete(t.audit_log).where(t.audit_log.c.seq == last))
    assert services.verify_audit(deps).ok  # the rest is a perfect chain…
    check = auditing.verify(deps, head)  # …but not the one the authority signed
    assert not check.ok and check.first_bad_seq == last
    assert check.problem == f"records removed from the tail: the saved head names record {last}, " \
                            f"the log ends at {last - 1}"


def test_removing_tail_records_that_bound_rows_is_found_even_without_a_head(
    deps: Deps, operator: User, approver: User
) -> None:
    ids = _night(deps, operator, approver)
    with deps.uow.read() as repo:
        last = max(r.seq for r in repo.audit())
    _sql(deps, delete(t.audit_log).where(t.audit_log.c.seq >= last - 1))
    check = services.verify_audit(deps)
    assert not check.ok and any(p.startswith("alerts/") or p.startswith("regimes/") for p in check.problems)
    assert ids


def test_a_rewritten_record_with_recomputed_plain_hashes_is_found(
    deps: Deps, operator: User, approver: User
) -> None:
    ids = _night(deps, operator, approver)
    with deps.uow.read() as repo:
        records = list(repo.audit())
    approval = next(r for r in records if r.action == "alert.approved")
    prev = GENESIS
    for rec in records:  # the old attack: change the approver, recompute every hash after it
        actor = "mallory" if rec.seq == approval.seq else rec.actor
        digest = record_hash(seq=rec.seq, at=rec.at, actor=actor, action=rec.action, entity=rec.entity,
                             entity_id=rec.entity_id, data=rec.data, prev_hash=prev)
        _sql(deps, update(t.audit_log).where(t.audit_log.c.seq == rec.seq).values(
            actor=actor, prev_hash=prev, hash=digest))
        prev = digest
    check = services.verify_audit(deps)
    assert not check.ok and check.first_bad_seq == 1 and "rewritten" in check.problem
    assert ids["alert"]


def test_a_rewritten_record_relinked_with_a_guessed_key_is_found(
    deps: Deps, operator: User, approver: User
) -> None:
    _night(deps, operator, approver)
    with deps.uow.read() as repo:
        records = list(repo.audit())
    approval = next(r for r in records if r.action == "alert.approved")
    guess = AuditKey(b"\x00" * 32)
    prev = records[approval.seq - 2].hash if approval.seq > 1 else GENESIS
    for rec in records[approval.seq - 1:]:
        forged = seal(guess, replace(rec, actor="mallory") if rec.seq == approval.seq else rec, prev)
        _sql(deps, update(t.audit_log).where(t.audit_log.c.seq == rec.seq).values(
            actor=forged.actor, prev_hash=forged.prev_hash, hash=forged.hash,
            key_id=deps.uow.audit_key.key_id))  # type: ignore[union-attr]
        prev = forged.hash
    check = services.verify_audit(deps)
    assert not check.ok and check.first_bad_seq == approval.seq
    assert check.problem == (f"record {approval.seq} (alert.approved alert {approval.entity_id}) does not match "
                             "its MAC: rewritten")


@pytest.mark.parametrize(("table", "key", "column", "value"), [
    ("alerts", "alert", "headline", "Nothing to see here"),
    ("alerts", "alert", "approved_by", "mallory"),
    ("regimes", "regime", "lifted_at", datetime(2026, 11, 24, tzinfo=UTC)),
    ("measures", "measure", "target", "URWW"),
])
def test_a_row_edited_by_sql_is_found_and_named(
    deps: Deps, operator: User, approver: User, table: str, key: str, column: str, value: object
) -> None:
    ids = _night(deps, operator, approver)
    tbl = t.metadata.tables[table]
    pk = next(iter(tbl.primary_key.columns))
    _sql(deps, update(tbl).where(pk == ids[key]).values({column: value}))
    check = services.verify_audit(deps)
    assert not check.ok
    assert check.problem.startswith(f"{table}/{ids[key]}: row differs from its state audited at record ")
    assert check.problem.endswith("(edited behind the application's back)")


def test_rows_inserted_or_deleted_by_sql_are_found(deps: Deps, operator: User, approver: User) -> None:
    ids = _night(deps, operator, approver)
    with deps.uow.read() as repo:
        row = dict(repo.conn.execute(select(t.measures).where(t.measures.c.id == ids["measure"])).mappings().one())
    _sql(deps, insert(t.measures).values({**row, "id": "msr-forged"}))
    assert services.verify_audit(deps).problems == [
        "measures/msr-forged: row is not in the audit (written behind the application's back)"]
    _sql(deps, delete(t.measures).where(t.measures.c.id == "msr-forged"))
    _sql(deps, delete(t.outbox).where(t.outbox.c.alert_id == ids["alert"]))
    _sql(deps, delete(t.alerts).where(t.alerts.c.identifier == ids["alert"]))
    check = services.verify_audit(deps)
    assert not check.ok and check.problem.startswith(f"alerts/{ids['alert']}: row audited at record ")
    assert check.problem.endswith("is missing (deleted)")


def test_a_forged_head_signature_is_refused(deps: Deps, operator: User, approver: User, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _night(deps, operator, approver)
    signed = auditing.sign_head(deps).to_dict()
    path = tmp_path / "head.json"
    path.write_text(json.dumps({**signed, "seq": signed["seq"] + 5}))
    check = auditing.verify(deps, auditing.read_head_file(path))
    assert not check.ok and check.problem == ("the saved head's signature does not verify against the authority "
                                              "certificate")


def test_the_head_is_published_signed_and_in_the_atom_feed(
    deps: Deps, operator: User, approver: User, signer: Signer
) -> None:
    ids = _night(deps, operator, approver)
    with TestClient(create_app(deps)) as client:
        head = client.get("/api/v1/audit/head").json()
        with deps.uow.read() as repo:
            last = list(read_records(repo.conn))[-1]
        assert (head["seq"], head["hash"], head["key_id"]) == (last.seq, last.hash, last.key_id)
        assert head["cert_sha256"] == signer.fingerprint
        parsed = auditing.parse_head(json.dumps(head))
        assert auditing.check_head_signature(parsed, client.get("/api/v1/authority.pem").content) is None
        feed = etree.fromstring(client.get("/api/v1/alerts.atom").content)
        element = feed.find(f"{{{AUDIT_NS}}}auditHead")
        assert element is not None and int(element.get("seq")) == last.seq and element.get("hash") == last.hash
        link = feed.find(f"{{{ATOM_NS}}}link[@rel='related']")
        assert link is not None and link.get("href").endswith("/api/v1/audit/head")
        client.post(f"/api/v1/alerts/{ids['alert']}/cancel", json={"note": "x"},
                    headers={"Authorization": "Bearer nope"})  # refused: no record, head unchanged
        assert client.get("/api/v1/audit/head").json()["seq"] == last.seq


def test_a_log_from_before_the_audit_key_is_linked_in_once_and_then_guarded(
    deps: Deps, operator: User, approver: User
) -> None:
    ids = _night(deps, operator, approver)
    with deps.uow.read() as repo:
        records = list(repo.audit())
    prev = GENESIS
    for rec in records:  # the log as round 2 wrote it: plain SHA-256, no key, no row digests
        digest = record_hash(seq=rec.seq, at=rec.at, actor=rec.actor, action=rec.action, entity=rec.entity,
                             entity_id=rec.entity_id, data=rec.data, prev_hash=prev)
        _sql(deps, update(t.audit_log).where(t.audit_log.c.seq == rec.seq).values(
            prev_hash=prev, hash=digest, key_id=None, state=None))
        prev = digest
    assert not services.verify_audit(deps).ok  # its rows were never bound to the audit
    assert auditing.seal_legacy(deps.uow) is True
    assert auditing.seal_legacy(deps.uow) is False  # once
    check = services.verify_audit(deps)
    assert check.ok, check.problems
    _sql(deps, update(t.alerts).where(t.alerts.c.identifier == ids["alert"]).values(headline="edited"))
    assert services.verify_audit(deps).problem.startswith(f"alerts/{ids['alert']}: row differs")


def test_a_serving_node_signs_the_head_again_every_interval_unasked(deps: Deps) -> None:
    import time

    from airwarn.settings import load_settings

    settings = load_settings(audit_head_interval_s=0.2, dispatch=False)
    with TestClient(create_app(deps, settings=settings)) as client:
        keeper = client.app.state.audit_heads  # type: ignore[attr-defined]
        deadline = time.monotonic() + 10
        while keeper._latest is None and time.monotonic() < deadline:
            time.sleep(0.02)
        first = keeper._latest.head.at
        while keeper._latest.head.at == first and time.monotonic() < deadline:
            time.sleep(0.05)
        assert keeper._latest.head.at > first  # re-signed with nobody asking
        assert auditing.check_head_signature(keeper._latest, deps.certificate_pem) is None


def test_every_statement_of_a_unit_of_work_on_a_covered_table_is_bound_without_being_told(
    deps: Deps, operator: User, approver: User
) -> None:
    from sqlalchemy import text

    ids = _night(deps, operator, approver)
    with deps.uow.write() as repo:  # a writer another helper adds later, with no audit call of its own
        repo.conn.execute(update(t.regimes).where(t.regimes.c.id == ids["regime"]).values(reason="openly"))
        repo.conn.execute(delete(t.measures).where(t.measures.c.id == ids["measure"]))
    assert services.verify_audit(deps).ok
    with deps.uow.read() as repo:
        last = list(repo.audit())[-1]
    assert last.action == "state.recorded"
    assert last.state[f"measures/{ids['measure']}"] is None and f"regimes/{ids['regime']}" in last.state
    with deps.uow.write() as repo:  # text SQL is not seen: it must mark its rows (here it does not)
        repo.conn.execute(text("UPDATE regimes SET reason = 'quietly' WHERE id = :id"), {"id": ids["regime"]})
    assert services.verify_audit(deps).problem.startswith(f"regimes/{ids['regime']}: row differs")
    with deps.uow.write() as repo:
        repo.conn.execute(text("UPDATE regimes SET reason = 'marked' WHERE id = :id"), {"id": ids["regime"]})
        repo.touch("regimes", ids["regime"])
    assert services.verify_audit(deps).ok


def test_verify_while_the_node_keeps_writing_sees_one_consistent_moment(deps: Deps, operator: User) -> None:
    """No false alarm from a decision that commits between reading the log and reading the tables."""
    import threading
    import time

    stop = threading.Event()
    districts = ["Millerovsky", "Chertkovsky", "Sholokhovsky", "Upper Don"]
    written = [0]

    def keep_writing() -> None:
        i = 0
        while not stop.is_set():
            written[0] = i
            kind = "regime_declared" if i % 2 == 0 else "regime_lifted"
            services.submit_report(deps, ReportDraft(kind=kind, region="RU-ROS", source_type="official",
                                                     regime="drone_hazard", districts=[districts[i // 2 % 4]]),
                                   operator)
            i += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    checks = []
    deadline = time.monotonic() + 30
    try:
        while (written[0] < 8 or len(checks) < 8) and time.monotonic() < deadline:
            checks.append(services.verify_audit(deps))
    finally:
        stop.set()
        writer.join(30)
    assert all(c.ok for c in checks), [c.problems for c in checks if not c.ok]
    assert written[0] >= 8 and len(checks) >= 8  # both really ran side by side
