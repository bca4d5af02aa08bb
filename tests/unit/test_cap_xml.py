"""CAP 1.2 out and in: schema order, formats, schema validation, round trips and hostile input."""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from airwarn.cap.validate import validate
from airwarn.cap.xml import CAP_NS, alert_from_xml, alert_to_xml, format_time
from airwarn.domain.alerts import Area, MsgType
from airwarn.domain.reports import Status
from airwarn.errors import InvalidInput

try:
    from . import cap_samples as samples
except ImportError:
    import cap_samples as samples  # type: ignore[no-redef]

C = f"{{{CAP_NS}}}"
ALL = samples.every_alert()
IDS = [f"{a.status}-{a.msg_type}" for a in ALL]


def children(xml: bytes) -> list[str]:
    return [etree.QName(el).localname for el in etree.fromstring(xml)]


@pytest.mark.parametrize("alert", ALL, ids=IDS)
def test_every_message_type_and_status_is_schema_valid(alert):
    validate(alert_to_xml(alert))


@pytest.mark.parametrize("alert", ALL, ids=IDS)
def test_round_trip_keeps_every_cap_field(alert):
    back = alert_from_xml(alert_to_xml(alert))
    assert back == alert
    assert back.identifier == alert.identifier and back.sent == alert.sent
    assert back.status is alert.status and back.msg_type is alert.msg_type
    assert back.references == alert.references and back.note == alert.note
    assert back.area.polygons == samples.AREA.polygons
    assert back.region == "RU-ROS" and back.districts == ("RU-ROS-MILLEROVSKY",)
    assert [i.language for i in back.infos] == ["en-US", "ru-RU"]


def test_alert_elements_come_in_schema_order():
    xml = alert_to_xml(samples.cancel())
    assert children(xml) == [
        "identifier",
        "sender",
        "sent",
        "status",
        "msgType",
        "scope",
        "note",
        "references",
        "info",
        "info",
    ]
    info = etree.fromstring(xml).find(C + "info")
    assert [etree.QName(el).localname for el in info] == [
        "language",
        "category",
        "category",
        "event",
        "responseType",
        "urgency",
        "severity",
        "certainty",
        "eventCode",
        "effective",
        "expires",
        "senderName",
        "headline",
        "description",
        "instruction",
        "parameter",
        "area",
    ]
    area = info.find(C + "area")
    assert [etree.QName(el).localname for el in area] == ["areaDesc", "polygon", "geocode", "geocode"]


def test_plain_alert_has_no_note_or_references():
    assert children(alert_to_xml(samples.alert())) == [
        "identifier",
        "sender",
        "sent",
        "status",
        "msgType",
        "scope",
        "info",
        "info",
    ]


def test_document_is_utf8_with_declaration_and_cyrillic_text():
    xml = alert_to_xml(samples.alert())
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "Миллеровский район".encode() in xml


def test_references_are_space_separated_triples():
    root = etree.fromstring(alert_to_xml(samples.cancel()))
    assert root.findtext(C + "references") == (
        "airwarn@authority.example,airwarn-2026-0001,2026-11-24T00:49:00+03:00 "
        "airwarn@authority.example,airwarn-2026-0002,2026-11-24T01:41:00+03:00"
    )


def test_times_are_whole_seconds_with_offset():
    precise = datetime(2026, 11, 24, 0, 49, 7, 123456, tzinfo=samples.MSK)
    assert format_time(precise) == "2026-11-24T00:49:07+03:00"
    assert format_time(datetime(2026, 11, 23, 21, 49, tzinfo=UTC)) == "2026-11-23T21:49:00+00:00"
    odd = timezone(timedelta(hours=2, minutes=30, seconds=17))
    assert format_time(datetime(2026, 1, 1, 12, 0, tzinfo=odd)).endswith("+00:00")


def test_naive_time_is_refused():
    with pytest.raises(InvalidInput, match="time-zone-aware") as err:
        alert_to_xml(samples.alert(sent=datetime(2026, 11, 24, 0, 49)))
    assert err.value.field == "sent"


def test_polygons_are_lat_lon_and_closed():
    open_ring = samples.MILLEROVO_RING[:-1]
    xml = alert_to_xml(samples.alert(area=Area(polygons=(open_ring,))))
    polygon = etree.fromstring(xml).findtext(f"{C}info/{C}area/{C}polygon")
    pairs = polygon.split()
    assert pairs[0] == "48.85,40.3" and pairs[0] == pairs[-1] and len(pairs) == 5
    lat, lon = map(float, pairs[1].split(","))
    assert 48 < lat < 49 and 40 < lon < 41


