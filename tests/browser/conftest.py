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


@dataclass
class Demo:
    base: str
    operator: str
    approver: str
    deps: Any

    def http(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=30)


@pytest.fixture(scope="package")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The seed night replayed through the real API on a fresh SQLite database with the demo's street
    sample, served on a free port."""
    from airwarn import services
    from airwarn.api.app import create_app
    from airwarn.bootstrap import build_deps
    from airwarn.demo import APPROVER, OPERATOR, DemoResult, _replay, _start, import_streets
    from airwarn.settings import Settings

    workdir: Path = tmp_path_factory.mktemp("browser-demo")
    from airwarn.keyring import init_keys

    init_keys(workdir / "keys")
    deps = build_deps(Settings(db=f"sqlite:///{workdir / 'airwarn.db'}", keys_dir=workdir / "keys"))
    tokens = {OPERATOR: services.add_user(deps, OPERATOR, "operator", actor="test"),
              APPROVER: services.add_user(deps, APPROVER, "approver", actor="test")}
    import_streets(deps)  # the demo's synthetic Millerovo streets and shelters, as `airwarn demo` imports them
    app = create_app(deps)
    server, thread, base = _start(app, "127.0.0.1", 0)
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            _replay(http, tokens, 0, Console(file=io.StringIO()), DemoResult(base_url=base, workdir=workdir))
        yield Demo(base=base, operator=tokens[OPERATOR], approver=tokens[APPROVER], deps=deps)
    finally:
        server.should_exit = True
        thread.join(2)
        if thread.is_alive():  # an open live-stream socket holds the graceful shutdown: stop waiting for it
            server.force_exit = True
            thread.join(10)


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
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


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
