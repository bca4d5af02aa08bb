"""The audit log in the database: records buffered during a transaction and stored just before it commits.

A write transaction appends records and marks the covered rows it touched (alerts, regimes, measures,
approvals). Right before commit, `AuditWriter.flush` reads those rows back and binds their digests to the
transaction's records. On SQLite (one writer) it also links them into the MAC chain; on PostgreSQL it gives
them numbers from the `audit_seq` sequence and stores them unlinked, with their content MAC, and the
chainer (store/audit_chainer.py) links them after commit in sequence order — so writers never wait for
each other to read "the newest record". Should a later edit of a row bypass the application,
`airwarn audit verify` finds that the row no longer matches its newest audited digest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, Table, bindparam, event, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.sql import operators
from sqlalchemy.sql.dml import Insert, Update, UpdateBase
from sqlalchemy.sql.elements import BinaryExpression, BindParameter

from airwarn.domain.audit import (
    GENESIS,
    AuditKey,
    AuditRecord,
    content_mac,
    content_of,
    plain,
    row_digest,
    seal,
)
from airwarn.errors import ConfigError
from airwarn.store import tables as t
from airwarn.store.lock_keys import WRITE_LOCK_KEY
from airwarn.store.rows import aware

#: Tables whose every row is bound to the audit; "approvals" joins when a migration creates it.
COVERED = ("alerts", "regimes", "measures", "approvals")
#: Audit entity names of the records that describe a covered table's rows.
_ENTITY_TABLE = {"alert": "alerts", "regime": "regimes", "measure": "measures", "approval": "approvals"}

_LAST = select(t.audit_log.c.seq, t.audit_log.c.hash).order_by(t.audit_log.c.seq.desc()).limit(1)
#: PostgreSQL: n record numbers, drawn only while the transaction holds the write lock key (shared; a unit of
#: work holds it already) and has an xid — both filters run before the projection draws — so the chainer can
#: tell which transactions may still commit a number (audit_chainer.Chainer._settle).
_DRAW = text("SELECT nextval('audit_seq') AS seq FROM generate_series(1, :n) "
             "WHERE pg_current_xact_id() IS NOT NULL "
             f"AND pg_advisory_xact_lock_shared({WRITE_LOCK_KEY}) IS NOT NULL")
#: The same, drawing nothing if a region's version is no longer the one an optimistic write read: the
#: write is decided again and no number is lost to a gap (one statement for the check and the draw).
_DRAW_UNMOVED = text(_DRAW.text + " AND (SELECT version FROM region_versions WHERE region = :region) "
                     "IS NOT DISTINCT FROM CAST(:seen AS bigint)")


class VersionMoved(Exception):
    """The guarded region's version moved before the records were numbered: nothing was drawn."""


def covered_tables() -> dict[str, Table]:
    """The covered tables this schema has."""
    return {name: t.metadata.tables[name] for name in COVERED if name in t.metadata.tables}


def row_ref(table: str, key: Any) -> str:
    """"table/key" — how the audit names one row (a composite key joins its parts with ',')."""
    parts = key if isinstance(key, tuple) else (key,)
    return f"{table}/{','.join(str(p) for p in parts)}"


def _digest(table: Table, row: Any) -> str:
    return row_digest(table.name, dict(row))  # row_digest makes the values plain


@cache
def _rows_by_key(table: Table) -> Select[Any]:
    """Rows of a table keyed by one column, by a list of keys (one statement, compiled once)."""
    column = next(iter(table.primary_key.columns))
    return select(table).where(column.in_(bindparam("keys", expanding=True)))


@dataclass
class _Pending:
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    data: dict[str, Any]


_WRITER = "airwarn_audit_writer"


def _param_sets(multiparams: Any, params: Any) -> list[dict[str, Any]]:
    if multiparams:
        first = multiparams[0] if len(multiparams) == 1 else multiparams
        if isinstance(first, dict):
            return [first]
        if isinstance(first, (list, tuple)) and all(isinstance(p, dict) for p in first):
            return list(first)
    return [dict(params or {})]


