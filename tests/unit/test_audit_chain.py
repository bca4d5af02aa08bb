"""The audit chain detects any edit, deletion or reordering."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from airwarn.domain.audit import GENESIS, AuditRecord, record_hash, verify_chain


def chain(n: int) -> list[AuditRecord]:
    records, prev = [], GENESIS
    for seq in range(1, n + 1):
        at = datetime(2026, 11, 24, tzinfo=UTC) + timedelta(seconds=seq)
        data = {"n": seq, "ru": "Миллеровский"}
        digest = record_hash(seq=seq, at=at, actor="olga", action="x", entity="e", entity_id=str(seq),
                             data=data, prev_hash=prev)
        records.append(AuditRecord(seq, at, "olga", "x", "e", str(seq), data, prev, digest))
        prev = digest
    return records


def test_intact_chain_verifies() -> None:
    assert verify_chain(chain(5)).ok


def test_edited_record_is_found() -> None:
    records = chain(5)
    records[2] = replace(records[2], data={"n": 99})
    check = verify_chain(records)
    assert not check.ok and check.first_bad_seq == 3


def test_deleted_record_is_found() -> None:
    records = chain(5)
    del records[1]
    assert verify_chain(records).first_bad_seq == 3


def test_rehashed_record_breaks_the_next_link() -> None:
    records = chain(4)
    forged = replace(records[1], actor="mallory")
    forged = replace(forged, hash=record_hash(seq=2, at=forged.at, actor="mallory", action="x", entity="e",
                                              entity_id="2", data=forged.data, prev_hash=forged.prev_hash))
    records[1] = forged
    check = verify_chain(records)
    assert not check.ok and check.first_bad_seq == 3
