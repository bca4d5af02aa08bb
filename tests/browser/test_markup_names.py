"""Names from imported data are text, never HTML (issue 11, stored XSS): a district and a shelter named with
markup show it literally in the console's and the public page's tooltips, nothing in them runs, and the
pages load under the Content-Security-Policy without a single violation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from tests.browser.conftest import Demo

MARKUP = '<img src=x onerror="window.__xss=(window.__xss||0)+1"><b>Bold</b>'
DISTRICT = "RU-ROS-MILLEROVSKY"
#: Collects what the browser reports before any page script runs.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '')));
"""

#: A viewport point where the district's path is the topmost element (searched on a grid over its box).
INSIDE = """
(code) => {
  const path = document.querySelector(`path[data-district="${code}"]`);
  const box = path.getBoundingClientRect();
  for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
    const x = box.left + box.width * i / 20, y = box.top + box.height * j / 20;
    if (document.elementFromPoint(x, y) === path) return [x, y];
  }
  throw new Error('no visible point of ' + code);
}
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A node whose territory and shelters were imported with markup in their names."""
    from airwarn.api.app import create_app
    from airwarn.demo import _start
    from airwarn.keyring import init_keys
    from airwarn.service_layer import services
    from airwarn.service_layer.bootstrap import build_deps
    from airwarn.settings import Settings
    from airwarn.shelters.sample import import_sample
    from airwarn.store.shelter_tables import shelter_sites
    from airwarn.territory.io import demo_territory, dump_territory

    workdir: Path = tmp_path_factory.mktemp("markup")
    init_keys(workdir / "keys")
    settings = Settings(db=f"sqlite:///{workdir / 'airwarn.db'}", keys_dir=workdir / "keys", dispatch=False)
    deps = build_deps(settings)
    collection = dump_territory(demo_territory())
    for feature in collection["features"]:
        if feature["properties"].get("code") == DISTRICT:
            feature["properties"]["name_en"] = MARKUP + " Millerovsky"
            feature["properties"]["name_ru"] = MARKUP + " Миллеровский"
    with deps.uow.write() as repo:
        repo.replace_territory(collection["features"], dict(collection.get("metadata", {})))
    deps = build_deps(settings)  # the stored, hostile territory
    import_sample(deps.uow.engine, deps.territory)
    with deps.uow.engine.begin() as conn:
        conn.execute(update(shelter_sites).values(name=MARKUP + " Shelter"))
    operator = services.add_user(deps, "olga", "operator", actor="test")
    server, thread, base = _start(create_app(deps, settings=settings), "127.0.0.1", 0)
    try:
        yield Demo(base=base, operator=operator, approver="", deps=deps)
    finally:
        server.should_exit = True
        thread.join(2)
        if thread.is_alive():
            server.force_exit = True
            thread.join(10)


@pytest.fixture
def watched(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(WATCH)
    page = context.new_page()
    page.set_default_timeout(15_000)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.console_csp = console
    yield page
    context.close()


def assert_clean(page: Any) -> None:
    """No script from data ran, no element from data exists, and nothing hit the CSP."""
    assert page.evaluate("window.__xss") is None, "markup from a name ran as script"
    assert page.locator("img[src=x]").count() == 0, "markup from a name became an element"
    assert page.evaluate("window.__csp") == [], page.evaluate("window.__csp")
    assert page.console_csp == []


def test_the_pages_are_served_with_a_strict_policy(hostile: Demo) -> None:
    for path in ("/", "/console"):
        headers = httpx.get(hostile.base + path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp.split("style-src-attr")[0]
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"


def test_a_district_named_with_markup_is_text_in_the_console_tooltip(watched: Any, hostile: Demo) -> None:
    page = watched
    page.goto(f"{hostile.base}/console")
    page.wait_for_selector("body[data-ready]", state="attached")
    page.fill("#token", hostile.operator)
    page.click("#login-form button[type=submit]")
    page.locator(f'path[data-district="{DISTRICT}"]').wait_for(state="attached")
    x, y = page.evaluate(INSIDE, DISTRICT)  # a point of the district's own shape (its box centre may not be)
    page.mouse.move(x, y)
    page.mouse.move(x + 1, y + 1)
    tooltip = page.locator(".leaflet-tooltip", has_text="Millerovsky").first
    tooltip.wait_for()
    assert MARKUP in tooltip.inner_text(), tooltip.inner_html()
    assert tooltip.locator("img, b").count() == 0
    assert_clean(page)


def test_a_shelter_and_district_named_with_markup_are_text_on_the_public_page(watched: Any,
                                                                              hostile: Demo) -> None:
    page = watched
    page.goto(f"{hostile.base}/#map=16/48.92/40.39")  # the synthetic centre of Millerovo
    page.wait_for_selector("path[data-map=streets]", state="attached")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#shelter-name")
    assert page.inner_text("#shelter-name") == MARKUP + " Shelter"
    assert MARKUP in page.inner_text("#area-name")
    tooltips = page.locator(".leaflet-tooltip")
    page.wait_for_function("[...document.querySelectorAll('.leaflet-tooltip')]"
                           ".some((t) => t.textContent.includes('Shelter'))")
    texts = [tooltips.nth(i).inner_text() for i in range(tooltips.count())]
    assert any(MARKUP + " Shelter" in t for t in texts), texts
    assert page.locator(".leaflet-tooltip img, .leaflet-tooltip b").count() == 0
    assert_clean(page)


def test_both_pages_load_and_go_live_without_a_csp_violation(watched: Any, hostile: Demo) -> None:
    page = watched
    page.goto(f"{hostile.base}/")
    page.wait_for_selector("path[data-regimes]", state="attached")
    page.wait_for_function("document.querySelector('#live-state').textContent.trim() !== ''")
    page.goto(f"{hostile.base}/console")
    page.wait_for_selector("body[data-ready]", state="attached")
    page.fill("#token", hostile.operator)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("path[data-district]", state="attached")
    page.wait_for_function("document.querySelector('#live-state').textContent.includes('live')")
    assert page.evaluate("window.__csp") == [], page.evaluate("window.__csp")
    assert page.console_csp == []