def _mark(conn: Connection, clauseelement: Any, multiparams: Any, params: Any, execution_options: Any) -> None:
    """Before an INSERT/UPDATE/DELETE on a covered table runs inside a unit of work, mark the rows it
    writes: an INSERT's keys come from its values, an UPDATE's or DELETE's from its WHERE clause."""
    clause = clauseelement
    writer = conn.info.get(_WRITER)
    if writer is None or not isinstance(clause, UpdateBase):
        return
    table = covered_tables().get(getattr(clause.table, "name", ""))
    if table is None:
        return
    pk = list(table.primary_key.columns)
    for values in _param_sets(multiparams, params):
        if isinstance(clause, Insert):
            if _plain_insert(clause) and all(c.key in values for c in pk):
                bound = values  # the keys are in the parameters: no need to compile the statement
            else:
                bound = {**clause.compile().params, **values}
            writer.touch(table.name, tuple(bound.get(c.key) for c in pk))
        elif isinstance(clause, Update) and (keys := _keys_by_pk(clause, pk, values)) is not None:
            writer.touch_if_exists(table.name, *keys)
        else:
            where = getattr(clause, "whereclause", None)
            query = select(*pk) if where is None else select(*pk).where(where)
            used = {k: v for k, v in values.items() if k in query.compile().params}
            for row in conn.execute(query, used):
                writer.touch(table.name, tuple(row))


_UNKNOWN = object()


def _plain_insert(clause: Insert) -> bool:
    """An `insert(table)` whose values all come with the parameters (no `.values()`, no SELECT)."""
    # SQLAlchemy's own attributes, read defensively: should they change, every INSERT takes the compiling path
    values, multi, query = (getattr(clause, name, _UNKNOWN) for name in ("_values", "_multi_values", "select"))
    return values is None and multi == () and query is None


def _keys_by_pk(clause: Update, pk: list[Any], values: dict[str, Any]) -> list[Any] | None:
    """The keys an UPDATE names by `pk == value` or `pk IN (values)` alone, read from the statement (no
    SELECT); None for any other WHERE clause. Those rows count as written only if they exist at flush,
    just as the SELECT would have found only existing rows."""
    where = clause.whereclause
    if len(pk) != 1 or not isinstance(where, BinaryExpression) or where.left is not pk[0]:
        return None
    bound = where.right
    if not isinstance(bound, BindParameter) or bound.callable is not None:
        return None
    value = values.get(bound.key, bound.value)
    if where.operator is operators.eq and not bound.expanding:
        return None if value is None else [value]
    if where.operator is operators.in_op and bound.expanding and isinstance(value, (list, tuple)):
        return list(value)
    return None


def watch_writes(engine: Engine) -> None:
    """Have every unit of work on `engine` mark the covered rows its statements write (registered once)."""
    if not event.contains(engine, "before_execute", _mark):
        event.listen(engine, "before_execute", _mark)


