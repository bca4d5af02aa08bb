"""Warning time per district: kept from GeoJSON, used for an alert's area, carried in CAP, SMS and push."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from lxml import etree

from airwarn.cap.xml import CAP_NS, WARNING_PARAMETER, alert_from_xml, alert_to_xml
from airwarn.delivery.channels.base import Message
from airwarn.delivery.channels.webpush import push_payload
from airwarn.domain.alert_payload import live_payload
from airwarn.domain.alerts import Authority
from airwarn.domain.composing import compose_regime_alert
from airwarn.domain.regimes import Regime
from airwarn.domain.reports import Certainty, RegimeKind, Status
from airwarn.errors import InvalidInput
from airwarn.territory.io import dump_territory, load_territory
from tests.unit.test_territory_io import _DOC, _feature

SENT = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)


def _territory(warning_s: object = 45) -> dict:  # type: ignore[type-arg]
    doc = copy.deepcopy(_DOC)
    _feature(doc, "RU-ROS-MILLEROVSKY")["properties"]["warning_s"] = warning_s
    return doc


def _alert(districts: tuple[str, ...]):  # type: ignore[no-untyped-def]
    t = load_territory(_territory())
    regimes = [
        Regime(id=f"r{i}", kind=RegimeKind.DRONE_HAZARD, region="RU-ROS", district=d, declared_at=SENT,
               declared_by="olga", reason="test", status=Status.ACTUAL)
        for i, d in enumerate(districts)
    ]
    return compose_regime_alert(identifier="w-1", authority=Authority(), sent=SENT, territory=t,
                                regimes=regimes, certainty=Certainty.OBSERVED)


def test_a_district_warning_time_is_kept_and_written_back() -> None:
    t = load_territory(_territory())
    assert t.districts["RU-ROS-MILLEROVSKY"].warning_s == 45
    assert t.districts["RU-ROS-VERKHNEDONSKOY"].warning_s is None
    assert t.district_warning_s("RU-ROS-VERKHNEDONSKOY") == 90  # the region's
    again = load_territory(dump_territory(t))
    assert again.districts["RU-ROS-MILLEROVSKY"].warning_s == 45
    assert t.warning_at(48.5, 40.5) == (45, "district", "RU-ROS-MILLEROVSKY")
    assert t.warning_at(48.5, 41.5) == (90, "region", "RU-ROS")


@pytest.mark.parametrize("bad", [0, -5, 1.5, "fast", True])
def test_a_bad_district_warning_time_names_the_field(bad: object) -> None:
    with pytest.raises(InvalidInput) as err:
        load_territory(_territory(bad))
    assert err.value.field == "features[2].properties.warning_s"


def test_the_alert_area_takes_the_shortest_warning_time_of_its_districts() -> None:
    assert _alert(("RU-ROS-VERKHNEDONSKOY",)).area.warning_s == 90
    assert _alert(("RU-ROS-MILLEROVSKY", "RU-ROS-VERKHNEDONSKOY")).area.warning_s == 45


def test_cap_carries_the_warning_time_as_a_documented_parameter_and_reads_it_back() -> None:
    alert = _alert(("RU-ROS-MILLEROVSKY",))
    xml = alert_to_xml(alert)
    root = etree.fromstring(xml)
    for info in root.iter(f"{{{CAP_NS}}}info"):
        params = {p.findtext(f"{{{CAP_NS}}}valueName"): p.findtext(f"{{{CAP_NS}}}value")
                  for p in info.iter(f"{{{CAP_NS}}}parameter")}
        assert params[WARNING_PARAMETER] == "45"
    back = alert_from_xml(xml)
    assert back.area.warning_s == 45 and back.area == alert.area and back.infos == alert.infos
    assert all(WARNING_PARAMETER not in dict(i.parameters) for i in back.infos)


def test_sms_and_push_text_tell_the_time_to_reach_a_shelter() -> None:
    alert = _alert(("RU-ROS-MILLEROVSKY",))
    payload = live_payload(alert)
    assert payload["warning_s"] == 45
    en = Message(1, alert.identifier, "sms", "+79990000000", 1, "", payload, language="en")
    ru = replace(en, language="ru")
    assert "Time to reach a shelter: 45 s." in en.text()
    assert "Время, чтобы добраться до укрытия: 45 с." in ru.text()
    import json

    push = json.loads(push_payload(en))
    assert push["warning_s"] == 45 and push["warning"] == "Time to reach a shelter: 45 s."
