"""axe-core (vendored in axe-playwright-python) finds no violation on any page or state the resident and the
operator see, in every language; live regions are in place for new alerts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Demo, declare, lift, sign_in

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # pragma: no cover - depends on the machine
    Axe = None  # type: ignore[assignment,misc]

pytestmark = pytest.mark.skipif(Axe is None, reason="axe-playwright-python is not installed: pip install -e '.[test]'")

#: WCAG 2.1 A/AA and best practices, as axe runs them by default, minus nothing.
OPTIONS = {"resultTypes": ["violations"]}


def _check(page: Any, state: str) -> None:
    assert Axe is not None
    results = Axe().run(page, options=OPTIONS)
    found = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:4]}"
             for v in results.response["violations"]]
    assert not found, f"axe on {state}: {found}"


@pytest.mark.parametrize("lang", ["en", "ru", "uk"])
def test_public_page_has_no_axe_violations(page: Any, demo: Demo, lang: str) -> None:
    page.goto(f"{demo.base}/")
    page.wait_for_selector("body[data-ready]", state="attached")
    page.click(f"[data-lang={lang}]")
    _check(page, f"public cold open ({lang})")
    page.fill("#q", "Millerovo")
    page.press("#q", "Enter")
    page.wait_for_selector("#shelter-verdict")
    _check(page, f"public with a place and its shelter ({lang})")
    page.click("[data-lang=en]")


def test_public_page_in_alert_on_a_phone_has_no_axe_violations(phone: Any, demo: Demo) -> None:
    body = declare(demo, "drone_hazard", "RU-VGG", ["Pallasovsky"], reason="a11y check")
    drill = declare(demo, "drone_hazard", "RU-VGG", ["Pallasovsky"], status="Exercise", reason="a11y drill")
    phone.goto(f"{demo.base}/")
    phone.fill("#q", "Pallasovsky")
    phone.press("#q", "Enter")
    # the suite's first place lookup may load the node's street graph: a slow start is not what this checks
    phone.wait_for_selector("#hero[data-level=alert]", timeout=30_000)
    phone.wait_for_selector("#drill[data-status=Exercise]", timeout=8000)
    assert phone.get_attribute("#hero-state", "aria-live") == "assertive"  # a new alert is announced
    for lang in ("en", "ru", "uk"):
        phone.click(f"[data-lang={lang}]")
        _check(phone, f"public alert + drill banner on a phone ({lang})")
    phone.click("[data-lang=en]")
    lift(demo, body["regimes_declared"] + drill["regimes_declared"])


def test_console_has_no_axe_violations(page: Any, demo: Demo) -> None:
    page.goto(f"{demo.base}/console")
    page.wait_for_selector("body[data-ready]", state="attached")
    if page.locator("#logout").is_visible():
        page.click("#logout")
        page.wait_for_selector("#token:visible")
    _check(page, "console sign-in")
    sign_in(page, demo)
    page.wait_for_selector("#alerts li")
    page.wait_for_selector("#timeline li")
    _check(page, "console signed in")
    page.locator("#alerts li button[data-act=cancel]").first.click()
    page.locator("#dialog").wait_for()
    _check(page, "console false-alarm confirmation")
    page.click("#dialog-cancel")
    page.click("#after-form button[type=submit]")
    page.wait_for_selector("#after-alerts tbody tr")
    _check(page, "console after-action view")


def test_geo_states_have_no_axe_violations(page: Any, demo: Demo) -> None:
    """Issue 15's additions: the warning time and step-free note (Russian), area fits and the plan layer."""
    page.goto(f"{demo.base}/")
    page.wait_for_selector("body[data-ready]", state="attached")
    page.click("[data-lang=ru]")
    page.check("#step-free")
    page.fill("#q", "Millerovo")
    page.press("#q", "Enter")
    page.wait_for_selector("#shelter-step-free")
    page.wait_for_selector("#area-warning")
    _check(page, "public with a step-free route (ru)")
    page.uncheck("#step-free")
    page.click("[data-lang=en]")
    sign_in(page, demo)
    page.wait_for_selector("#alerts [data-area-fit]")
    page.fill("#plan-add", "3")
    page.check("#plan-toggle")
    page.wait_for_selector("[data-map=proposed_shelter]", state="attached")
    _check(page, "console with area fits and the shelter plan")
    page.uncheck("#plan-toggle")