class AuditWriter:
    """One transaction's audit records and touched rows, sealed into the chain by `flush`.

    While it is open, every Core INSERT/UPDATE/DELETE on a covered table through its connection marks the
    rows it writes (see `watch_writes`); `touch` marks rows written some other way (text SQL)."""

    def __init__(self, conn: Connection, key: AuditKey | None) -> None:
        self.conn = conn
        self.key = key
        self.pending: list[_Pending] = []
        self.touched: dict[str, tuple[Table, tuple[Any, ...]]] = {}
        #: Touched rows that count only if they exist at flush (see `touch_if_exists`).
        self._if_exists: set[str] = set()
        #: Whether this transaction drew record numbers (PostgreSQL): the chainer should run after it ends.
        self.drew = False
        conn.info[_WRITER] = self

    def close(self) -> None:
        """Stop marking: the transaction is over (the connection goes back to the pool)."""
        if self.conn.info.get(_WRITER) is self:
            del self.conn.info[_WRITER]

    def append(self, *, at: datetime, actor: str, action: str, entity: str, entity_id: str,
               data: dict[str, Any]) -> None:
        self.pending.append(_Pending(at, actor, action, entity, str(entity_id), plain(data)))

    def touch(self, table: str, *keys: Any) -> None:
        """Mark rows of a covered table (by primary key) as changed in this transaction."""
        for ref, found, parts in self._refs(table, keys):
            self.touched[ref] = (found, parts)
            self._if_exists.discard(ref)

    def touch_if_exists(self, table: str, *keys: Any) -> None:
        """Mark rows that an UPDATE named by key: bound to the audit if they exist when it is flushed (an
        UPDATE of no row writes nothing), unless something else marks them too."""
        for ref, found, parts in self._refs(table, keys):
            if ref not in self.touched:
                self.touched[ref] = (found, parts)
                self._if_exists.add(ref)

    @staticmethod
    def _refs(table: str, keys: tuple[Any, ...]) -> Iterator[tuple[str, Table, tuple[Any, ...]]]:
        found = covered_tables().get(table)
        if found is None:
            return
        width = len(found.primary_key.columns)
        for key in keys:
            parts = key if isinstance(key, tuple) else (key,)
            if width > 1 and len(parts) == 1 and isinstance(parts[0], str):  # "a,b" as row_ref writes it
                parts = tuple(parts[0].split(",", width - 1))
            yield row_ref(table, key), found, parts

    def flush(self, now: datetime, *, unmoved: tuple[str, int | None] | None = None) -> list[AuditRecord]:
        """Bind touched rows to the records and store them (before commit): linked on SQLite, unlinked with
        sequence numbers on PostgreSQL (the chainer links them after commit). `unmoved` (PostgreSQL): the
        (region, version) an optimistic write read; VersionMoved, with no number drawn, if it moved."""
        self.close()
        if not self.pending and not self.touched:
            return []
        digests = self._digests()
        touched = [(ref, table, parts) for ref, (table, parts) in self.touched.items()
                   if ref not in self._if_exists or digests[ref] is not None]
        if not self.pending and not touched:
            return []
        if self.key is None:
            raise ConfigError("this store has no audit key, so it cannot write audit records: "
                              "load it from AIRWARN_KEYS_DIR (`airwarn keys init` creates it)")
        if not self.pending:  # a covered row changed with no record saying why: record that it did
            self.pending.append(_Pending(now, "system", "state.recorded", "state", "-", {}))
        states: list[dict[str, str | None]] = [{} for _ in self.pending]
        for ref, table, parts in touched:
            states[self._owner(table.name, parts)][ref] = digests[ref]
        if self.conn.dialect.name == "postgresql":
            out = self._store_unlinked(self.key, states, unmoved)
        else:
            out = self._store_linked(self.key, states)
        self.pending, self.touched, self._if_exists = [], {}, set()
        return out

    def _digests(self) -> dict[str, str | None]:
        """"table/key" → digest of each touched row as it stands now (None: there is no such row); one
        SELECT per table for tables keyed by one column."""
        out: dict[str, str | None] = dict.fromkeys(self.touched)
        by_table: dict[str, tuple[Table, list[Any]]] = {}
        for ref, (table, parts) in self.touched.items():
            pk = list(table.primary_key.columns)
            if len(pk) == 1:
                by_table.setdefault(table.name, (table, []))[1].append(parts[0])
                continue
            row = self.conn.execute(
                select(table).where(*[c == v for c, v in zip(pk, parts, strict=True)])
            ).mappings().first()
            out[ref] = _digest(table, row) if row is not None else None
        for name, (table, keys) in by_table.items():
            column = next(iter(table.primary_key.columns))
            for row in self.conn.execute(_rows_by_key(table), {"keys": keys}).mappings():
                ref = row_ref(name, row[column.name])
                if ref in out:
                    out[ref] = _digest(table, row)
        return out

    def _records(self, key: AuditKey, seqs: list[int],
                 states: list[dict[str, str | None]]) -> list[tuple[AuditRecord, str]]:
        """The records with their numbers and content MACs, each beside its content hash."""
        out = []
        for seq, p, state in zip(seqs, self.pending, states, strict=True):
            record = AuditRecord(seq, p.at, p.actor, p.action, p.entity, p.entity_id, p.data, "", "", state,
                                 key.key_id)
            content = content_of(record)
            out.append((replace(record, content_mac=content_mac(key, record, content)), content))
        return out

    def _store_unlinked(self, key: AuditKey, states: list[dict[str, str | None]],
                        unmoved: tuple[str, int | None] | None) -> list[AuditRecord]:
        """PostgreSQL: numbers from the sequence, no link; the chainer links them after commit."""
        if unmoved is None:
            drawn = self.conn.execute(_DRAW, {"n": len(self.pending)})
        else:
            drawn = self.conn.execute(_DRAW_UNMOVED, {"n": len(self.pending), "region": unmoved[0],
                                                      "seen": unmoved[1]})
        seqs = sorted(r.seq for r in drawn)
        if not seqs and unmoved is not None:  # the guard held the numbers back
            raise VersionMoved(unmoved[0])
        self.drew = True
        out = [record for record, _ in self._records(key, seqs, states)]
        self.conn.execute(insert(t.audit_log), [_row(r, linked=False) for r in out])
        return out

    def _store_linked(self, key: AuditKey, states: list[dict[str, str | None]]) -> list[AuditRecord]:
        """SQLite: its one writer makes "the newest record" safe to read, so the records are linked here."""
        last = self.conn.execute(_LAST).first()
        first, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
        out = []
        for record, content in self._records(key, list(range(first, first + len(self.pending))), states):
            record = seal(key, record, prev, content)
            out.append(record)
            prev = record.hash
        self.conn.execute(insert(t.audit_log), [_row(r, linked=True) for r in out])
        return out

    def _owner(self, table: str, parts: tuple[Any, ...]) -> int:
        """The index of the transaction's last record about this row, else its last record."""
        entity_id = ",".join(str(p) for p in parts)
        for i in range(len(self.pending) - 1, -1, -1):
            p = self.pending[i]
            if _ENTITY_TABLE.get(p.entity) == table and p.entity_id == entity_id:
                return i
        return len(self.pending) - 1


