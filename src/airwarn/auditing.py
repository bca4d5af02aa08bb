"""Audit use cases: sign the chain's head, read a saved head, verify the chain and the covered tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from airwarn.cap.signing import verify_bytes
from airwarn.domain.audit import (
    GENESIS,
    AuditHead,
    AuditRecord,
    ChainCheck,
    check_unlinked,
    compare_rows,
    latest_state,
    verify_chain,
)
from airwarn.errors import ConfigError, InvalidInput
from airwarn.service_layer.deps import Deps
from airwarn.store.audit_store import covered_tables, current_rows, last_record, unlinked_records
from airwarn.store.uow import UnitOfWork


@dataclass(frozen=True)
class SignedHead:
    """An audit head and the authority's signature over `head.payload()`."""

    head: AuditHead
    signature: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.head.seq, "hash": self.head.hash, "at": self.head.at.isoformat(),
                "key_id": self.head.key_id, "cert_sha256": self.head.cert_sha256, "signature": self.signature,
                "alg": "RSA-SHA256"}


def cert_sha256(cert_pem: bytes) -> str:
    """SHA-256 fingerprint (hex) of the DER certificate, as `/api/v1/authority.pem` serves it."""
    return x509.load_pem_x509_certificate(cert_pem).fingerprint(hashes.SHA256()).hex()


def sign_head(deps: Deps) -> SignedHead:
    """The newest record's seq and link, signed now with the authority key."""
    if deps.sign_head is None or deps.uow.audit_key is None or not deps.certificate_pem:
        raise ConfigError("this node holds no authority key and audit key to sign the audit head with")
    with deps.uow.read() as repo:
        last = last_record(repo.conn)
    head = AuditHead(seq=last.seq if last else 0, hash=last.hash if last else GENESIS, at=deps.clock(),
                     key_id=deps.uow.audit_key.key_id, cert_sha256=cert_sha256(deps.certificate_pem))
    return SignedHead(head, deps.sign_head(head.payload()))


def parse_head(raw: bytes | str, *, where: str = "head") -> SignedHead:
    """A head as `GET /api/v1/audit/head` returns it; InvalidInput naming the field if malformed."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{where} is not JSON: {exc}", field=where) from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{where} must be a JSON object", field=where)
    try:
        seq, digest, at = data["seq"], data["hash"], datetime.fromisoformat(data["at"])
        key_id, cert, signature = data["key_id"], data["cert_sha256"], data["signature"]
    except KeyError as exc:
        raise InvalidInput(f"{where} lacks {exc.args[0]!r}", field=f"{where}.{exc.args[0]}") from None
    except (TypeError, ValueError):
        raise InvalidInput(f"{where}.at is not an ISO 8601 time", field=f"{where}.at") from None
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise InvalidInput(f"{where}.seq must be a whole number ≥ 0", field=f"{where}.seq")
    for name, value in (("hash", digest), ("key_id", key_id), ("cert_sha256", cert), ("signature", signature)):
        if not isinstance(value, str) or not value:
            raise InvalidInput(f"{where}.{name} must be a non-empty string", field=f"{where}.{name}")
    return SignedHead(AuditHead(seq, digest, at, key_id, cert), signature)


def check_head_signature(signed: SignedHead, cert_pem: bytes) -> str | None:
    """None when the head is signed by this certificate's key, else what is wrong."""
    if signed.head.cert_sha256 != cert_sha256(cert_pem):
        return "the saved head names another authority certificate"
    if not verify_bytes(signed.head.payload(), signed.signature, cert_pem):
        return "the saved head's signature does not verify against the authority certificate"
    return None


def verify(deps: Deps, head: SignedHead | None = None, cert_pem: bytes | None = None) -> ChainCheck:
    """Check the chain's links and MACs, a saved signed `head` (no records removed from the tail, none
    rewritten up to it), and that every covered table row equals its newest audited state.

    Committed records the chainer has not linked yet (PostgreSQL, normally for milliseconds) are not part of
    the chain: each must follow the linked head and match its content MAC, their row digests count for the
    table check, and `unlinked` lists them."""
    if head is not None:
        problem = check_head_signature(head, cert_pem or deps.certificate_pem)
        if problem:
            return ChainCheck(False, 0, None, problem, [problem])
    with deps.uow.read(snapshot=True) as repo:  # the log and the tables as of one moment
        rows = current_rows(repo.conn)
        audited: dict[str, tuple[str | None, int]] = {}

        def walk() -> Iterator[AuditRecord]:
            for record in repo.audit():
                audited.update(latest_state([record]))
                yield record

        check = verify_chain(walk(), deps.uow.audit_key, head.head if head else None)
        pending = list(unlinked_records(repo.conn)) if check.ok else []
    if not check.ok:
        return check
    problems = check_unlinked(pending, deps.uow.audit_key, check.records)
    audited.update(latest_state(pending))
    problems += compare_rows(audited, rows, covered_tables())
    unlinked = [r.seq for r in pending]
    if problems:
        return ChainCheck(False, check.records, None, problems[0], problems, check.gaps, unlinked)
    return replace(check, unlinked=unlinked)


def read_head_file(path: Path) -> SignedHead:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    return parse_head(raw, where=str(path))


def seal_legacy(uow: UnitOfWork, actor: str = "system:upgrade") -> bool:
    """A database audited before keys existed: link its plain-hash log into the keyed chain with one
    record that binds every covered row as it stands now (the state at upgrade is taken as audited).
    Returns whether it did; a log that is empty or already keyed is left alone."""
    with uow.write() as repo:
        last = last_record(repo.conn)
        if last is None or last.key_id is not None:
            return False
        rows = current_rows(repo.conn)
        for ref in rows:
            table, _, key = ref.partition("/")
            repo.touch(table, key)
        repo.append_audit(at=datetime.now(UTC), actor=actor, action="audit.keyed", entity="audit",
                          entity_id=str(last.seq), data={"legacy_records": last.seq, "rows": len(rows)})
    return True
