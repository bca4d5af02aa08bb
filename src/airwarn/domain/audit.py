"""Hash-chained audit records: each record's hash covers its content and the previous hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


def record_hash(
    *, seq: int, at: datetime, actor: str, action: str, entity: str, entity_id: str,
    data: dict[str, Any], prev_hash: str,
) -> str:
    """SHA-256 over a canonical JSON of the record and the previous record's hash."""
    body = json.dumps(
        {
            "seq": seq,
            "at": at.isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "data": data,
            "prev": prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    records: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify_chain(records: Iterable[AuditRecord]) -> ChainCheck:
    """Walk the chain in order; the first record whose link or hash does not match is reported."""
    prev = GENESIS
    count = 0
    expected_seq = 1
    for rec in records:
        count += 1
        if rec.seq != expected_seq:
            return ChainCheck(False, count, rec.seq, f"expected seq {expected_seq}, found {rec.seq}")
        if rec.prev_hash != prev:
            return ChainCheck(False, count, rec.seq, "link to the previous record is broken")
        computed = record_hash(
            seq=rec.seq, at=rec.at, actor=rec.actor, action=rec.action, entity=rec.entity,
            entity_id=rec.entity_id, data=rec.data, prev_hash=rec.prev_hash,
        )
        if computed != rec.hash:
            return ChainCheck(False, count, rec.seq, "record content does not match its hash")
        prev = rec.hash
        expected_seq += 1
    return ChainCheck(True, count)
