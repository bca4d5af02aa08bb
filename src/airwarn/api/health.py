"""Liveness and readiness: `/healthz` and `/readyz` answer 503 (JSON, with the failing dependency) while the
database or the bus is unreachable, and 200 again once they are back, without a restart.

`/healthz`: the node works (database answers a query, bus connected). `/readyz`: that, and the node is not
shutting down — a balancer stops sending new clients once SIGTERM arrived.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from airwarn.redact import mask_secrets

router = APIRouter(tags=["ops"])


@dataclass
class NodeState:
    """What the probes report beyond the dependencies: whether the node drains (SIGTERM) and since when."""

    started_at: float = field(default_factory=time.monotonic)
    draining: bool = False


def _ping_database(engine: Any) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def bus_state(bus: Any) -> str:
    """"ok", or why not: a bus without a connection (in-memory) is always ok."""
    connected = getattr(bus, "connected", None)
    if connected is None or connected:
        return "ok"
    return "down: not connected to the bus (reconnecting)"


async def check(request: Request) -> dict[str, str]:
    """Each dependency's state, bounded by `health_timeout_s` (a hung database counts as down)."""
    timeout_s = request.app.state.settings.health_timeout_s
    states: dict[str, str] = {}
    try:
        await asyncio.wait_for(asyncio.to_thread(_ping_database, request.app.state.deps.uow.engine), timeout_s)
        states["database"] = "ok"
    except TimeoutError:
        states["database"] = f"down: no answer within {timeout_s:g} s"
    except Exception as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        states["database"] = "down: " + mask_secrets(reason[0] if reason else type(exc).__name__)[:300]
    states["bus"] = bus_state(request.app.state.bus)
    return states


def _answer(states: dict[str, str], extra_problem: str | None = None) -> JSONResponse:
    if extra_problem:
        states = {**states, "node": extra_problem}
    ok = all(v == "ok" for v in states.values())
    body = {"status": "ok" if ok else "unavailable", "checks": states}
    return JSONResponse(body, status_code=200 if ok else 503, headers=None if ok else {"Retry-After": "5"})


@router.get("/healthz", responses={503: {"description": "a dependency is down"}})
async def healthz(request: Request) -> JSONResponse:
    """200 when the database and the bus answer; 503 with `checks` naming what is down."""
    return _answer(await check(request))


@router.get("/readyz", responses={503: {"description": "a dependency is down, or the node is draining"}})
async def readyz(request: Request) -> JSONResponse:
    """Like /healthz, and 503 once the node has begun to shut down (drain: send new clients elsewhere)."""
    node: NodeState = request.app.state.node
    return _answer(await check(request), "draining" if node.draining else None)
