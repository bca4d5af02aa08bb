"""Issue 15: the pages show what the geo API serves — district warning times, how well an alert's CAP area
fits, step-free routes for wheelchair users, and the shelter plan layer."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Demo, sign_in, wait_js

MILLEROVO = {"lat": 48.92, "lon": 40.39, "label": None}


def _remember(page: Any, demo: Demo, place: dict[str, Any], lang: str = "en", profile: str | None = None) -> None:
    page.goto(f"{demo.base}/static/img/icon.svg")  # same origin, to seed localStorage before the page runs
    page.evaluate("([p, l, w]) => { localStorage.setItem('airwarn-place', JSON.stringify(p));"
                  " localStorage.setItem('airwarn-lang', l); if (w) localStorage.setItem('airwarn-profile', w); }",
                  [place, lang, profile])


def _district(demo: Demo, code_part: str) -> dict[str, Any]:
    with demo.http() as http:
        feats = http.get("/api/v1/territory").json()["features"]
    return next(f["properties"] for f in feats
                if f["properties"].get("kind") == "district" and code_part in f["properties"]["code"])


def test_warning_time_per_district_on_the_public_page_in_russian_and_in_the_console(page: Any, demo: Demo) -> None:
    millerovsky = _district(demo, "MILLEROV")
    with demo.http() as http:
        answer = http.get("/api/v1/shelters/nearest", params={"lat": 48.92, "lon": 40.39}).json()
    _remember(page, demo, MILLEROVO, "ru")
    page.goto(f"{demo.base}/")
    page.wait_for_selector("#area-warning")
    assert page.get_attribute("#area-warning", "data-warning-s") == str(millerovsky["effective_warning_s"])
    assert "Время оповещения здесь" in page.inner_text("#area-warning")
    page.wait_for_selector("#shelter-walk")
    assert page.get_attribute("#shelter-walk", "data-warning-from") == answer["warning_from"]
    assert f"({'время оповещения района' if answer['warning_from'] == 'district' else 'время оповещения области'})" \
        in page.inner_text("#shelter-walk") or answer["warning_from"] == "import"
    sign_in(page, demo)
    page.select_option("#c-region", millerovsky["region"])
    box = page.locator(f'#c-districts label:has(input[value="{millerovsky["code"]}"]) [data-warning-s]')
    assert box.get_attribute("data-warning-s") == str(millerovsky["effective_warning_s"])
    assert f"warning {millerovsky['effective_warning_s']} s" in box.inner_text()
