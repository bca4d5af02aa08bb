"""Use cases on API accounts beyond creating them: revoke, rotate a token, record a bad-token lockout.

Each changes state and writes its audit record in one transaction. A revoked account keeps its name and its
audit history; its token stops working at once (every request looks the token up).
"""

from __future__ import annotations

from sqlalchemy import update

from airwarn.domain.users import hash_token, new_token
from airwarn.errors import Conflict, NotFound
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.publishing import audit
from airwarn.store import tables as t


def revoke_user(deps: Deps, name: str, *, actor: str = "admin-cli", reason: str = "") -> None:
    """Disable `name`'s token for good (its account stays, inactive, for the audit trail)."""
    with deps.uow.write() as repo:
        row = repo.conn.execute(t.users.select().where(t.users.c.name == name)).mappings().first()
        if row is None:
            raise NotFound(f"no user {name!r}", field="name")
        if not row["active"]:
            raise Conflict(f"user {name!r} is revoked already", field="name")
        repo.conn.execute(update(t.users).where(t.users.c.name == name).values(active=False))
        audit(repo, deps, actor, "user.revoked", "user", name, role=row["role"], reason=reason)


def rotate_token(deps: Deps, name: str, *, actor: str = "admin-cli") -> str:
    """Give `name` a new token (returned, shown once); the old one stops working in the same commit."""
    token = new_token()
    with deps.uow.write() as repo:
        row = repo.conn.execute(t.users.select().where(t.users.c.name == name)).mappings().first()
        if row is None:
            raise NotFound(f"no user {name!r}", field="name")
        if not row["active"]:
            raise Conflict(f"user {name!r} is revoked; add a new account instead", field="name")
        repo.conn.execute(update(t.users).where(t.users.c.name == name).values(token_hash=hash_token(token)))
        audit(repo, deps, actor, "user.token_rotated", "user", name, role=row["role"])
    return token


def record_lockout(deps: Deps, address: str, *, failures: int, window_s: float, lock_s: float) -> None:
    """Audit that `address` was locked out after `failures` bad tokens within `window_s`."""
    with deps.uow.write() as repo:
        audit(repo, deps, "auth", "auth.locked_out", "address", address, failures=failures, window_s=window_s,
              lock_s=lock_s)
