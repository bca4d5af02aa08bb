"""Operator accounts and the stored territory: the repository's part that is not about one region."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, select

from airwarn.domain.users import Role, User
from airwarn.store import tables as t
from airwarn.store.rows import plain


class AccountRows:
    """The repository's accounts and territory part (mixed into `Repository`, which owns `conn`)."""

    conn: Connection

    # --- users --------------------------------------------------------------------------------
    def add_user(self, user: User, token_hash: str, at: datetime) -> None:
        self.conn.execute(
            insert(t.users), dict(name=user.name, role=user.role.value, token_hash=token_hash, created_at=at,
                                   active=True)
        )

    def user(self, name: str) -> User | None:
        row = self.conn.execute(select(t.users).where(t.users.c.name == name)).mappings().first()
        return User(row["name"], Role(row["role"])) if row else None

    def user_by_token(self, token_hash: str) -> User | None:
        row = self.conn.execute(_USER_BY_TOKEN, {"token_hash": token_hash}).mappings().first()
        return User(row["name"], Role(row["role"])) if row else None

    def users(self) -> list[dict[str, Any]]:
        q = select(t.users.c.name, t.users.c.role, t.users.c.created_at, t.users.c.active)
        return [plain(r) for r in self.conn.execute(q.order_by(t.users.c.name)).mappings()]

    # --- territory ----------------------------------------------------------------------------
    def territory_features(self) -> tuple[list[dict[str, Any]], dict[str, str]]:
        features = [r.feature for r in self.conn.execute(select(t.territory_features.c.feature))]
        meta = {r.key: r.value for r in self.conn.execute(select(t.territory_meta))}
        return features, meta

    def replace_territory(self, features: Sequence[dict[str, Any]], meta: dict[str, str]) -> None:
        self.conn.execute(t.territory_features.delete())
        self.conn.execute(t.territory_meta.delete())
        rows = []
        for f in features:
            props = f.get("properties", {})
            kind = props.get("kind", "")
            code = props.get("code") or props.get("icao") or props.get("id")
            rows.append({"kind": kind, "code": str(code), "feature": f})
        if rows:
            self.conn.execute(insert(t.territory_features), rows)
        if meta:
            self.conn.execute(insert(t.territory_meta), [{"key": k, "value": str(v)} for k, v in meta.items()])


_USER_BY_TOKEN = select(t.users).where(
    and_(t.users.c.token_hash == bindparam("token_hash"), t.users.c.active.is_(True))
)
