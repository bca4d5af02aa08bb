"""Bearer-token authentication and role checks as FastAPI dependencies.

A bad token counts against its address: too many within a minute lock the address out (see api/limits.py);
the lockout is written to the audit log once, when it begins.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request

from airwarn import accounts
from airwarn.domain.users import Role, User
from airwarn.errors import Unauthenticated
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps

log = logging.getLogger("airwarn.auth")


async def get_deps(request: Request) -> Deps:  # async: no I/O, so no hop to the thread pool
    deps: Deps = request.app.state.deps
    return deps


def current_user(request: Request, deps: Annotated[Deps, Depends(get_deps)]) -> User:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    presented = token.strip() if scheme.lower() == "bearer" else None
    try:
        return services.authenticate(deps, presented)
    except Unauthenticated:
        if presented:
            bad_token(request, deps)
        raise


def bad_token(request: Request, deps: Deps) -> None:
    """Count a bad token (API or subscription token) from the request's address; audit a lockout once."""
    limits = getattr(request.app.state, "limits", None)
    address = request.client.host if request.client else "unknown"
    if limits is None or not limits.bad_token(address):
        return
    try:
        accounts.record_lockout(deps, address, failures=limits.lockout.failures,
                                window_s=limits.lockout.window_s, lock_s=limits.lockout.lock_s)
    except Exception:  # the lockout holds without its record; the log line above still says it happened
        log.exception("could not write the lockout of %s to the audit log", address)


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
