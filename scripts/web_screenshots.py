"""Screenshots after the seed-night demo: docs/console.png, docs/public.png and docs/phone.png (360×740).

Run: python scripts/web_screenshots.py   (needs playwright and Debian's chromium at /usr/bin/chromium)
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright
from rich.console import Console

from airwarn.api.app import create_app
from airwarn.demo import APPROVER, OPERATOR, DemoResult, _replay, _start, import_streets
from airwarn.keyring import init_keys
from airwarn.service_layer import services
from airwarn.service_layer.bootstrap import build_deps
from airwarn.settings import Settings

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def main(out: Path = Path("docs")) -> None:
    """Replay the seed night on a fresh database, then photograph both pages."""
    workdir = Path(tempfile.mkdtemp(prefix="airwarn-shots-"))
    init_keys(workdir / "keys")  # the screenshots' own authority, as `airwarn keys init` makes it
    deps = build_deps(Settings(db=f"sqlite:///{workdir / 'airwarn.db'}", keys_dir=workdir / "keys"))
    tokens = {
        OPERATOR: services.add_user(deps, OPERATOR, "operator", actor="screenshots"),
        APPROVER: services.add_user(deps, APPROVER, "approver", actor="screenshots"),
    }
    import_streets(deps)  # the demo's SYNTHETIC Millerovo streets and shelters
    server, thread, base = _start(create_app(deps), "127.0.0.1", 0)
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            _replay(http, tokens, 0, Console(file=io.StringIO()), DemoResult(base_url=base, workdir=workdir))
            op = {"Authorization": f"Bearer {tokens[OPERATOR]}"}
            # a fresh missile alert over Millerovo (approved: the phone's countdown runs) and one that waits
            fresh = http.post("/api/v1/regimes", headers=op, json={
                "kind": "missile_hazard", "region": "RU-ROS", "districts": ["Millerovsky"],
                "reason": "radar: missile track toward Millerovo"}).raise_for_status().json()
            for alert in fresh["alerts"]:
                http.post(f"/api/v1/alerts/{alert['identifier']}/approve",
                          headers={"Authorization": f"Bearer {tokens[APPROVER]}"}).raise_for_status()
            http.post("/api/v1/regimes", headers=op, json={
                "kind": "drone_hazard", "region": "RU-SAR", "districts": ["Engelssky"],
                "reason": "radar: drones heading to Engels"}).raise_for_status()
        out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1440, "height": 1100})
            page.goto(f"{base}/console")
            page.fill("#token", tokens[OPERATOR])
            page.click("#login-form button[type=submit]")
            page.wait_for_selector("#alerts li")
            page.wait_for_selector("#timeline li")
            page.mouse.move(0, 0)
            page.wait_for_timeout(500)
            page.screenshot(path=str(out / "console.png"))
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/#map=16/48.92/40.39")  # the synthetic centre of Millerovo
            page.wait_for_selector("#now li")
            page.wait_for_selector("path[data-map=streets]", state="attached")
            box = page.locator("#map").bounding_box()  # a resident clicks 48.92, 40.39
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_selector("#area .msg")
            page.wait_for_selector("#shelter-verdict")
            page.mouse.move(0, 0)
            page.wait_for_timeout(500)
            page.screenshot(path=str(out / "public.png"))
            phone = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                        has_touch=True).new_page()
            phone.goto(f"{base}/static/img/icon.svg")  # remember the place, as a returning resident's phone does
            phone.evaluate("localStorage.setItem('airwarn-place', JSON.stringify({lat: 48.92, lon: 40.39}))")
            phone.goto(f"{base}/")
            phone.wait_for_selector("#hero[data-level=alert]")
            phone.wait_for_selector("#shelter-verdict")
            phone.wait_for_timeout(500)
            phone.screenshot(path=str(out / "phone.png"))
            browser.close()
    finally:
        server.should_exit = True
        thread.join(10)
    print(f"wrote {out / 'console.png'}, {out / 'public.png'} and {out / 'phone.png'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs"))
