"""The MAC-linked audit chain: any edit, deletion, reordering or recomputation without the key is found,
a saved head catches records removed from the tail, and row digests catch tables edited behind its back."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from airwarn.domain.audit import (
    GENESIS,
    AuditHead,
    AuditKey,
    AuditRecord,
    check_unlinked,
    compare_rows,
    content_mac,
    gap_record,
    latest_state,
    record_hash,
    row_digest,
    seal,
    verify_chain,
)

KEY = AuditKey(bytes(range(32)))
OTHER = AuditKey(bytes(range(1, 33)))


def chain(n: int, key: AuditKey = KEY, *, start: int = 1, prev: str = GENESIS) -> list[AuditRecord]:
    records = []
    for seq in range(start, start + n):
        at = datetime(2026, 11, 24, tzinfo=UTC) + timedelta(seconds=seq)
        draft = AuditRecord(seq, at, "olga", "x", "alert", str(seq), {"n": seq, "ru": "Миллеровский"}, prev, "",
                            {f"alerts/{seq}": f"{seq:064x}"})
        record = seal(key, draft, prev)
        records.append(record)
        prev = record.hash
    return records


def head_of(record: AuditRecord) -> AuditHead:
    return AuditHead(record.seq, record.hash, record.at, KEY.key_id, "ab" * 32)


def test_intact_chain_verifies() -> None:
    assert verify_chain(chain(5), KEY).ok


def test_edited_record_is_found_and_named() -> None:
    records = chain(5)
    records[2] = replace(records[2], data={"n": 99})
    check = verify_chain(records, KEY)
    assert not check.ok and check.first_bad_seq == 3 and "rewritten" in check.problem


def test_edited_row_digest_in_a_record_is_found() -> None:
    records = chain(3)
    records[1] = replace(records[1], state={"alerts/2": "f" * 64})
    assert verify_chain(records, KEY).first_bad_seq == 2


def test_deleted_record_is_found() -> None:
    records = chain(5)
    del records[1]
    check = verify_chain(records, KEY)
    assert check.first_bad_seq == 3 and "record 2 is missing" in check.problem


def test_reordered_records_are_found() -> None:
    records = chain(4)
    records[1], records[2] = records[2], records[1]
    assert not verify_chain(records, KEY).ok


def test_recomputed_plain_hashes_do_not_verify() -> None:
    """The old attack: rewrite one record and recompute every hash after it, without the MAC key."""
    records = chain(4)
    forged, prev = [], GENESIS
    for rec in records:
        rec = replace(rec, actor="mallory") if rec.seq == 2 else rec
        digest = record_hash(seq=rec.seq, at=rec.at, actor=rec.actor, action=rec.action, entity=rec.entity,
                             entity_id=rec.entity_id, data=rec.data, prev_hash=prev)
        forged.append(replace(rec, prev_hash=prev, hash=digest))
        prev = digest
    check = verify_chain(forged, KEY)
    assert not check.ok and check.first_bad_seq == 1


def test_recomputed_with_another_key_does_not_verify() -> None:
    records = chain(3, OTHER)
    check = verify_chain(records, KEY)
    assert not check.ok and OTHER.key_id in check.problem
    relabelled = [replace(r, key_id=KEY.key_id) for r in records]  # claiming the right key id does not help
    assert "does not match its MAC" in verify_chain(relabelled, KEY).problem


def test_keyed_records_cannot_be_checked_without_the_key() -> None:
    check = verify_chain(chain(2), None)
    assert not check.ok and "audit key is needed" in check.problem


def test_a_saved_head_catches_records_removed_from_the_tail() -> None:
    records = chain(6)
    head = head_of(records[-1])
    assert verify_chain(records, KEY, head).ok
    check = verify_chain(records[:4], KEY, head)  # the tail's links are all intact: only the head tells
    assert verify_chain(records[:4], KEY).ok
    assert not check.ok and check.first_bad_seq == 6
    assert check.problem == "records removed from the tail: the saved head names record 6, the log ends at 4"


def test_a_saved_head_catches_a_chain_rebuilt_with_the_key() -> None:
    """Someone holding the key rebuilt the log from record 3 on: the head no longer matches."""
    records = chain(5)
    head = head_of(records[-1])
    rebuilt = records[:2]
    for rec in records[2:]:
        rebuilt.append(seal(KEY, replace(rec, actor="mallory"), rebuilt[-1].hash))
    assert verify_chain(rebuilt, KEY).ok
    check = verify_chain(rebuilt, KEY, head)
    assert not check.ok and check.problem == "record 5 differs from the saved head"


def test_legacy_records_are_a_valid_prefix_only() -> None:
    legacy, prev = [], GENESIS
    for seq in (1, 2):
        at = datetime(2026, 11, 24, tzinfo=UTC)
        digest = record_hash(seq=seq, at=at, actor="a", action="x", entity="e", entity_id="1", data={},
                             prev_hash=prev)
        legacy.append(AuditRecord(seq, at, "a", "x", "e", "1", {}, prev, digest))
        prev = digest
    keyed = chain(2, start=3, prev=prev)
    assert verify_chain(legacy + keyed, KEY).ok
    late = legacy[0]
    late_legacy = replace(late, seq=5, prev_hash=keyed[-1].hash,
                          hash=record_hash(seq=5, at=late.at, actor="a", action="x", entity="e", entity_id="1",
                                           data={}, prev_hash=keyed[-1].hash))
    check = verify_chain(legacy + keyed + [late_legacy], KEY)
    assert not check.ok and "no MAC after keyed records" in check.problem


def test_content_hash_is_independent_of_the_time_zone_given() -> None:
    at = datetime(2026, 11, 24, 3, 0, tzinfo=timezone(timedelta(hours=3)))
    base = AuditRecord(1, at, "a", "x", "e", "1", {}, GENESIS, "")
    utc = replace(base, at=at.astimezone(UTC))
    assert seal(KEY, base, GENESIS).hash == seal(KEY, utc, GENESIS).hash


def test_key_id_names_the_key_without_revealing_it() -> None:
    assert KEY.key_id != OTHER.key_id and len(KEY.key_id) == 16
    assert KEY.secret.hex() not in repr(KEY) and KEY.key_id not in hashlib.sha256(KEY.secret).hexdigest()
    with pytest.raises(ValueError):
        AuditKey(b"short")


def test_rows_are_compared_with_their_newest_audited_state() -> None:
    one, two = row_digest("alerts", {"identifier": "a", "headline": "x"}), row_digest("regimes", {"id": "r"})
    records = chain(2)
    records = [replace(records[0], state={"alerts/a": "0" * 64}), replace(records[1], state={"alerts/a": one,
                                                                                           "regimes/r": two})]
    audited = latest_state(records)
    assert compare_rows(audited, {"alerts/a": one, "regimes/r": two}, ["alerts", "regimes"]) == []
    edited = row_digest("alerts", {"identifier": "a", "headline": "changed"})
    assert compare_rows(audited, {"alerts/a": edited, "regimes/r": two}, ["alerts", "regimes"]) == [
        "alerts/a: row differs from its state audited at record 2 (edited behind the application's back)"]
    assert compare_rows(audited, {"alerts/a": one}, ["alerts", "regimes"]) == [
        "regimes/r: row audited at record 2 is missing (deleted)"]
    assert compare_rows(audited, {"alerts/a": one, "regimes/r": two, "measures/m": one},
                        ["alerts", "regimes", "measures"]) == [
        "measures/m: row is not in the audit (written behind the application's back)"]


def test_a_row_deleted_by_the_application_is_expected_to_be_gone() -> None:
    records = chain(2)
    records[1] = replace(records[1], state={"alerts/1": None})
    assert compare_rows(latest_state(records), {}, ["alerts"]) == []


def _unlinked(seq: int, key: AuditKey = KEY) -> AuditRecord:
    draft = AuditRecord(seq, datetime(2026, 11, 24, tzinfo=UTC), "olga", "x", "alert", str(seq), {}, "", "",
                        {}, key.key_id)
    return replace(draft, content_mac=content_mac(key, draft))


def test_a_gap_record_links_like_any_record_and_verify_lists_it() -> None:
    records = chain(2)
    gap = gap_record(3, datetime(2026, 11, 24, tzinfo=UTC))
    records.append(seal(KEY, replace(gap, content_mac=content_mac(KEY, gap)), records[-1].hash))
    records += chain(2, start=4, prev=records[-1].hash)
    check = verify_chain(records, KEY)
    assert check.ok and check.gaps == [3] and check.records == 5


def test_unlinked_records_must_follow_the_head_and_carry_their_writers_content_mac() -> None:
    assert check_unlinked([_unlinked(6), _unlinked(7)], KEY, 5) == []
    forged = replace(_unlinked(6), actor="mallory")  # edited after the writer made its MAC
    assert check_unlinked([forged], KEY, 5) == [
        "record 6 (x alert 6) is not linked yet and does not match its content MAC: inserted or rewritten"]
    assert check_unlinked([_unlinked(6, OTHER)], KEY, 5)  # made with another key
    assert check_unlinked([replace(_unlinked(6), content_mac=None)], KEY, 5)
    assert check_unlinked([_unlinked(4)], KEY, 5) == ["record 4 is unlinked below the chained head 5"]


def test_the_content_mac_does_not_depend_on_the_link() -> None:
    record = _unlinked(3)
    assert content_mac(KEY, seal(KEY, record, "a" * 64)) == content_mac(KEY, record) != content_mac(OTHER, record)
