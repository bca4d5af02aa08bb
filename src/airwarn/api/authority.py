"""Who am I, and which authority rules does this node enforce (for the console)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from airwarn.api.auth import DepsDep, Observer
from airwarn.authority import policy_view

router = APIRouter(tags=["authority"])  # included under /api/v1 by api/alerts.py


@router.get("/me")
def me(user: Observer) -> dict[str, Any]:
    """The signed-in account: name and role (the console shows what it may do)."""
    return {"name": user.name, "role": user.role.value}


@router.get("/policy")
def policy(deps: DepsDep, _user: Observer) -> dict[str, Any]:
    """The two-person threshold, the sensor exception and the opt-in auto-confirm rule, as configured."""
    return policy_view(deps.approval, deps.auto_confirm)
