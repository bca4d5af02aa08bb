"""The audit log in the database: records buffered during a transaction and sealed just before it commits.

A write transaction appends records and marks the covered rows it touched (alerts, regimes, measures,
approvals). Right before commit, `AuditWriter.flush` reads those rows back, binds their digests to the
transaction's records and links each record into the MAC chain. Should a later edit of a row bypass the
application, `airwarn audit verify` finds that the row no longer matches its newest audited digest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, event, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.sql.dml import UpdateBase

from airwarn.domain.audit import GENESIS, AuditKey, AuditRecord, plain, row_digest, seal
from airwarn.errors import ConfigError
from airwarn.store import tables as t
from airwarn.store.rows import aware

#: Tables whose every row is bound to the audit; "approvals" joins when a migration creates it.
COVERED = ("alerts", "regimes", "measures", "approvals")
#: Audit entity names of the records that describe a covered table's rows.
_ENTITY_TABLE = {"alert": "alerts", "regime": "regimes", "measure": "measures", "approval": "approvals"}

_LAST = select(t.audit_log.c.seq, t.audit_log.c.hash).order_by(t.audit_log.c.seq.desc()).limit(1)


def covered_tables() -> dict[str, Table]:
    """The covered tables this schema has."""
    return {name: t.metadata.tables[name] for name in COVERED if name in t.metadata.tables}


def row_ref(table: str, key: Any) -> str:
    """"table/key" — how the audit names one row (a composite key joins its parts with ',')."""
    parts = key if isinstance(key, tuple) else (key,)
    return f"{table}/{','.join(str(p) for p in parts)}"


def _digest(table: Table, row: Any) -> str:
    return row_digest(table.name, {k: plain(v) for k, v in dict(row).items()})


@dataclass
class _Pending:
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    data: dict[str, Any]


_WRITTEN = "airwarn_covered_written"


def _noted(conn: Connection, clause: Any, *_args: Any) -> None:
    written = conn.info.get(_WRITTEN)
    if written is not None and isinstance(clause, UpdateBase):
        name = getattr(clause.table, "name", None)
        if name in COVERED:
            written.add(name)


def watch_writes(engine: Engine) -> None:
    """Note, per connection, which covered tables an INSERT/UPDATE/DELETE statement wrote (once per engine),
    so that `flush` can refuse a transaction that changed one without marking its rows."""
    if not event.contains(engine, "after_execute", _noted):
        event.listen(engine, "after_execute", _noted)


class AuditWriter:
    """One transaction's audit records and touched rows, sealed into the chain by `flush`."""

    def __init__(self, conn: Connection, key: AuditKey | None) -> None:
        self.conn = conn
        self.key = key
        self.pending: list[_Pending] = []
        self.touched: dict[str, tuple[Table, tuple[Any, ...]]] = {}
        self.written: set[str] = set()
        conn.info[_WRITTEN] = self.written

    def append(self, *, at: datetime, actor: str, action: str, entity: str, entity_id: str,
               data: dict[str, Any]) -> None:
        self.pending.append(_Pending(at, actor, action, entity, str(entity_id), plain(data)))

    def touch(self, table: str, *keys: Any) -> None:
        """Mark rows of a covered table (by primary key) as changed in this transaction."""
        found = covered_tables().get(table)
        if found is None:
            return
        width = len(found.primary_key.columns)
        for key in keys:
            parts = key if isinstance(key, tuple) else (key,)
            if width > 1 and len(parts) == 1 and isinstance(parts[0], str):  # "a,b" as row_ref writes it
                parts = tuple(parts[0].split(",", width - 1))
            self.touched[row_ref(table, key)] = (found, parts)

    def flush(self, now: datetime) -> list[AuditRecord]:
        """Bind touched rows to the records and link the records into the chain (before commit)."""
        self.conn.info[_WRITTEN] = None
        unmarked = self.written - {table.name for table, _ in self.touched.values()}
        if unmarked:
            raise RuntimeError(f"this transaction wrote {', '.join(sorted(unmarked))} without marking the rows "
                               "for the audit: call Repository.touch(table, key) after each write")
        if not self.pending and not self.touched:
            return []
        if self.key is None:
            raise ConfigError("this store has no audit key, so it cannot write audit records: "
                              "load it from AIRWARN_KEYS_DIR (`airwarn keys init` creates it)")
        if not self.pending:  # a covered row changed with no record saying why: record that it did
            self.pending.append(_Pending(now, "system", "state.recorded", "state", "-", {}))
        states: list[dict[str, str | None]] = [{} for _ in self.pending]
        for ref, (table, parts) in self.touched.items():
            pk = list(table.primary_key.columns)
            row = self.conn.execute(
                select(table).where(*[c == v for c, v in zip(pk, parts, strict=True)])
            ).mappings().first()
            digest = _digest(table, row) if row is not None else None
            states[self._owner(table.name, parts)][ref] = digest
        last = self.conn.execute(_LAST).first()
        seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
        out = []
        for p, state in zip(self.pending, states, strict=True):
            record = seal(self.key, AuditRecord(seq, p.at, p.actor, p.action, p.entity, p.entity_id, p.data,
                                                prev, "", state), prev)
            self.conn.execute(insert(t.audit_log), dict(
                seq=record.seq, at=record.at, actor=record.actor, action=record.action, entity=record.entity,
                entity_id=record.entity_id, data=record.data, prev_hash=record.prev_hash, hash=record.hash,
                state=record.state, key_id=record.key_id,
            ))
            out.append(record)
            seq, prev = seq + 1, record.hash
        self.pending, self.touched = [], {}
        return out

    def _owner(self, table: str, parts: tuple[Any, ...]) -> int:
        """The index of the transaction's last record about this row, else its last record."""
        entity_id = ",".join(str(p) for p in parts)
        for i in range(len(self.pending) - 1, -1, -1):
            p = self.pending[i]
            if _ENTITY_TABLE.get(p.entity) == table and p.entity_id == entity_id:
                return i
        return len(self.pending) - 1


def read_records(conn: Connection, *, after_seq: int = 0, limit: int | None = None) -> Iterator[AuditRecord]:
    """Records in seq order."""
    q = select(t.audit_log).where(t.audit_log.c.seq > after_seq).order_by(t.audit_log.c.seq)
    if limit is not None:
        q = q.limit(limit)
    for r in conn.execute(q).mappings():
        at = aware(r["at"])
        assert at is not None
        yield AuditRecord(r["seq"], at, r["actor"], r["action"], r["entity"], r["entity_id"], r["data"],
                          r["prev_hash"], r["hash"], dict(r["state"] or {}), r["key_id"])


def last_record(conn: Connection) -> AuditRecord | None:
    """The newest record, or None for an empty log."""
    row = conn.execute(select(t.audit_log.c.seq).order_by(t.audit_log.c.seq.desc()).limit(1)).first()
    if row is None:
        return None
    return next(read_records(conn, after_seq=row.seq - 1, limit=1), None)


def current_rows(conn: Connection) -> dict[str, str]:
    """"table/key" → digest of every row of every covered table, as stored now."""
    out: dict[str, str] = {}
    for name, table in covered_tables().items():
        pk = list(table.primary_key.columns)
        for row in conn.execute(select(table)).mappings():
            key = tuple(row[c.name] for c in pk)
            out[row_ref(name, key if len(key) > 1 else key[0])] = _digest(table, row)
    return out

