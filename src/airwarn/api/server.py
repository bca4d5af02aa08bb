"""Running a node: uvicorn with the connection budget, header and idle timeouts, and a bounded drain on
SIGTERM (readiness turns 503 at once; requests in flight get `shutdown_timeout_s` to finish)."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from typing import Any

import uvicorn
from fastapi import FastAPI

from airwarn.api.app import CLEANUP_SHARE
from airwarn.api.connguard import ConnectionBudget, ConnectionLimits, guarded_protocols
from airwarn.errors import ConfigError
from airwarn.redact import mask_secrets, mask_url
from airwarn.settings import Settings

log = logging.getLogger("airwarn.server")


def connection_limits(settings: Settings) -> ConnectionLimits:
    return ConnectionLimits(per_address=settings.conn_per_address, total=settings.conn_total,
                            live_per_address=settings.live_per_address, live_total=settings.live_total,
                            header_timeout_s=settings.header_timeout_s)


def server_config(app: FastAPI, settings: Settings, host: str, port: int, **extra: Any) -> uvicorn.Config:
    """The uvicorn configuration every node runs with (serve and demo)."""
    budget = ConnectionBudget(connection_limits(settings))
    app.state.connections = budget
    http, ws = guarded_protocols(budget)
    return uvicorn.Config(
        app, host=host, port=port, http=http, ws=ws, log_level="warning", lifespan="on",
        # Alerts are small; per-message compression doubled memory per socket and delayed the first alert.
        ws_per_message_deflate=False,
        timeout_keep_alive=max(1, round(settings.keepalive_timeout_s)),
        timeout_graceful_shutdown=max(1, round(settings.shutdown_timeout_s * (1 - CLEANUP_SHARE))),
        limit_concurrency=settings.conn_total + settings.live_total,
        h11_max_incomplete_event_size=16 * 1024,
        server_header=False,
        proxy_headers=bool(settings.forwarded_allow_ips), forwarded_allow_ips=settings.forwarded_allow_ips or None,
        **extra,
    )


class Node(uvicorn.Server):
    """uvicorn's server that marks the app as draining the moment a stop signal arrives (/readyz → 503), and
    ends the process if the drain overruns its budget (a task that ignores cancellation cannot hold it)."""

    def __init__(self, config: uvicorn.Config, hard_stop_s: float) -> None:
        super().__init__(config)
        self.hard_stop_s = hard_stop_s
        self._watchdog: threading.Timer | None = None

    def handle_exit(self, sig: int, frame: Any) -> None:
        node = getattr(self.config.app.state, "node", None) if isinstance(self.config.app, FastAPI) else None
        if node is not None:
            node.draining = True
        if self._watchdog is None:
            self._watchdog = threading.Timer(self.hard_stop_s, _hard_stop, args=(self.hard_stop_s,))
            self._watchdog.daemon = True
            self._watchdog.start()
        super().handle_exit(sig, frame)


def _hard_stop(after_s: float) -> None:
    log.error("shutdown still not done after %g s; exiting now (unsent deliveries are retried by the lease)",
              after_s)
    logging.shutdown()
    os._exit(1)


def probe_bus(url: str, timeout_s: float) -> None:
    """Raise ConfigError (with the reason, password masked) unless the bus at `url` answers within `timeout_s`.

    Tries again with backoff until the deadline, so a bus that is still starting is waited for."""
    if not url.startswith(("nats://", "tls://")):
        return
    import nats

    from airwarn.bus.nats import parse_url

    server, _ = parse_url(url)

    seen: list[BaseException] = []

    async def note(exc: Exception) -> None:  # instead of nats' default, which prints a traceback per attempt
        seen.append(exc)

    async def attempt(remaining_s: float) -> None:
        # max_reconnect_attempts=1: nats-py retries a lone server forever at 0 or -1
        nc = await nats.connect(server, connect_timeout=max(0.5, min(3.0, remaining_s)), allow_reconnect=False,
                                max_reconnect_attempts=1, reconnect_time_wait=0.1, error_cb=note,
                                name="airwarn-probe")
        await nc.close()

    deadline = time.monotonic() + timeout_s
    delay_s = 0.25
    last = "no answer"
    while True:
        remaining_s = deadline - time.monotonic()
        if remaining_s <= 0:
            raise ConfigError(f"cannot reach the bus {mask_url(url)} within {timeout_s:g} s: {mask_secrets(last)} "
                              "(is NATS running? see AIRWARN_BUS, AIRWARN_STARTUP_TIMEOUT_S)")
        try:
            asyncio.run(asyncio.wait_for(attempt(remaining_s), remaining_s))
            return
        except Exception as exc:  # refused, timed out, bad TLS: try again until the deadline
            cause = seen[-1] if seen else exc
            last = str(cause) or type(cause).__name__
        time.sleep(min(delay_s, max(0.0, deadline - time.monotonic())))
        delay_s = min(delay_s * 2, 2.0)
