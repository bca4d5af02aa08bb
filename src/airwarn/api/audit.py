"""The signed audit head: re-signed while serving at least every AIRWARN_AUDIT_HEAD_INTERVAL_S seconds,
published at `GET /api/v1/audit/head` and in the Atom feed, so anyone who keeps one can later prove that
no record up to it was removed or rewritten (`airwarn audit verify --head FILE`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from typing import Any

from fastapi import APIRouter, Request

from airwarn.auditing import SignedHead, sign_head
from airwarn.errors import NotFound
from airwarn.service_layer.deps import Deps
from airwarn.store.audit_store import last_record

log = logging.getLogger("airwarn.audit")
#: How often a serving node runs the audit chainer besides the runs its writes' commits ask for.
CHAIN_INTERVAL_S = 1.0
router = APIRouter(prefix="/api/v1", tags=["audit"])


class HeadKeeper:
    """The node's newest signed head; signs again when the chain moved or the interval has passed."""

    def __init__(self, deps: Deps, interval_s: float, *, chain_every_s: float = 0.0) -> None:
        self.deps = deps
        self.interval_s = interval_s
        #: While it runs, this node's writes signal one chainer run per batch of commits, at most this often.
        self.chain_every_s = chain_every_s
        self._latest: SignedHead | None = None
        self._signed_at = 0.0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.deps.sign_head is not None and self.deps.uow.audit_key is not None

    def current(self) -> SignedHead:
        """A head no older than the interval that names the newest record."""
        if not self.enabled:
            raise NotFound("this node holds no signing key, so it publishes no audit head")
        with self.deps.uow.read() as repo:
            last = last_record(repo.conn)
        seq = last.seq if last else 0
        with self._lock:
            stale = time.monotonic() - self._signed_at >= self.interval_s
            if self._latest is None or stale or self._latest.head.seq != seq:
                return self._sign()
            return self._latest

    def _sign(self) -> SignedHead:
        signed = sign_head(self.deps)
        self._latest, self._signed_at = signed, time.monotonic()
        log.info("audit head seq=%d hash=%s signed", signed.head.seq, signed.head.hash)
        return signed

    def refresh(self) -> SignedHead:
        with self._lock:
            return self._sign()

    def chain(self) -> int:
        """Link committed audit records the writers' own runs left (PostgreSQL; never waits for a chainer)."""
        chainer = self.deps.uow.chainer
        return chainer.run() if chainer is not None else 0

    async def run(self, stop: asyncio.Event) -> None:
        """Sign the head now and then every interval until `stop` is set; in between, every
        `CHAIN_INTERVAL_S`, link what the writers' after-commit runs left (a number whose transaction rolled
        back becomes final only once every transaction that might hold it has ended)."""
        signed_at = -self.interval_s
        if self.chain_every_s > 0:
            self.deps.uow.chain_in_background(self.chain_every_s)
        try:
            await self._loop(stop, signed_at)
        finally:
            await asyncio.to_thread(self.deps.uow.chain_after_commit)  # links what is pending

    async def _loop(self, stop: asyncio.Event, signed_at: float) -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.chain)
            except Exception:  # the database may be away for a moment; the next round tries again
                log.exception("linking the audit chain failed")
            if time.monotonic() - signed_at >= self.interval_s:
                try:
                    await asyncio.to_thread(self.refresh)
                    signed_at = time.monotonic()
                except Exception:
                    log.exception("signing the audit head failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=min(CHAIN_INTERVAL_S, self.interval_s))


def keeper_of(request: Request) -> HeadKeeper:
    keeper: HeadKeeper = request.app.state.audit_heads
    return keeper


def feed_head(request: Request) -> dict[str, Any] | None:
    """The signed head for the Atom feed, or None when this node signs none."""
    keeper = keeper_of(request)
    return keeper.current().to_dict() if keeper.enabled else None


@router.get("/audit/head")
def audit_head(request: Request) -> dict[str, Any]:
    """The audit chain's newest record (seq, HMAC link `hash`), signed with the authority key: keep it, and
    `airwarn audit verify --head FILE` later proves nothing up to it was removed or rewritten. `signature`
    is base64 RSA-SHA256 (PKCS#1 v1.5) over the canonical JSON of {seq, hash, at, key_id, cert_sha256}
    (sorted keys, no spaces); the certificate is at /api/v1/authority.pem."""
    return keeper_of(request).current().to_dict()
