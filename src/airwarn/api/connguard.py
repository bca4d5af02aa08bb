"""Connection limits below HTTP: a Slowloris (thousands of sockets sending headers byte by byte) must not use
up the node's file descriptors or keep /healthz from answering.

`ConnectionBudget` counts open connections per client address and in all, with live-stream connections
(WebSocket and SSE on /api/v1/live…) counted apart: many residents behind one carrier NAT follow the live
stream, while a plain HTTP connection is short. `guarded_protocols` returns uvicorn's HTTP and WebSocket
protocols with the budget applied when a connection opens, and a header-read deadline: a request whose
headers are not complete within `header_timeout_s` of its first byte (or of the connection opening) is cut.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from airwarn.api.ws_protocol import FrameWriterProtocol

log = logging.getLogger("airwarn.connections")
LIVE_PREFIX = "/api/v1/live"
#: Largest request head (request line and headers) accepted; more gets 431 and the connection is closed.
MAX_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class ConnectionLimits:
    per_address: int
    total: int
    live_per_address: int
    live_total: int
    header_timeout_s: float


class ConnectionBudget:
    """Open connections by (address, live?); used from the event loop only, so it needs no lock."""

    def __init__(self, limits: ConnectionLimits) -> None:
        self.limits = limits
        self._open: dict[int, tuple[str, bool]] = {}  # id(transport) → (address, live)
        self._by_address: Counter[tuple[str, bool]] = Counter()
        self._totals: Counter[bool] = Counter()
        self.refused = 0

    def _fits(self, address: str, live: bool) -> str | None:
        per_address = self.limits.live_per_address if live else self.limits.per_address
        total = self.limits.live_total if live else self.limits.total
        kind = "live-stream connections" if live else "connections"
        if self._by_address[(address, live)] >= per_address:
            return f"too many open {kind} from {address} (at most {per_address})"
        if self._totals[live] >= total:
            return f"too many open {kind} on this node (at most {total})"
        return None

    def admit(self, key: int, address: str) -> str | None:
        """Count a new connection; None when admitted, else why not (it is not counted then)."""
        problem = self._fits(address, False)
        if problem is None:
            self._open[key] = (address, False)
            self._by_address[(address, False)] += 1
            self._totals[False] += 1
        else:
            self.refused += 1
        return problem

    def to_live(self, key: int) -> str | None:
        """Move an admitted connection to the live-stream budget; None when it fits, else why not."""
        found = self._open.get(key)
        if found is None or found[1]:
            return None
        address = found[0]
        problem = self._fits(address, True)
        if problem is not None:
            self.refused += 1
            return problem
        self.release(key)
        self._open[key] = (address, True)
        self._by_address[(address, True)] += 1
        self._totals[True] += 1
        return None

    def release(self, key: int) -> None:
        found = self._open.pop(key, None)
        if found is None:
            return
        self._by_address[found] -= 1
        if self._by_address[found] <= 0:
            del self._by_address[found]
        self._totals[found[1]] -= 1

    def counts(self) -> dict[str, int]:
        return {"open": self._totals[False], "live": self._totals[True], "refused": self.refused}


def _refusal(problem: str, status: int = 503) -> bytes:
    """A complete HTTP/1.1 answer written before closing: 503 (budget used up) or 431 (head too large)."""
    code = "too_many_connections" if status == 503 else "head_too_large"
    reason = b"Service Unavailable" if status == 503 else b"Request Header Fields Too Large"
    body = json.dumps({"error": code, "message": problem}).encode()
    head = (b"HTTP/1.1 " + str(status).encode() + b" " + reason + b"\r\ncontent-type: application/json\r\n"
            b"retry-after: 5\r\nconnection: close\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n")
    return head + body


def _address(transport: Any) -> str:
    peer = transport.get_extra_info("peername")
    return str(peer[0]) if isinstance(peer, tuple) and peer else "unix"


def guarded_protocols(budget: ConnectionBudget) -> tuple[type[asyncio.Protocol], type[asyncio.Protocol]]:
    """uvicorn's (HTTP, WebSocket) protocol classes bound to `budget` (pass as `http=` and `ws=`)."""
    header_timeout_s = budget.limits.header_timeout_s

    class GuardedHttp(HttpToolsProtocol):
        _header_timer: asyncio.TimerHandle | None = None
        _awaiting_headers = False
        _admitted = False
        _head_bytes = 0
        _tail = b""  # the last bytes of the head so far, to find its end across reads

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            problem = budget.admit(id(transport), _address(transport))
            if problem is not None:
                self.transport = transport
                transport.write(_refusal(problem))
                transport.close()
                return
            self._admitted = True
            super().connection_made(transport)
            self._expect_headers()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_header_timer()
            if not self._admitted:
                return
            budget.release(id(self.transport))
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if not self._admitted or self.transport.is_closing():
                return
            if self._awaiting_headers:
                # count the head only: a read often carries the head and the start of the body together
                seen = self._tail + data
                end = seen.find(b"\r\n\r\n")
                self._head_bytes += len(data) if end < 0 else max(0, end + 4 - len(self._tail))
                self._tail = seen[-3:]
                if self._head_bytes > MAX_HEAD_BYTES:
                    self.transport.write(_refusal(f"request head over {MAX_HEAD_BYTES} bytes", 431))
                    self.transport.close()
                    return
            super().data_received(data)

        def _expect_headers(self) -> None:
            if not self._awaiting_headers:
                self._head_bytes = 0
                self._tail = b""
            self._awaiting_headers = True
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(header_timeout_s, self._headers_too_slow)

        def _cancel_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if self._awaiting_headers and not self.transport.is_closing():
                self.transport.close()  # no answer: the client is not reading one

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._expect_headers()

        def on_headers_complete(self) -> None:
            self._awaiting_headers = False
            self._cancel_header_timer()
            super().on_headers_complete()
            path = self.scope.get("path", "") if self.scope else ""
            if path.startswith(LIVE_PREFIX):
                self._go_live()

        def handle_websocket_upgrade(self) -> None:
            self._awaiting_headers = False
            self._cancel_header_timer()
            if self._go_live():
                super().handle_websocket_upgrade()

        def _go_live(self) -> bool:
            problem = budget.to_live(id(self.transport))
            if problem is None:
                return True
            self.transport.write(_refusal(problem))
            self.transport.close()
            return False

    class GuardedWebSocket(FrameWriterProtocol):
        def connection_lost(self, exc: Exception | None) -> None:
            budget.release(id(self.transport))
            super().connection_lost(exc)

    return GuardedHttp, GuardedWebSocket
