"""A served demo (the seed night replayed through the API) and headless Debian Chromium via Playwright."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console

CHROMIUM = os.environ.get("AIRWARN_CHROMIUM", "/usr/bin/chromium")
#: The policy the pages must live under (issue 11): no inline script or style, no eval, same-origin only.
#: Added here when the app does not set one itself, so the browser tests hold the pages to it either way.
STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]

try:
    from playwright.sync_api import Browser, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None  # type: ignore[assignment]

if sync_playwright is None:
    pytest.skip("playwright (Python package) is not installed: pip install -e '.[test]'", allow_module_level=True)
if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
    pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium (or set AIRWARN_CHROMIUM)",
                allow_module_level=True)

pytestmark = pytest.mark.browser


class SmsGateway:
    """A real HTTP SMS gateway on loopback that keeps what it was asked to send (the node's `AIRWARN_SMS_URL`)."""

    def __init__(self) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        sent = self.sent = []  # type: list[dict[str, Any]]

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    sent.append(json.loads(raw))
                except ValueError:
                    sent.append({"raw": raw.decode("utf-8", "replace")})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def code_for(self, phone: str) -> str | None:
        """The last verification code texted to `phone`, if any."""
        import re

        for body in reversed(self.sent):
            if body.get("to") == phone and body.get("identifier") is None:
                found = re.search(r"\b(\d{4,8})\b", str(body.get("text", "")))
                if found:
                    return found.group(1)
        return None

    def close(self) -> None:
        self.server.shutdown()


@dataclass
class Demo:
    base: str
    operator: str
    approver: str
    deps: Any
    sms: SmsGateway | None = None

    def http(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=30)


@pytest.fixture(scope="package")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The seed night replayed through the real API on a fresh SQLite database with the demo's street
    sample, served on a free port."""
    from airwarn.api.app import create_app
    from airwarn.demo import APPROVER, OPERATOR, DemoResult, _replay, _start, import_streets
    from airwarn.service_layer import services
    from airwarn.service_layer.bootstrap import build_deps
    from airwarn.settings import Settings

    workdir: Path = tmp_path_factory.mktemp("browser-demo")
    from airwarn.keyring import init_keys

    init_keys(workdir / "keys")
    sms = SmsGateway()
    settings = Settings(db=f"sqlite:///{workdir / 'airwarn.db'}", keys_dir=workdir / "keys", sms_url=sms.url)
    deps = build_deps(settings)
    tokens = {OPERATOR: services.add_user(deps, OPERATOR, "operator", actor="test"),
              APPROVER: services.add_user(deps, APPROVER, "approver", actor="test")}
    import_streets(deps)  # the demo's synthetic Millerovo streets and shelters, as `airwarn demo` imports them
    app = create_app(deps, settings=settings)
    with_csp(app)
    server, thread, base = _start(app, "127.0.0.1", 0)
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            _replay(http, tokens, 0, Console(file=io.StringIO()), DemoResult(base_url=base, workdir=workdir))
        yield Demo(base=base, operator=tokens[OPERATOR], approver=tokens[APPROVER], deps=deps, sms=sms)
    finally:
        sms.close()
        server.should_exit = True
        thread.join(2)
        if thread.is_alive():  # an open live-stream socket holds the graceful shutdown: stop waiting for it
            server.force_exit = True
            thread.join(10)


def with_csp(app: Any) -> Any:
    """Serve the strict policy on every response that has none (the app's own header wins)."""

    @app.middleware("http")
    async def csp(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", STRICT_CSP)
        return response

    return app


def watch(pg: Any) -> list[str]:
    """JavaScript errors and CSP violations on a page: a test fails when either happens."""
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Content Security Policy" in m.text else None)
    return errors


@pytest.fixture(scope="package")
def browser(demo: Demo) -> Iterator[Browser]:
    assert sync_playwright is not None
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(demo: Demo, browser: Browser) -> Iterator[Any]:
    """A fresh browser context per test (the demo server outlives the browser, so it shuts down fast)."""
    # Playwright's wait_for_function polls with eval, which the pages' CSP forbids; the policy itself is
    # checked without this bypass in test_markup_names.py
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    pg = context.new_page()
    errors = watch(pg)
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
    assert not errors, f"JavaScript errors or CSP violations on the page: {errors}"


@pytest.fixture
def phone(demo: Demo, browser: Browser) -> Iterator[Any]:
    """A 360×740 phone with touch, geolocation and notifications granted, as a resident would hold it."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, permissions=["geolocation", "notifications"],
                                  geolocation={"latitude": 48.92, "longitude": 40.39})
    pg = context.new_page()
    errors = watch(pg)
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
    assert not errors, f"JavaScript errors or CSP violations on the page: {errors}"


def sign_in(page: Any, demo: Demo, token: str | None = None, query: str = "") -> None:
    """Open the console and sign in with a token; waits until the map shows districts."""
    page.goto(f"{demo.base}/console{query}")
    page.wait_for_selector("body[data-ready]", state="attached")
    if page.locator("#logout").is_visible():  # still signed in from an earlier test: sign out first
        page.click("#logout")
        page.wait_for_selector("#token:visible")
    page.fill("#token", token or demo.operator)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("path[data-district]", state="attached")


def declare(demo: Demo, kind: str, region: str, districts: list[str], status: str = "Actual",
            reason: str = "browser test") -> dict[str, Any]:
    """Declare a regime through the API as the operator; a held alert is approved by the approver."""
    with demo.http(demo.operator) as http:
        out = http.post("/api/v1/regimes", json={"kind": kind, "region": region, "districts": districts,
                                                 "reason": reason, "status": status})
        assert out.status_code == 201, out.text
        body = out.json()
    approve_pending(demo, [a["identifier"] for a in body.get("alerts", [])])
    return body


def approve_pending(demo: Demo, identifiers: list[str]) -> None:
    with demo.http(demo.approver) as http:
        for identifier in identifiers:
            alert = http.get(f"/api/v1/alerts/{identifier}").json()
            if alert.get("state") == "pending_approval":
                http.post(f"/api/v1/alerts/{identifier}/approve").raise_for_status()


def lift(demo: Demo, regime_ids: list[str]) -> None:
    """Lift regimes as the operator; an all-clear that waits for a second person is approved."""
    with demo.http(demo.operator) as http:
        pending = []
        for rid in regime_ids:
            out = http.post(f"/api/v1/regimes/{rid}/lift", json={"reason": "browser test: threat over"})
            assert out.status_code == 200, out.text
            pending += [a["identifier"] for a in out.json().get("alerts", [])]
    approve_pending(demo, pending)


def above_fold(page: Any, selector: str, height: int = 740) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def wait_js(page: Any, expression: str, timeout: float = 10_000, polling: float = 50) -> None:
    """Wait until a JavaScript expression is truthy. Playwright's wait_for_function compiles its predicate
    with eval, which the pages' CSP forbids; page.evaluate is not subject to it."""
    import time

    end = time.monotonic() + timeout / 1000
    while True:
        if page.evaluate(f"() => Boolean({expression})"):
            return
        if time.monotonic() > end:
            raise AssertionError(f"still false after {timeout:.0f} ms: {expression}")
        time.sleep(polling / 1000)
