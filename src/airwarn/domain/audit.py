"""The audit chain: records linked by a keyed MAC (HMAC-SHA256) whose key is not in the database, the
digests that bind table rows to the records that produced them, and the signed head receivers keep.

A record's *content hash* covers only the record itself, so it can be computed inside the writing
transaction; its *link* (`hash`) is HMAC(key, previous link, content hash) and can equally be computed
after commit, in sequence order, by one chainer (see docs/audit.md). Records written before keys existed
(`key_id` None) were chained with plain SHA-256 and are accepted only as a prefix of the log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

GENESIS = "0" * 64
#: Bytes in a freshly made audit MAC key.
KEY_BYTES = 32
_DOMAIN = b"airwarn-audit-v2\n"
_CONTENT_DOMAIN = b"airwarn-audit-content-v1\n"
#: The record the chainer links in place of a sequence number whose transaction never committed.
GAP_ACTION = "audit.gap"
GAP_ACTOR = "system:chainer"


@dataclass(frozen=True)
class AuditKey:
    """The secret that links the chain; kept beside the authority key, never in the database."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) < 16:
            raise ValueError("an audit key needs at least 16 bytes")

    @property
    def key_id(self) -> str:
        """A public name for the key (16 hex digits), so a verifier knows which key a record needs."""
        return hashlib.sha256(b"airwarn-audit-key-id\n" + self.secret).hexdigest()[:16]


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
    #: "table/key" → digest of that row as this record's transaction left it (None: the row was deleted).
    state: dict[str, str | None] = field(default_factory=dict)
    key_id: str | None = None
    #: HMAC of the content alone (see `content_mac`); None on records written before it existed.
    content_mac: str | None = None


def canonical(value: Any) -> bytes:
    """The one JSON encoding hashed everywhere: sorted keys, no spaces, UTF-8, times in ISO 8601."""
    return _CANONICAL.encode(plain(value)).encode()


_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def plain(value: Any) -> Any:
    """Values as JSON-able, backend-independent data (times as UTC ISO with microseconds)."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is dict:  # the common containers by exact type first: the same result, fewer checks
        return {k if type(k) is str else str(k): v if type(v) in _AS_IS else plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [v if type(v) in _AS_IS else plain(v) for v in value]
    if isinstance(value, datetime):
        aware = value.astimezone(UTC) if value.tzinfo is not None else value
        return aware.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


#: Types `plain` returns unchanged (exactly these; subclasses such as enums take the general path).
_AS_IS = frozenset({str, int, float, bool, type(None)})


def row_digest(table: str, values: Mapping[str, Any]) -> str:
    """SHA-256 of one table row's every column, as stored."""
    return hashlib.sha256(table.encode() + b"\n" + canonical(values)).hexdigest()


def content_hash(
    *, seq: int, at: datetime, actor: str, action: str, entity: str, entity_id: str, data: dict[str, Any],
    state: Mapping[str, str | None],
) -> str:
    """SHA-256 of the record alone (no link): computable before the previous record is known."""
    return hashlib.sha256(canonical({
        "seq": seq, "at": at, "actor": actor, "action": action, "entity": entity, "entity_id": entity_id,
        "data": data, "state": dict(state),
    })).hexdigest()


def link(key: AuditKey, prev: str, content: str) -> str:
    """The chain link: HMAC-SHA256 over the previous link and this record's content hash."""
    return hmac.new(key.secret, _DOMAIN + prev.encode() + b"\n" + content.encode(), hashlib.sha256).hexdigest()


def content_of(record: AuditRecord) -> str:
    """The content hash of a record as stored."""
    return content_hash(seq=record.seq, at=record.at, actor=record.actor, action=record.action,
                        entity=record.entity, entity_id=record.entity_id, data=record.data, state=record.state)


def content_mac(key: AuditKey, record: AuditRecord, content: str | None = None) -> str:
    """HMAC of the record's content alone (`content`: its content hash, if already computed), made by the
    writing transaction: the chainer links a committed record only when this matches, so a row inserted or
    edited in the database before it is linked is never blessed by the chain."""
    digest = content if content is not None else content_of(record)
    return hmac.new(key.secret, _CONTENT_DOMAIN + digest.encode(), hashlib.sha256).hexdigest()


def gap_record(seq: int, at: datetime) -> AuditRecord:
    """The record that stands for sequence number `seq`, drawn by a transaction that never committed."""
    return AuditRecord(seq, at, GAP_ACTOR, GAP_ACTION, "audit", str(seq),
                       {"reason": "the transaction that drew this number did not commit"}, "", "")


def seal(key: AuditKey, record: AuditRecord, prev: str, content: str | None = None) -> AuditRecord:
    """`record` linked after `prev` with `key` (`content`: its content hash, if already computed)."""
    content = content if content is not None else content_of(record)
    return AuditRecord(record.seq, record.at, record.actor, record.action, record.entity, record.entity_id,
                       record.data, prev, link(key, prev, content), dict(record.state), key.key_id,
                       record.content_mac)


