"""Who is looking: a signed-in account (token) sees proposed state and held alerts; the public does not."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from airwarn.api.auth import get_deps
from airwarn.domain.users import Role, User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps


def bearer(header: str) -> str | None:
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def optional_user(request: Request, deps: Annotated[Deps, Depends(get_deps)]) -> User | None:
    """The account behind the request's token, or None without one; a bad token is still a 401."""
    token = bearer(request.headers.get("authorization", ""))
    return services.authenticate(deps, token) if token else None


def sees_proposed(user: User | None) -> bool:
    """Operators' views (any account that may read the console: observer and above, not sensors)."""
    return user is not None and user.role is not Role.SENSOR and user.role.allows(Role.OBSERVER)


Viewer = Annotated[User | None, Depends(optional_user)]