def test_degenerate_polygon_is_refused():
    with pytest.raises(InvalidInput, match="at least 4 points") as err:
        alert_to_xml(samples.alert(area=Area(polygons=(((40.3, 48.85), (40.5, 48.9)),))))
    assert err.value.field == "area.polygons[0]"


def test_identifier_must_be_a_cap_token():
    with pytest.raises(InvalidInput, match="no spaces, commas"):
        alert_to_xml(samples.alert(identifier="two words"))


def test_text_xml_cannot_carry_is_refused_with_its_field():
    infos = samples.infos(headline_en="bell\x07")
    with pytest.raises(InvalidInput) as err:
        alert_to_xml(samples.alert(infos=infos))
    assert err.value.field == "infos[0].headline"


# ------------------------------------------------------------------------------------- schema errors


def test_missing_identifier_is_reported_with_line_and_element():
    xml = alert_to_xml(samples.alert())
    broken = xml.replace(b"  <identifier>airwarn-2026-0001</identifier>\n", b"")
    with pytest.raises(InvalidInput) as err:
        validate(broken)
    message = err.value.message
    assert "line 3" in message and "sender" in message and "identifier" in message
    assert err.value.field == "line 3"
    assert "{urn:" not in message


def test_bad_status_is_reported_with_value():
    broken = alert_to_xml(samples.alert()).replace(b"<status>Actual</status>", b"<status>Real</status>")
    with pytest.raises(InvalidInput, match=r"line 6.*status.*'Real'"):
        validate(broken)
    with pytest.raises(InvalidInput, match="status"):
        alert_from_xml(broken)


def test_sent_without_offset_is_schema_invalid():
    broken = alert_to_xml(samples.alert()).replace(b"00:49:00+03:00</sent>", b"00:49:00</sent>")
    with pytest.raises(InvalidInput, match="sent"):
        alert_from_xml(broken)


def test_valid_cap_that_airwarn_does_not_handle_is_refused_politely():
    draft = alert_to_xml(samples.alert()).replace(b"<status>Actual</status>", b"<status>Draft</status>")
    validate(draft)
    with pytest.raises(InvalidInput, match="Draft.*Actual, Exercise, Test") as err:
        alert_from_xml(draft)
    assert err.value.field == "line 6"


def test_wrong_root_and_namespace_are_named():
    with pytest.raises(InvalidInput, match="root element is <feed>"):
        validate(b'<feed xmlns="http://www.w3.org/2005/Atom"/>')
    with pytest.raises(InvalidInput, match="urn:oasis:names:tc:emergency:cap:1.1"):
        validate(b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"/>')


def test_malformed_xml_names_the_line():
    with pytest.raises(InvalidInput, match="malformed XML at line 2") as err:
        alert_from_xml(b"<alert>\n<identifier></alert>")
    assert err.value.field == "line 2"


def test_malformed_references_are_refused():
    xml = alert_to_xml(samples.cancel())
    broken = xml.replace(b"airwarn-2026-0001,2026", b"airwarn-2026-0001;2026")
    with pytest.raises(InvalidInput, match="references"):
        alert_from_xml(broken)


# -------------------------------------------------------------------------------------- hostile input


def test_external_entities_are_not_resolved():
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>'
    )
    with pytest.raises(InvalidInput, match="DOCTYPE") as err:
        alert_from_xml(xxe)
    assert "root:" not in err.value.message


def test_billion_laughs_is_refused_quickly():
    lol = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    for i in range(1, 10):
        prev = b"&lol;" if i == 1 else b"&lol%d;" % (i - 1)
        lol += b'<!ENTITY lol%d "%s">' % (i, prev * 10)
    lol += b"]><alert>&lol9;</alert>"
    start = time.perf_counter()
    with pytest.raises(InvalidInput):
        alert_from_xml(lol)
    assert time.perf_counter() - start < 5.0  # expanded, it would take minutes and gigabytes


def test_oversized_documents_are_refused_before_parsing():
    note = b"<note>" + b"x" * (1 << 20) + b"</note>"
    big = alert_to_xml(samples.alert()).replace(b"<scope>Public</scope>", b"<scope>Public</scope>" + note)
    with pytest.raises(InvalidInput, match="limit"):
        alert_from_xml(big)


# ------------------------------------------------------------------------------------- foreign alerts

