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
    source = {"district": "время оповещения района", "region": "время оповещения области",
              "import": "время оповещения из данных улиц"}[answer["warning_from"]]
    assert f"({source})" in page.inner_text("#shelter-walk")
    sign_in(page, demo)
    page.select_option("#c-region", millerovsky["region"])
    box = page.locator(f'#c-districts label:has(input[value="{millerovsky["code"]}"]) [data-warning-s]')
    assert box.get_attribute("data-warning-s") == str(millerovsky["effective_warning_s"])
    assert f"warning {millerovsky['effective_warning_s']} s" in box.inner_text()


def test_console_shows_how_well_each_alerts_cap_area_fits(page: Any, demo: Demo) -> None:
    sign_in(page, demo)
    page.wait_for_selector("#alerts li[data-alert]")
    shown = page.eval_on_selector_all("#alerts li[data-alert]", "ns => ns.map((n) => n.dataset.alert)")
    with demo.http(demo.operator) as http:
        fits = {i: http.get(f"/api/v1/alerts/{i}").json().get("area_fit") for i in shown}
    identifier, fit = next((i, f) for i, f in fits.items() if f)
    item = f'#alerts li[data-alert="{identifier}"]'
    page.wait_for_selector(f"{item} [data-area-fit]")
    assert page.get_attribute(f"{item} [data-area-fit]", "data-area-fit") == ("within" if fit["within_bound"] else "over")
    text = page.inner_text(f"{item} [data-area-fit]")
    assert f"reaches {round(fit['overshoot_m'])} m beyond" in text
    assert f"leaves out {round(fit['undershoot_m'])} m" in text
    assert f"{round(fit['bound_m'])} m bound" in text
    assert f"at most {fit['max_points']} points" in text


def test_a_resident_chooses_a_step_free_route_and_the_page_remembers_it(page: Any, demo: Demo) -> None:
    with demo.http() as http:
        answer = http.get("/api/v1/shelters/nearest",
                          params={"lat": 48.92, "lon": 40.39, "profile": "wheelchair"}).json()
    assert answer["profile"] == "wheelchair"
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/shelters/nearest" in r.url else None)
    _remember(page, demo, MILLEROVO, "en", profile="wheelchair")
    page.goto(f"{demo.base}/")
    page.wait_for_selector("#shelter-step-free")
    assert page.is_checked("#step-free")
    assert "profile=wheelchair" in asked[-1]
    known = answer.get("step_free_data") is not False
    assert page.get_attribute("#shelter-step-free", "data-step-free-data") == str(known).lower()
    assert ("no stairs" if known else "no step-free data") in page.inner_text("#shelter-step-free")
    page.uncheck("#step-free")  # back to the ordinary walk: the note goes, the choice is forgotten
    wait_js(page, "!document.querySelector('#shelter-step-free') && document.querySelector('#shelter-verdict')")
    assert "profile=" not in asked[-1]
    assert page.evaluate("localStorage.getItem('airwarn-profile')") is None
    page.check("#step-free")
    page.wait_for_selector("#shelter-step-free")
    page.reload()  # remembered across visits
    page.wait_for_selector("#shelter-step-free")
    assert page.is_checked("#step-free")


def test_console_draws_the_shelter_plan_layer_on_demand(page: Any, demo: Demo) -> None:
    with demo.http(demo.operator) as http:
        plan = http.get("/api/v1/shelters/plan", params={"add": 3}).json()
    sites = plan["geojson"]["features"]
    assert sites
    sign_in(page, demo)
    assert page.locator("[data-map=proposed_shelter]").count() == 0
    page.fill("#plan-add", "3")
    page.check("#plan-toggle")
    wait_js(page, f"document.querySelectorAll('[data-map=proposed_shelter]').length === {len(sites)}")
    assert f"{plan['covered_people_added']} more people" in page.inner_text("#plan-msg")
    ranks = page.eval_on_selector_all("[data-map=proposed_shelter]", "ns => ns.map((n) => Number(n.dataset.rank))")
    assert sorted(ranks) == [s["properties"]["rank"] for s in sites]
    page.uncheck("#plan-toggle")
    wait_js(page, "document.querySelectorAll('[data-map=proposed_shelter]').length === 0")
    assert page.inner_text("#plan-msg") == ""
