"""Bearer-token authentication and role checks as FastAPI dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from airwarn import services
from airwarn.deps import Deps
from airwarn.domain.users import Role, User


async def get_deps(request: Request) -> Deps:  # async: no I/O, so no hop to the thread pool
    deps: Deps = request.app.state.deps
    return deps


def current_user(request: Request, deps: Annotated[Deps, Depends(get_deps)]) -> User:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return services.authenticate(deps, token.strip() if scheme.lower() == "bearer" else None)


def role(needed: Role):  # type: ignore[no-untyped-def]
    async def check(user: Annotated[User, Depends(current_user)]) -> User:
        services.require(user, needed)
        return user

    return check


DepsDep = Annotated[Deps, Depends(get_deps)]
Observer = Annotated[User, Depends(role(Role.OBSERVER))]
Operator = Annotated[User, Depends(role(Role.OPERATOR))]
Approver = Annotated[User, Depends(role(Role.APPROVER))]
CurrentUser = Annotated[User, Depends(current_user)]
