"""Names from imported data are text, never markup (issue 11 item 3): a district, an airport and a
shelter named with an `<img onerror>` payload show the payload literally in both pages' maps and lists."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import Demo, declare, sign_in, watch, with_csp

PAYLOAD = '<img src=x onerror="window.__xss=1">'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A node whose territory and shelter registry carry markup in their names, served on a free port."""
    from sqlalchemy import update

    from airwarn.api.app import create_app
    from airwarn.demo import APPROVER, OPERATOR, _start, import_streets
    from airwarn.service_layer import services
    from airwarn.service_layer.bootstrap import build_deps, import_territory
    from airwarn.settings import Settings
    from airwarn.store.shelter_tables import shelter_sites
    from airwarn.territory.io import demo_territory, dump_territory

    workdir: Path = tmp_path_factory.mktemp("hostile")
    settings = Settings(db=f"sqlite:///{workdir / 'airwarn.db'}", keys_dir=workdir / "keys")
    raw = dump_territory(demo_territory())
    for f in raw["features"]:
        p = f["properties"]
        if p.get("code") == "RU-ROS-MILLEROVSKY" or p.get("icao") == "URRP":
            p["name_en"] = f"{PAYLOAD}{p['name_en']}"
            p["name_ru"] = f"{PAYLOAD}{p['name_ru']}"
    from airwarn.keyring import init_keys

    init_keys(workdir / "keys")
    build_deps(settings).uow.engine.dispose()  # creates the database the import then writes into
    import_territory(settings, raw)
    deps = build_deps(settings)
    tokens = {OPERATOR: services.add_user(deps, OPERATOR, "operator", actor="test"),
              APPROVER: services.add_user(deps, APPROVER, "approver", actor="test")}
    import_streets(deps)
    with deps.uow.engine.begin() as conn:
        conn.execute(update(shelter_sites).values(name=PAYLOAD + shelter_sites.c.name))
    app = with_csp(create_app(deps))
    server, thread, base = _start(app, "127.0.0.1", 0)
    try:
        demo = Demo(base=base, operator=tokens[OPERATOR], approver=tokens[APPROVER], deps=deps)
        declare(demo, "drone_hazard", "RU-ROS", [f"{PAYLOAD}Millerovsky"], reason="drones")
        yield demo
    finally:
        server.should_exit = True
        thread.join(2)
        if thread.is_alive():
            server.force_exit = True
            thread.join(10)


@pytest.fixture
def hostile_page(hostile: Demo, browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    errors = watch(pg)
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
    assert not errors, errors


def _no_markup_ran(page: Any) -> None:
    assert page.evaluate("window.__xss") is None
    assert page.locator("img[src=x]").count() == 0


def test_the_console_shows_markup_in_names_as_text(hostile_page: Any, hostile: Demo) -> None:
    page = hostile_page
    sign_in(page, hostile)
    path = page.locator('path[data-district="RU-ROS-MILLEROVSKY"]')
    assert "drone_hazard" in (path.get_attribute("data-regimes") or "")
    path.dispatch_event("mouseover")  # Leaflet opens the district's tooltip
    tip = page.locator(".leaflet-tooltip", has_text="Millerovsky").first
    tip.wait_for()
    assert PAYLOAD in tip.inner_text()
    page.wait_for_selector("#regimes tbody tr")
    assert PAYLOAD in page.inner_text("#regimes")
    page.select_option("#c-region", "RU-ROS")
    assert PAYLOAD in page.inner_text("#c-districts")
    page.wait_for_selector('#airports li[data-icao="URRP"]')
    assert PAYLOAD in page.inner_text('#airports li[data-icao="URRP"]')
    _no_markup_ran(page)


def test_the_public_page_shows_markup_in_names_as_text(hostile_page: Any, hostile: Demo) -> None:
    page = hostile_page
    page.goto(f"{hostile.base}/#map=16/48.92/40.39")
    page.wait_for_selector("body[data-ready]", state="attached")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#shelter-name")
    assert page.inner_text("#shelter-name").startswith(PAYLOAD)
    assert PAYLOAD in page.inner_text("#hero-place") and PAYLOAD in page.inner_text("#area-name")
    tip = page.locator(".leaflet-tooltip.shelter-tip, .leaflet-tooltip:has(.shelter-tip)").first
    tip.wait_for()
    assert PAYLOAD in tip.inner_text()  # the shelter's permanent label on the map
    assert PAYLOAD in page.inner_text("#now")
    page.goto(f"{hostile.base}/#map=9/47.27/39.8")  # the airport's label at this zoom
    page.wait_for_selector(".place-label")
    assert any(PAYLOAD in t for t in page.locator(".place-label").all_inner_texts())
    _no_markup_ran(page)
    with httpx.Client(base_url=hostile.base) as http:
        csp = http.get("/").headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