def _row(record: AuditRecord, *, linked: bool) -> dict[str, Any]:
    return dict(seq=record.seq, at=record.at, actor=record.actor, action=record.action, entity=record.entity,
                entity_id=record.entity_id, data=record.data, prev_hash=record.prev_hash if linked else None,
                hash=record.hash if linked else None, state=record.state, key_id=record.key_id,
                content_mac=record.content_mac)


def record_from_row(r: Any) -> AuditRecord:
    """An audit_log row as a record (an unlinked one has "" as its links)."""
    at = aware(r["at"])
    assert at is not None
    return AuditRecord(r["seq"], at, r["actor"], r["action"], r["entity"], r["entity_id"], r["data"],
                       r["prev_hash"] or "", r["hash"] or "", dict(r["state"] or {}), r["key_id"],
                       r["content_mac"])


def read_records(conn: Connection, *, after_seq: int = 0, limit: int | None = None) -> Iterator[AuditRecord]:
    """Linked records in seq order: the chain as verify, the signed head and the API see it."""
    q = (select(t.audit_log).where(t.audit_log.c.seq > after_seq, t.audit_log.c.hash.is_not(None))
         .order_by(t.audit_log.c.seq))
    if limit is not None:
        q = q.limit(limit)
    for r in conn.execute(q).mappings():
        yield record_from_row(r)


def unlinked_records(conn: Connection) -> Iterator[AuditRecord]:
    """Committed records the chainer has not linked yet, in seq order."""
    q = select(t.audit_log).where(t.audit_log.c.hash.is_(None)).order_by(t.audit_log.c.seq)
    for r in conn.execute(q).mappings():
        yield record_from_row(r)


def last_record(conn: Connection) -> AuditRecord | None:
    """The newest linked record, or None for an empty log."""
    row = conn.execute(select(t.audit_log.c.seq).where(t.audit_log.c.hash.is_not(None))
                       .order_by(t.audit_log.c.seq.desc()).limit(1)).first()
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

