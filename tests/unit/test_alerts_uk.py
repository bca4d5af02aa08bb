"""Ukrainian <info> (issue 14): an alert whose area is Ukrainian carries uk-UA text next to en and ru, valid CAP."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from airwarn.cap.validate import validate
from airwarn.cap.xml import alert_from_xml, alert_to_xml
from airwarn.domain.alerts import Alert, Authority, MsgType
from airwarn.domain.alerts_uk import UK_REGION_NAMES, UK_THREAT_TEXTS, with_ukrainian
from airwarn.domain.composing import compose_all_clear, compose_cancel, compose_regime_alert
from airwarn.domain.regimes import Regime
from airwarn.domain.reports import Certainty, RegimeKind
from airwarn.territory.io import demo_territory

KYIV_TZ = timezone(timedelta(hours=2))
AT = datetime(2026, 11, 24, 2, 47, tzinfo=KYIV_TZ)
TERRITORY = demo_territory()


def _alert(region: str, kind: RegimeKind = RegimeKind.DRONE_HAZARD) -> Alert:
    regime = Regime("r1", kind, region, None, AT, "operator", "alert channel")
    return compose_regime_alert(
        identifier="airwarn-uk-1",
        authority=Authority(),
        sent=AT,
        territory=TERRITORY,
        regimes=[regime],
        certainty=Certainty.OBSERVED,
    )


def _uk(alert: Alert):  # noqa: ANN202 - the Info of the test's alert
    [info] = [i for i in alert.infos if i.language == "uk-UA"]
    return info


@pytest.mark.parametrize("kind", list(RegimeKind))
def test_ukrainian_area_gets_a_uk_info_besides_en_and_ru(kind):
    alert = _alert("UA-59", kind)
    assert [i.language for i in alert.infos] == ["en-US", "ru-RU", "uk-UA"]
    uk, en = _uk(alert), alert.infos[0]
    assert uk.event == UK_THREAT_TEXTS[kind].event and uk.instruction == UK_THREAT_TEXTS[kind].instruction
    assert uk.area_desc == "Сумська область" and uk.headline == f"{uk.event}: Сумська область"
    assert "02:47" in uk.description and uk.sender_name == "Служба оповіщення"
    # the same CAP facts as the English block, only the words differ
    assert (uk.urgency, uk.severity, uk.certainty, uk.event_codes) == (
        en.urgency,
        en.severity,
        en.certainty,
        en.event_codes,
    )


def test_ukrainian_info_is_schema_valid_cap_and_round_trips():
    alert = _alert("UA-63")
    xml = alert_to_xml(alert)
    validate(xml)
    assert b"<language>uk-UA</language>" in xml
    assert "Харківська область".encode() in xml
    back = alert_from_xml(xml)
    assert [i.language for i in back.infos] == ["en-US", "ru-RU", "uk-UA"]
    assert _uk(back) == _uk(alert)


def test_russian_area_has_no_ukrainian_info():
    alert = _alert("RU-ROS")
    assert [i.language for i in alert.infos] == ["en-US", "ru-RU"]
    assert with_ukrainian(alert) is alert


def test_all_clear_and_cancel_of_a_ukrainian_alert_speak_ukrainian():
    alert = _alert("UA-32")
    clear = compose_all_clear(identifier="c1", original=alert, sent=AT + timedelta(hours=1), created_by="op")
    uk = _uk(clear)
    assert len([i for i in clear.infos if i.language == "uk-UA"]) == 1
    assert uk.headline == "Відбій: Київська область" and uk.instruction == "Можна залишити укриття."
    assert "відбій" in uk.description and "Отбой" not in uk.headline
    validate(alert_to_xml(clear))
    cancel = compose_cancel(identifier="x1", original=alert, sent=AT, created_by="op", note="")
    assert cancel.msg_type == MsgType.CANCEL
    assert _uk(cancel).headline.startswith("Скасовано: ") and "помилковим" in _uk(cancel).instruction
    validate(alert_to_xml(cancel))


def test_every_ukrainian_region_of_the_territory_has_a_ukrainian_name():
    ua = {code for code in TERRITORY.regions if code.startswith("UA-")}
    assert ua and ua <= set(UK_REGION_NAMES)