FOREIGN = """<?xml version="1.0" encoding="UTF-8"?>
<cap:alert xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2">
  <cap:identifier>2.49.0.1.643.0.2026.1</cap:identifier>
  <cap:sender>mchs@example.ru</cap:sender>
  <cap:sent>2026-11-24T01:41:00+03:00</cap:sent>
  <cap:status>Exercise</cap:status>
  <cap:msgType>Alert</cap:msgType>
  <cap:scope>Public</cap:scope>
  <cap:info>
    <cap:category>Security</cap:category>
    <cap:event>Drone hazard</cap:event>
    <cap:urgency>Immediate</cap:urgency>
    <cap:severity>Severe</cap:severity>
    <cap:certainty>Likely</cap:certainty>
    <cap:area>
      <cap:areaDesc>Penza</cap:areaDesc>
      <cap:polygon>53.1,44.9 53.1,45.1 53.3,45.1</cap:polygon>
    </cap:area>
    <cap:area>
      <cap:areaDesc>Penza airport</cap:areaDesc>
      <cap:circle>53.11,45.02 5</cap:circle>
      <cap:geocode><cap:valueName>ISO3166-2</cap:valueName><cap:value>RU-PNZ</cap:value></cap:geocode>
    </cap:area>
  </cap:info>
</cap:alert>
"""


def test_foreign_alert_with_prefixes_open_ring_and_circle_is_imported():
    alert = alert_from_xml(FOREIGN)
    assert alert.status is Status.EXERCISE and alert.msg_type is MsgType.ALERT
    info = alert.infos[0]
    assert info.language == "en-US"  # the schema's default
    assert info.area_desc == "Penza; Penza airport"
    assert info.headline == "" and info.effective is None
    triangle, circle = alert.area.polygons
    assert triangle[0] == triangle[-1] == (44.9, 53.1) and len(triangle) == 4
    lons = [p[0] for p in circle]
    lats = [p[1] for p in circle]
    assert circle[0] == circle[-1] and len(circle) == 33
    assert 53.06 < min(lats) < 53.07 and 53.15 < max(lats) < 53.16
    assert 44.94 < min(lons) < 44.95 and 45.09 < max(lons) < 45.10
    assert alert.region == "RU-PNZ" and alert.districts == ()
    validate(alert_to_xml(alert))


def test_out_of_range_coordinates_are_refused():
    with pytest.raises(InvalidInput, match="WGS 84"):
        alert_from_xml(FOREIGN.replace("53.3,45.1", "93.3,45.1"))
    with pytest.raises(InvalidInput, match="lat,lon"):
        alert_from_xml(FOREIGN.replace("53.3,45.1", "nan,45.1"))


# ------------------------------------------------------------------------------------------ fuzzing

VALID = alert_to_xml(samples.cancel())
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _returns_or_invalid(data: bytes | str) -> None:
    with contextlib.suppress(InvalidInput):
        alert_from_xml(data)


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_return_or_raise_invalid_input(data):
    _returns_or_invalid(data)


@FUZZ
@given(st.text(max_size=2000))
def test_arbitrary_text_returns_or_raises_invalid_input(text):
    _returns_or_invalid(text)


@FUZZ
@given(
    st.sampled_from(
        [
            b"airwarn-2026-0003",
            b"2026-11-24T01:52:00+03:00",
            b"Actual",
            b"Cancel",
            b"Public",
            b"en-US",
            b"Security",
            b"Immediate",
            b"Observed",
            b"RU-ROS",
            b"48.85,40.3 48.85,40.52",
            b"airwarn@authority.example",
            b"2026-11-24T00:49:00+03:00 airwarn",
            b"Drone hazard",
        ]
    ),
    st.text(max_size=60),
)
def test_valid_document_with_arbitrary_field_text_returns_or_raises_invalid_input(field, text):
    _returns_or_invalid(VALID.replace(field, escape(text).encode("utf-8", "surrogatepass"), 1))


@FUZZ
@given(st.integers(0, len(VALID)), st.integers(0, 40), st.binary(max_size=20))
def test_mutated_valid_document_returns_or_raises_invalid_input(at, cut, insert):
    _returns_or_invalid(VALID[:at] + insert + VALID[at + cut :])


def test_round_trip_survives_other_offsets_and_expiry_free_infos():
    alert = samples.alert(sent=datetime(2026, 11, 23, 21, 49, tzinfo=UTC))
    infos = tuple(replace(i, expires=None, instruction="") for i in alert.infos)
    alert = replace(alert, infos=infos)
    assert alert_from_xml(alert_to_xml(alert)) == alert
