"""Real local receivers for the subscription and delivery tests (a webhook endpoint that answers challenges,
an SMS gateway that keeps the texts), and helpers that subscribe and prove channels the way a subscriber
does: the code read from the gateway (API) or held in-process (service), the challenge echoed over HTTP."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fastapi.testclient import TestClient

from airwarn.delivery import confirming
from airwarn.delivery.outbound import OutboundPolicy
from airwarn.delivery.proofs import Prover
from airwarn.delivery.subscriptions import Created, SubscriptionDraft, subscribe
from airwarn.service_layer.deps import Deps
from airwarn.settings import Settings, load_settings

WEBHOOK_KEY = b"server-webhook-key-0123456789"


class Hook:
    """A local HTTP endpoint: echoes a challenge (if `echo`), records every POST as (path, headers, body),
    answers `status`, or redirects to `redirect_to` with 307."""

    def __init__(self, status: int = 200, *, echo: bool = True, redirect_to: str | None = None) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.status, self.echo, self.redirect_to = status, echo, redirect_to
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer._lock:
                    outer.requests.append((self.path, dict(self.headers), body))
                challenge = self.headers.get("X-Airwarn-Challenge")
                answer = challenge.encode() if challenge and outer.echo else b""
                if outer.redirect_to:
                    self.send_response(307)
                    self.send_header("Location", outer.redirect_to)
                else:
                    self.send_response(outer.status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.url = f"{self.origin}/hook"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def deliveries(self) -> list[tuple[dict[str, str], bytes]]:
        """POSTs that were not challenges (alerts)."""
        with self._lock:
            return [(h, b) for _, h, b in self.requests if "X-Airwarn-Challenge" not in h]

    def challenges(self) -> list[dict[str, str]]:
        with self._lock:
            return [h for _, h, _ in self.requests if "X-Airwarn-Challenge" in h]

    def texts(self) -> list[dict[str, Any]]:
        """As an SMS gateway: the JSON bodies received."""
        with self._lock:
            return [json.loads(b) for _, _, b in self.requests]

    def code_for(self, phone: str) -> str:
        """The last verification code the gateway was asked to send to `phone`."""
        sent = [t for t in self.texts() if t.get("to") == phone and t.get("status") == "Verification"]
        found = re.search(r"\b([0-9]{4,8})\b", sent[-1]["text"])
        assert found, sent
        return found.group(1)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def settings_for(*origins: str, sms_url: str = "", **more: Any) -> Settings:
    """Node settings that allow-list these local origins (and use `sms_url` as the gateway)."""
    return load_settings(dispatch=False, outbound_allow=",".join(origins), sms_url=sms_url,
                         webhook_secret=WEBHOOK_KEY.decode(), **more)


def prove(deps: Deps, created: Created, *origins: str) -> None:
    """Prove every channel of a new subscription: the codes it holds, each webhook's real handshake."""
    sub_id, token = created.view["id"], created.view["token"]
    for code in created.codes:
        confirming.confirm(deps, sub_id, token, code.code)
    prover = Prover(OutboundPolicy.from_settings(",".join(origins)), webhook_key=WEBHOOK_KEY)
    for hs in created.handshakes:
        confirming.handshake_done(deps, hs, asyncio.run(prover.handshake(hs)))


def active(deps: Deps, draft: SubscriptionDraft, *origins: str) -> tuple[str, str]:
    """A subscription with every channel proven: (id, token)."""
    created = subscribe(deps, draft, policy=OutboundPolicy.from_settings(",".join(origins)),
                        webhook_key=WEBHOOK_KEY)
    prove(deps, created, *origins)
    return created.view["id"], created.view["token"]


def api_subscribe(client: TestClient, gateway: Hook | None, body: dict[str, Any]) -> dict[str, Any]:
    """Subscribe over HTTP and prove an SMS phone with the code the gateway got; returns the creation answer
    with the state after confirming."""
    r = client.post("/api/v1/subscriptions", json=body)
    assert r.status_code == 201, r.text
    made = dict(r.json())
    phones = [c["address"] for c in body["channels"] if c["channel"] == "sms"]
    if phones and gateway is not None:
        ok = client.post(f"/api/v1/subscriptions/{made['id']}/confirm",
                         json={"token": made["token"], "code": gateway.code_for(phones[0])})
        assert ok.status_code == 200, ok.text
        made |= ok.json()
    return made
