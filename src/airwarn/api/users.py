"""Account administration through a node (admin role): revoke an account's token, or rotate it.

The same use cases as `airwarn users revoke|rotate`, so a CLI acting through `AIRWARN_URL` gets the same
result. An admin cannot revoke or rotate their own token here (that would lock the caller out mid-request).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from airwarn import accounts
from airwarn.api.auth import DepsDep, role
from airwarn.api.schemas import ReasonIn
from airwarn.domain.users import Role, User
from airwarn.errors import Conflict

router = APIRouter(prefix="/api/v1", tags=["users"])
Admin = Annotated[User, Depends(role(Role.ADMIN))]
UserName = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


def _not_self(admin: User, name: str) -> None:
    if admin.name == name:
        raise Conflict("use `airwarn users revoke|rotate` for your own account", field="name")


@router.post("/users/{name}/revoke")
def revoke(name: UserName, deps: DepsDep, admin: Admin, body: ReasonIn | None = None) -> dict[str, object]:
    """Disable the account's token at once; the account stays (inactive) for the audit trail."""
    _not_self(admin, name)
    accounts.revoke_user(deps, name, actor=admin.name, reason=(body or ReasonIn()).reason)
    return {"name": name, "active": False}


@router.post("/users/{name}/rotate")
def rotate(name: UserName, deps: DepsDep, admin: Admin) -> dict[str, str]:
    """A new token for the account, shown once in this answer; the old one stops working."""
    _not_self(admin, name)
    return {"name": name, "token": accounts.rotate_token(deps, name, actor=admin.name)}