def record_hash(
    *, seq: int, at: datetime, actor: str, action: str, entity: str, entity_id: str,
    data: dict[str, Any], prev_hash: str,
) -> str:
    """Legacy (pre-key) records: plain SHA-256 over the record and the previous hash."""
    body = json.dumps(
        {"seq": seq, "at": at.isoformat(timespec="microseconds"), "actor": actor, "action": action,
         "entity": entity, "entity_id": entity_id, "data": data, "prev": prev_hash},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class AuditHead:
    """The newest record's seq and link at a time, as the authority signs and publishes it."""

    seq: int
    hash: str
    at: datetime
    key_id: str
    cert_sha256: str

    def payload(self) -> bytes:
        """The exact bytes the authority signs."""
        return canonical({"seq": self.seq, "hash": self.hash, "at": self.at, "key_id": self.key_id,
                          "cert_sha256": self.cert_sha256})


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    records: int
    first_bad_seq: int | None = None
    problem: str = ""
    #: Every finding, including table rows that differ from their audited state.
    problems: list[str] = field(default_factory=list)
    #: Sequence numbers the chain records as gaps (drawn by transactions that rolled back).
    gaps: list[int] = field(default_factory=list)
    #: Committed records the chainer has not linked yet (checked by their content MAC, not yet by a link).
    unlinked: list[int] = field(default_factory=list)


def _fail(count: int, seq: int | None, problem: str) -> ChainCheck:
    return ChainCheck(False, count, seq, problem, [problem])


def verify_chain(records: Iterable[AuditRecord], key: AuditKey | None = None,
                 head: AuditHead | None = None) -> ChainCheck:
    """Walk the chain in order: seq, link and MAC of each record; then the saved `head` (if any) must be
    a record of it, unchanged. Without `key`, keyed records cannot be checked and that is a failure."""
    prev = GENESIS
    count = 0
    expected_seq = 1
    keyed = False
    at_head: AuditRecord | None = None
    gaps: list[int] = []
    for rec in records:
        count += 1
        if rec.seq != expected_seq:
            return _fail(count, rec.seq, f"record {expected_seq} is missing (the next one is {rec.seq})")
        if rec.prev_hash != prev:
            return _fail(count, rec.seq, f"record {rec.seq}: the link to record {rec.seq - 1} is broken")
        if rec.key_id is None:
            if keyed:
                return _fail(count, rec.seq, f"record {rec.seq} carries no MAC after keyed records")
            if record_hash(seq=rec.seq, at=rec.at, actor=rec.actor, action=rec.action, entity=rec.entity,
                           entity_id=rec.entity_id, data=rec.data, prev_hash=rec.prev_hash) != rec.hash:
                return _fail(count, rec.seq, f"record {rec.seq} ({rec.action}) does not match its hash")
        else:
            keyed = True
            if key is None:
                return _fail(count, rec.seq, "the audit key is needed to check keyed records")
            if rec.key_id != key.key_id:
                return _fail(count, rec.seq, f"record {rec.seq} was linked with key {rec.key_id}, "
                                             f"not this deployment's key {key.key_id}")
            if seal(key, rec, prev).hash != rec.hash:
                return _fail(count, rec.seq, f"record {rec.seq} ({rec.action} {rec.entity} {rec.entity_id}) "
                                             "does not match its MAC: rewritten")
        if head is not None and rec.seq == head.seq:
            at_head = rec
        if rec.action == GAP_ACTION and rec.actor == GAP_ACTOR:
            gaps.append(rec.seq)
        prev = rec.hash
        expected_seq += 1
    if head is not None and head.seq > 0:
        if at_head is None:
            return _fail(count, head.seq, f"records removed from the tail: the saved head names record "
                                              f"{head.seq}, the log ends at {expected_seq - 1}")
        if at_head.hash != head.hash:
            return _fail(count, head.seq, f"record {head.seq} differs from the saved head")
    return ChainCheck(True, count, gaps=gaps)


def check_unlinked(records: Iterable[AuditRecord], key: AuditKey | None, linked_to: int) -> list[str]:
    """Problems with committed records still waiting for the chainer: each must come after the linked head
    (`linked_to`) and carry the content MAC its writer made (else it was inserted or edited in the database)."""
    problems = []
    for rec in records:
        if rec.seq <= linked_to:
            problems.append(f"record {rec.seq} is unlinked below the chained head {linked_to}")
        elif key is None:
            problems.append("the audit key is needed to check unlinked records")
            break
        elif rec.content_mac is None or not hmac.compare_digest(rec.content_mac, content_mac(key, rec)):
            problems.append(f"record {rec.seq} ({rec.action} {rec.entity} {rec.entity_id}) is not linked yet "
                            "and does not match its content MAC: inserted or rewritten")
    return problems


def latest_state(records: Iterable[AuditRecord]) -> dict[str, tuple[str | None, int]]:
    """"table/key" → (newest audited digest, seq of the record that carries it)."""
    out: dict[str, tuple[str | None, int]] = {}
    for rec in records:
        for row, digest in rec.state.items():
            out[row] = (digest, rec.seq)
    return out


def compare_rows(audited: Mapping[str, tuple[str | None, int]], current: Mapping[str, str],
                 tables: Iterable[str]) -> list[str]:
    """Rows of the covered `tables` whose stored content differs from what the audit last recorded."""
    covered = set(tables)
    problems = []
    for row, now in sorted(current.items()):
        found = audited.get(row)
        if found is None:
            problems.append(f"{row}: row is not in the audit (written behind the application's back)")
        elif found[0] != now:
            problems.append(f"{row}: row differs from its state audited at record {found[1]} "
                            "(edited behind the application's back)")
    for row, (was, seq) in sorted(audited.items()):
        if row.split("/", 1)[0] in covered and was is not None and row not in current:
            problems.append(f"{row}: row audited at record {seq} is missing (deleted)")
    return problems
