"""The console as a tired duty officer uses it: confirmations, focus kept through live events, shortcuts,
who is signed in, one clock, why delivery is stuck, overdue approvals, proposed state, after action."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.browser.conftest import Demo, sign_in, wait_js


def _pending(demo: Demo, district: str, region: str = "RU-SAR", kind: str = "missile_hazard") -> dict[str, Any]:
    """A declaration whose alert waits for a second person (not approved here)."""
    with demo.http(demo.operator) as http:
        out = http.post("/api/v1/regimes", json={"kind": kind, "region": region, "districts": [district],
                                                 "reason": "radar track"})
        assert out.status_code == 201, out.text
    alert = out.json()["alerts"][0]
    assert alert["state"] == "pending_approval"
    return out.json()


def _claim(demo: Demo, district: str, region: str) -> str:
    with demo.http(demo.operator) as http:
        out = http.post("/api/v1/reports", json={
            "kind": "explosion", "region": region, "districts": [district], "certainty": "Possible",
            "source": {"type": "media", "name": "a channel"}, "text": f"Explosions heard over {district}?"})
        assert out.status_code in (200, 201), out.text
        return str(out.json()["report_id"])


def _has_path(demo: Demo, path: str) -> bool:
    with demo.http() as http:
        return path in http.get("/openapi.json").json()["paths"]


def test_focus_on_approve_survives_a_live_event(page: Any, demo: Demo) -> None:
    body = _pending(demo, "Balashovsky")
    identifier = body["alerts"][0]["identifier"]
    sign_in(page, demo, demo.approver)
    button = page.locator(f'#alerts li[data-alert="{identifier}"] button[data-act=approve]')
    button.focus()
    page.evaluate("document.querySelector('#alerts').scrollTop = 40")
    scroll = page.evaluate("document.querySelector('#alerts').scrollTop")
    # the timeline keeps the newest 80 records, so a new one shows as a new first item, not a longer list
    newest = page.evaluate("document.querySelector('#timeline li')?.outerHTML || ''")
    with demo.http(demo.operator) as http:  # something else happens meanwhile
        http.post("/api/v1/reports", json={"kind": "drone_attack", "region": "RU-VGG", "districts": ["Bykovsky"],
                                           "source": {"type": "official", "name": "Governor"}, "certainty": "Observed",
                                           "text": "Drones over Bykovsky."}).raise_for_status()
    wait_js(page, f"(document.querySelector('#timeline li')?.outerHTML || '') !== {json.dumps(newest)}")
    page.wait_for_selector('path[data-district="RU-VGG-BYKOVSKY"][data-regimes*=drone_hazard],'
                           'path[data-district="RU-VGG-BYKOVSKY"][data-proposed*=drone_hazard]', state="attached")
    focused = page.evaluate("[document.activeElement.dataset.act, document.activeElement.closest('li') &&"
                            " document.activeElement.closest('li').dataset.alert]")
    assert focused == ["approve", identifier]
    assert page.evaluate("document.querySelector('#alerts').scrollTop") == scroll
    page.keyboard.press("Enter")  # the operator's Enter still approves the alert they were on
    page.wait_for_selector(f'#alerts li[data-alert="{identifier}"][data-state=issued]')


def test_a_region_wide_declaration_says_how_many_districts_and_a_reason_is_required(page: Any, demo: Demo) -> None:
    sign_in(page, demo)
    with demo.http() as http:
        before = len(http.get("/api/v1/regimes").json())
    page.select_option("#c-region", "RU-PNZ")
    page.fill("#c-reason", "")
    page.click("#compose button[type=submit]")
    assert not page.locator("#dialog").is_visible()  # no reason: nothing is asked, nothing is sent
    page.fill("#c-reason", "sirens test call from the region")
    page.click("#compose button[type=submit]")
    page.locator("#dialog").wait_for()
    assert "The whole of Penza Region: 30 districts" in page.inner_text("#dialog-count")
    assert page.inner_text("#dialog-ok") == "Declare for all 30 districts"
    page.click("#dialog-cancel")
    page.wait_for_selector("#compose-result .msg")
    assert "Nothing declared" in page.inner_text("#compose-result")
    with demo.http() as http:
        assert len(http.get("/api/v1/regimes").json()) == before
    with demo.http(demo.operator) as http:  # the API itself refuses a declaration without a reason
        out = http.post("/api/v1/regimes", json={"kind": "drone_hazard", "region": "RU-PNZ", "districts": []})
    assert out.status_code == 422 and out.json()["field"].endswith("reason")


def test_review_queue_by_keyboard(page: Any, demo: Demo) -> None:
    dismiss_id = _claim(demo, "Dubovsky", "RU-VGG")
    confirm_id = _claim(demo, "Rtishchevsky", "RU-SAR")
    sign_in(page, demo)
    page.wait_for_selector(f'#review li[data-report="{confirm_id}"]')
    page.wait_for_selector(f'#review li[data-report="{dismiss_id}"]')
    page.locator("#alerts-h").focus()

    def select(report_id: str) -> None:
        for key in "j" * 30 + "k" * 30:
            page.keyboard.press(key)
            if page.evaluate("document.activeElement.dataset.report") == report_id:
                return
        raise AssertionError(f"j never reached {report_id}")

    select(dismiss_id)
    page.keyboard.press("d")
    page.wait_for_selector(f'#review li[data-report="{dismiss_id}"]', state="detached")
    select(confirm_id)
    page.keyboard.press("c")
    page.wait_for_selector(f'#review li[data-report="{confirm_id}"]', state="detached")
    with demo.http(demo.operator) as http:
        reports = {r["id"]: r for r in http.get("/api/v1/reports", params={"limit": 1000}).json()}
    assert reports[dismiss_id]["review"] == "dismissed" and reports[confirm_id]["review"] == "confirmed"
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")


def test_the_header_shows_who_is_signed_in_and_one_clock(page: Any, demo: Demo) -> None:
    sign_in(page, demo, demo.approver)
    clock = page.inner_text("#clock")
    assert re.fullmatch(r"\d\d:\d\d:\d\d (MSK|GMT\+3)", clock), clock
    if _has_path(demo, "/api/v1/me"):
        assert "duty-approver" in page.inner_text("#who-name") and page.inner_text("#who-role") == "approver"
    else:
        assert "Signed in" in page.inner_text("#who")
    page.wait_for_selector("#timeline li")
    text = page.inner_text("#timeline")
    assert not re.search(r"\b[a-z]+_[a-z_]+\b|\b(alert|regime|report|user|measure)\.[a-z_]+\b", text), text
    assert re.search(r"regime (declared|proposed)|alert (issued|approved)|claim confirmed", text)
    assert "UTC" not in text and ("MSK" in text or "GMT+3" in text)


def test_delivery_progress_says_why_it_is_stuck(page: Any, demo: Demo) -> None:
    sign_in(page, demo)
    page.wait_for_selector("#alerts li[data-channel]")
    stuck = [t for t in page.locator("#alerts li[data-channel]").all_inner_texts() if " — " in t]
    assert stuck, "no channel says why it waits"
    assert any(t.startswith(("sirens:", "CAP feed:", "SMS:", "webhooks:", "Web Push:")) for t in stuck)
    sirens = [t for t in stuck if t.startswith("sirens:")]
    assert sirens and "not configured (AIRWARN_MQTT_HOST)" in sirens[0]  # the demo node has no MQTT broker
    assert not any(t.startswith(("mqtt:", "cap:")) for t in page.locator("#alerts li[data-channel]").all_inner_texts())


def test_a_pending_alert_that_waits_too_long_is_highlighted_and_announced(page: Any, demo: Demo) -> None:
    body = _pending(demo, "Volsky")
    identifier = body["alerts"][0]["identifier"]
    sign_in(page, demo, demo.approver, query="?overdue=1")
    page.wait_for_selector(f'#alerts li[data-alert="{identifier}"].overdue', timeout=15_000)
    wait_js(page, "document.querySelector('#announce').textContent.includes('waiting')", timeout=5000)
    page.keyboard.press("n")  # jump to the oldest waiting alert, approve it from the keyboard
    chosen = page.evaluate("document.activeElement.dataset.alert")
    assert chosen is not None
    page.keyboard.press("a")
    page.locator("#dialog").wait_for()
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#alerts li[data-alert="{chosen}"][data-state=issued]')


def test_proposed_state_is_marked_and_can_be_rejected(page: Any, demo: Demo) -> None:
    if not _has_path(demo, "/api/v1/alerts/{identifier}/reject"):
        pytest.skip("this branch has no POST /api/v1/alerts/{id}/reject yet (authcore's part)")
    body = _pending(demo, "Khvalynsky")
    identifier = body["alerts"][0]["identifier"]
    sign_in(page, demo, demo.approver)
    row = page.locator('#regimes tr[data-state=proposed][data-district="RU-SAR-KHVALYNSKY"]')
    row.wait_for()
    assert "waits for approval" in row.inner_text()
    assert page.get_attribute('path[data-district="RU-SAR-KHVALYNSKY"]', "data-proposed") == "missile_hazard"
    row.get_by_role("button", name=re.compile("Reject")).click()
    page.locator("#dialog").wait_for()
    page.click("#dialog-ok")  # no reason yet: the dialog stays
    assert page.locator("#dialog").is_visible()
    page.fill("#dialog-reason", "duplicate of an earlier track")
    page.click("#dialog-ok")
    row.wait_for(state="detached")
    with demo.http(demo.approver) as http:
        assert http.get(f"/api/v1/alerts/{identifier}").json()["state"] == "rejected"


def test_after_action_view_of_the_night(page: Any, demo: Demo) -> None:
    sign_in(page, demo)
    page.click("#after-form button[type=submit]")
    page.wait_for_selector("#after-alerts tbody tr")
    first = page.locator("#after-alerts tbody tr").first.inner_text()
    assert re.search(r"\d+ (s|min)", first)
    assert page.locator("#after svg.chart circle").count() >= 3
    assert page.locator("#after-regimes tbody tr").count() >= 3


def test_the_first_approve_is_a_few_tabs_away(page: Any, demo: Demo) -> None:
    body = _pending(demo, "Ozinsky")
    identifier = body["alerts"][0]["identifier"]
    sign_in(page, demo, demo.approver)
    page.reload()  # a fresh page, still signed in (the tab keeps the token)
    page.wait_for_selector(f'#alerts li[data-alert="{identifier}"]')
    reached = False
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.act") == "approve":
            reached = True
            break
    with demo.http(demo.approver) as http:
        http.post(f"/api/v1/alerts/{identifier}/approve").raise_for_status()
    assert reached, "no Approve button within 8 Tabs"


def test_a_new_alert_is_announced_to_screen_readers(page: Any, demo: Demo) -> None:
    sign_in(page, demo, demo.approver)
    page.wait_for_selector("#alerts li")
    assert page.get_attribute("#announce", "aria-live") == "assertive"
    body = _pending(demo, "Atkarsky")
    identifier = body["alerts"][0]["identifier"]
    page.wait_for_selector(f'#alerts li[data-alert="{identifier}"]')
    wait_js(page, "document.querySelector('#announce').textContent.includes('Atkarsky')", timeout=3000)
    assert "waits for a second person" in page.inner_text("#announce")
    with demo.http(demo.approver) as http:
        http.post(f"/api/v1/alerts/{identifier}/approve").raise_for_status()
