"""Every territory import is a version: numbered, with who, when, from what and what changed, in the audit.

``save_version`` runs inside the caller's write transaction, so the new current territory, its
version row and its audit record commit together (or none of them). A running node compares the
stored version with its own and switches (:mod:`airwarn.territory.live`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select

from airwarn.domain.territory import District, Region, Territory
from airwarn.store.repository import Repository
from airwarn.store.tables import territory_meta
from airwarn.store.territory_tables import territory_versions
from airwarn.store.uow import UnitOfWork

#: Most codes listed per kind of change in the audit record (the version row keeps them all).
AUDIT_LIST_MAX = 50


def _shape(area: Region | District) -> tuple[Any, ...]:
    return (area.polygon, area.holes)


def changes(old: Territory | None, new: Territory) -> dict[str, Any]:
    """What an import changes: regions and districts added, removed, reshaped; warning times changed."""
    out: dict[str, Any] = {}
    for kind, before, after in (
        ("regions", old.regions if old else {}, new.regions),
        ("districts", old.districts if old else {}, new.districts),
    ):
        out[kind] = {
            "added": sorted(set(after) - set(before)),
            "removed": sorted(set(before) - set(after)),
            "reshaped": sorted(c for c in set(before) & set(after) if _shape(before[c]) != _shape(after[c])),
        }
    warnings: list[dict[str, Any]] = []
    if old is not None:
        for code in sorted(set(old.regions) & set(new.regions)):
            if old.regions[code].warning_s != new.regions[code].warning_s:
                warnings.append({"code": code, "from": old.regions[code].warning_s, "to": new.regions[code].warning_s})
        for code in sorted(set(old.districts) & set(new.districts)):
            was, now = old.district_warning_s(code), new.district_warning_s(code)
            if was != now:
                warnings.append({"code": code, "from": was, "to": now})
    out["warning_s"] = warnings
    return out


def _digest(collection: dict[str, Any]) -> str:
    features = sorted(json.dumps(f, sort_keys=True, ensure_ascii=False) for f in collection["features"])
    return hashlib.sha256("\n".join(features).encode()).hexdigest()[:10]


def _stored(repo: Repository) -> Territory | None:
    from airwarn.territory.io import load_territory

    features, meta = repo.territory_features()
    if not features:
        return None
    return load_territory({"type": "FeatureCollection", "features": features, "metadata": meta})


def save_version(
    repo: Repository,
    territory: Territory,
    *,
    actor: str,
    source: str,
    at: datetime,
    audit: bool = True,
    running: Territory | None = None,
) -> tuple[Territory, dict[str, Any]]:
    """Store ``territory`` as the next version (current copy, version row, audit record); returns it versioned.

    Changes are counted against the stored territory, else against ``running`` (what the node serves).
    """
    from airwarn.territory.io import dump_territory

    previous = _stored(repo) or running
    diff = changes(previous, territory)
    seq = int(repo.conn.execute(select(func.coalesce(func.max(territory_versions.c.seq), 0))).scalar_one()) + 1
    plain = dump_territory(replace(territory, metadata={k: v for k, v in territory.metadata.items() if k != "version"}))
    version = f"{seq}-{_digest(plain)}"
    versioned = replace(territory, metadata={**territory.metadata, "version": version})
    versioned.reindex()
    collection = dump_territory(versioned)
    repo.replace_territory(collection["features"], dict(collection["metadata"]))
    repo.conn.execute(
        insert(territory_versions),
        [{"seq": seq, "version": version, "created_at": at, "actor": actor[:64], "source": source[-400:],
          "changes": diff, "collection": collection}],
    )
    if audit:
        summary = {
            kind: {what: codes[:AUDIT_LIST_MAX] for what, codes in diff[kind].items()}
            for kind in ("regions", "districts")
        }
        repo.append_audit(
            at=at, actor=actor, action="territory.imported", entity="territory", entity_id=version,
            data={"version": version, "previous": (previous.version or None) if previous else None,
                  "source": source[-400:],
                  "regions": len(territory.regions), "districts": len(territory.districts),
                  "changes": summary, "warning_s": diff["warning_s"][:AUDIT_LIST_MAX]},
        )
    return versioned, {"version": version, "previous": (previous.version or None) if previous else None,
                       "changes": diff}


def stored_version(uow: UnitOfWork) -> str:
    """The version of the stored current territory ('' when none or stored before versions existed)."""
    with uow.read() as repo:
        value = repo.conn.execute(select(territory_meta.c.value).where(territory_meta.c.key == "version")).scalar()
    return str(value or "")


def load_stored(uow: UnitOfWork) -> Territory | None:
    """The stored current territory, or None."""
    with uow.read() as repo:
        return _stored(repo)


def versions(uow: UnitOfWork, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first: version, when, who, from what, what changed (without the stored collection)."""
    cols = [territory_versions.c[n] for n in ("seq", "version", "created_at", "actor", "source", "changes")]
    with uow.read() as repo:
        rows = repo.conn.execute(select(*cols).order_by(territory_versions.c.seq.desc()).limit(limit)).mappings()
        return [{**dict(r), "created_at": r["created_at"].isoformat()} for r in rows]
