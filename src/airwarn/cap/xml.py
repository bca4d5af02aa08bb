"""CAP 1.2 XML out of and back into the domain's Alert."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

from lxml import etree

from airwarn.cap._safe import CAP_NS, MAX_CAP_BYTES, parse_xml
from airwarn.cap.validate import validate_element
from airwarn.domain.alerts import Alert, Area, Info, MsgType, Reference, Severity, Urgency
from airwarn.domain.reports import Certainty, Status
from airwarn.domain.territory import AreaPart, Ring
from airwarn.errors import InvalidInput

__all__ = [
    "CAP_NS",
    "MAX_CAP_BYTES",
    "alert_from_xml",
    "alert_to_xml",
    "format_reference",
    "format_time",
]

_C = f"{{{CAP_NS}}}"
_T = TypeVar("_T")
#: Vertices used to approximate an imported CAP <circle> as a polygon.
CIRCLE_VERTICES = 32
_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON_EQUATOR = 111.320
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
#: CAP <parameter> naming the area's warning time in whole seconds (the time to reach a shelter).
WARNING_PARAMETER = "airwarn:warning_s"


# ---------------------------------------------------------------------------------------------- out


def format_time(value: datetime, field: str = "time") -> str:
    """CAP date-time: `2026-11-24T00:49:00+03:00`, whole seconds, offset always present."""
    offset = value.utcoffset() if isinstance(value, datetime) else None
    if offset is None:
        raise InvalidInput(f"{field} must be a time-zone-aware datetime", field=field)
    value = value.replace(microsecond=0)
    if offset.seconds % 60 or offset.microseconds:  # CAP offsets are whole minutes
        value = value.astimezone(UTC)
    return value.isoformat()


def _token(value: str, field: str) -> str:
    if not value or any(c.isspace() or c in ",<&" for c in value):
        raise InvalidInput(
            f"{field} {value!r} must be non-empty and contain no spaces, commas, '<' or '&' (CAP 1.2)",
            field=field,
        )
    return value


def format_reference(ref: Reference) -> str:
    """One CAP reference triple: `sender,identifier,sent`."""
    return ",".join(
        (
            _token(ref.sender, "references.sender"),
            _token(ref.identifier, "references.identifier"),
            format_time(ref.sent, "references.sent"),
        )
    )


def _add(parent: etree._Element, tag: str, text: str, field: str) -> etree._Element:
    el = etree.SubElement(parent, _C + tag)
    try:
        el.text = text
    except (ValueError, TypeError):
        raise InvalidInput(f"{field} contains characters that XML cannot carry", field=field) from None
    return el


def _add_pairs(parent: etree._Element, tag: str, pairs: Iterable[tuple[str, str]], field: str) -> None:
    for i, (name, value) in enumerate(pairs):
        el = etree.SubElement(parent, _C + tag)
        _add(el, "valueName", name, f"{field}[{i}].valueName")
        _add(el, "value", value, f"{field}[{i}].value")


def _coord(value: float) -> str:
    text = format(value, ".7f").rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _polygon(ring: Ring, field: str) -> str:
    points = list(ring)
    if points and points[0] != points[-1]:
        points.append(points[0])
    if len(points) < 4:
        raise InvalidInput(
            "a CAP polygon needs at least 4 points (3 corners and the closing point)", field=field
        )
    pairs = []
    for lon, lat in points:
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidInput(f"coordinate ({lon}, {lat}) is not a WGS 84 lon, lat", field=field)
        pairs.append(f"{_coord(lat)},{_coord(lon)}")  # CAP order is lat,lon
    return " ".join(pairs)


def _info(root: etree._Element, info: Info, area: Area, field: str) -> None:
    el = etree.SubElement(root, _C + "info")
    _add(el, "language", info.language, f"{field}.language")
    for i, category in enumerate(info.categories):
        _add(el, "category", str(category), f"{field}.categories[{i}]")
    _add(el, "event", info.event, f"{field}.event")
    for i, response in enumerate(info.response_types):
        _add(el, "responseType", str(response), f"{field}.response_types[{i}]")
    _add(el, "urgency", str(info.urgency), f"{field}.urgency")
    _add(el, "severity", str(info.severity), f"{field}.severity")
    _add(el, "certainty", str(info.certainty), f"{field}.certainty")
    _add_pairs(el, "eventCode", info.event_codes, f"{field}.event_codes")
    if info.effective is not None:
        _add(el, "effective", format_time(info.effective, f"{field}.effective"), f"{field}.effective")
    if info.expires is not None:
        _add(el, "expires", format_time(info.expires, f"{field}.expires"), f"{field}.expires")
    for tag, text, name in (
        ("senderName", info.sender_name, "sender_name"),
        ("headline", info.headline, "headline"),
        ("description", info.description, "description"),
        ("instruction", info.instruction, "instruction"),
    ):
        if text:
            _add(el, tag, text, f"{field}.{name}")
    parameters = info.parameters
    if area.warning_s is not None and all(name != WARNING_PARAMETER for name, _ in parameters):
        parameters = (*parameters, (WARNING_PARAMETER, str(area.warning_s)))
    _add_pairs(el, "parameter", parameters, f"{field}.parameters")
    if len(area.parts) > 1:  # areas that do not touch: one <area> block each
        region = tuple(g for g in area.geocodes if g[0] != "airwarn:district")
        for k, part in enumerate(area.parts):
            desc = dict(part.names).get(info.language[:2]) or info.area_desc
            codes = tuple(("airwarn:district", d) for d in part.districts if ("airwarn:district", d) in area.geocodes)
            _area_block(el, desc, part.polygons, region + codes, f"area.parts[{k}]")
    elif info.area_desc or area.polygons or area.geocodes:
        _area_block(el, info.area_desc, area.polygons, area.geocodes, "area")


def _area_block(
    parent: etree._Element, desc: str, rings: tuple[Ring, ...], geocodes: tuple[tuple[str, str], ...], field: str
) -> None:
    area_el = etree.SubElement(parent, _C + "area")
    _add(area_el, "areaDesc", desc, f"{field}.area_desc")
    for i, ring in enumerate(rings):
        _add(area_el, "polygon", _polygon(ring, f"{field}.polygons[{i}]"), f"{field}.polygons[{i}]")
    _add_pairs(area_el, "geocode", geocodes, f"{field}.geocodes")


def alert_to_xml(alert: Alert) -> bytes:
    """Serialise an Alert as a CAP 1.2 document (UTF-8, with declaration, elements in schema order)."""
    root = etree.Element(_C + "alert", nsmap={None: CAP_NS})
    _add(root, "identifier", _token(alert.identifier, "identifier"), "identifier")
    _add(root, "sender", _token(alert.sender, "sender"), "sender")
    _add(root, "sent", format_time(alert.sent, "sent"), "sent")
    _add(root, "status", str(alert.status), "status")
    _add(root, "msgType", str(alert.msg_type), "msg_type")
    _add(root, "scope", alert.scope, "scope")
    if alert.note:
        _add(root, "note", alert.note, "note")
    if alert.references:
        _add(root, "references", " ".join(format_reference(r) for r in alert.references), "references")
    for i, info in enumerate(alert.infos):
        _info(root, info, alert.area, f"infos[{i}]")
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data


# ----------------------------------------------------------------------------------------------- in


def _where(el: etree._Element) -> str:
    return f"line {el.sourceline or 1}"


def _child(el: etree._Element, tag: str) -> etree._Element | None:
    return el.find(_C + tag)


def _text(el: etree._Element, tag: str) -> str:
    child = _child(el, tag)
    return (child.text or "") if child is not None else ""


def _texts(el: etree._Element, tag: str) -> tuple[str, ...]:
    return tuple(child.text or "" for child in el.iterfind(_C + tag))


def _pairs(el: etree._Element, tag: str) -> tuple[tuple[str, str], ...]:
    return tuple((_text(child, "valueName"), _text(child, "value")) for child in el.iterfind(_C + tag))


def _parse_time(text: str, where: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"<{name}> {text!r} is not a CAP date-time", field=where) from None
    if value.utcoffset() is None:
        raise InvalidInput(f"<{name}> {text!r} has no time-zone offset", field=where)
    return value


def _parse_time_el(parent: etree._Element, tag: str) -> datetime | None:
    child = _child(parent, tag)
    if child is None:
        return None
    return _parse_time(child.text or "", _where(child), tag)


def _parse_references(el: etree._Element) -> tuple[Reference, ...]:
    refs = []
    for triple in (el.text or "").split():
        parts = triple.split(",")
        if len(parts) != 3 or not parts[0] or not parts[1]:
            raise InvalidInput(
                f"<references> entry {triple!r} is not a 'sender,identifier,sent' triple", field=_where(el)
            )
        refs.append(Reference(parts[0], parts[1], _parse_time(parts[2], _where(el), "references")))
    return tuple(refs)


def _lat_lon(text: str, where: str, name: str) -> tuple[float, float]:
    parts = text.split(",")
    if len(parts) != 2 or not all(_NUMBER.fullmatch(p.strip()) for p in parts):
        raise InvalidInput(f"<{name}> point {text!r} is not 'lat,lon' in decimal degrees", field=where)
    lat, lon = float(parts[0]), float(parts[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput(f"<{name}> point {text!r} is outside WGS 84 ranges", field=where)
    return lat, lon


def _parse_polygon(el: etree._Element) -> Ring:
    where = _where(el)
    points = [(lon, lat) for lat, lon in (_lat_lon(p, where, "polygon") for p in (el.text or "").split())]
    if points and points[0] != points[-1]:
        points.append(points[0])  # CAP requires closed rings; accept and close an open one
    if len(points) < 4:
        raise InvalidInput("<polygon> needs at least 4 'lat,lon' points", field=where)
    return tuple(points)


def _parse_circle(el: etree._Element) -> Ring | None:
    """Approximate `lat,lon radius_km` by a polygon; a zero radius (a point) gives no area."""
    where = _where(el)
    parts = (el.text or "").split()
    if len(parts) != 2 or not _NUMBER.fullmatch(parts[1]):
        raise InvalidInput(f"<circle> {el.text!r} is not 'lat,lon radius_km'", field=where)
    lat, lon = _lat_lon(parts[0], where, "circle")
    radius_km = float(parts[1])
    if radius_km <= 0:
        return None
    km_per_deg_lon = max(_KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat)), 1e-6)
    ring = []
    for k in range(CIRCLE_VERTICES):
        angle = 2 * math.pi * k / CIRCLE_VERTICES
        p_lat = min(90.0, max(-90.0, lat + radius_km / _KM_PER_DEG_LAT * math.sin(angle)))
        p_lon = lon + radius_km / km_per_deg_lon * math.cos(angle)
        p_lon = (p_lon + 180.0) % 360.0 - 180.0
        ring.append((round(p_lon, 7), round(p_lat, 7)))
    ring.append(ring[0])
    return tuple(ring)


def _unique(items: Iterable[_T]) -> list[_T]:
    return list(dict.fromkeys(items))


def _parse_info(el: etree._Element, rings: list[Ring], geocodes: list[tuple[str, str]]) -> Info:
    area_descs = []
    for area_el in el.iterfind(_C + "area"):
        area_descs.append(_text(area_el, "areaDesc"))
        rings.extend(_parse_polygon(p) for p in area_el.iterfind(_C + "polygon"))
        for circle in area_el.iterfind(_C + "circle"):
            ring = _parse_circle(circle)
            if ring is not None:
                rings.append(ring)
        geocodes.extend(_pairs(area_el, "geocode"))
    return Info(
        language=_text(el, "language") or "en-US",
        categories=_texts(el, "category"),
        event=_text(el, "event"),
        response_types=_texts(el, "responseType"),
        urgency=Urgency(_text(el, "urgency")),
        severity=Severity(_text(el, "severity")),
        certainty=Certainty(_text(el, "certainty")),
        event_codes=_pairs(el, "eventCode"),
        effective=_parse_time_el(el, "effective"),
        expires=_parse_time_el(el, "expires"),
        sender_name=_text(el, "senderName"),
        headline=_text(el, "headline"),
        description=_text(el, "description"),
        instruction=_text(el, "instruction"),
        parameters=_pairs(el, "parameter"),
        area_desc="; ".join(area_descs),
    )


def _warning_parameter(infos: tuple[Info, ...]) -> tuple[tuple[Info, ...], int | None]:
    """Infos without the airwarn:warning_s parameter, and its value (whole seconds) when every info agrees."""
    values = {v.strip() for i in infos for n, v in i.parameters if n == WARNING_PARAMETER}
    if not values:
        return infos, None
    value = next(iter(values))
    if len(values) > 1 or not value.isascii() or not value.isdigit() or int(value) > 86400:
        return infos, None  # a foreign or inconsistent value stays an ordinary parameter
    stripped = tuple(
        replace(i, parameters=tuple(p for p in i.parameters if p[0] != WARNING_PARAMETER)) for i in infos
    )
    return stripped, int(value)


def _parts(root: etree._Element) -> tuple[AreaPart, ...]:
    """The <area> blocks of the first <info> as parts (only when there are several)."""
    info = _child(root, "info")
    blocks = list(info.iterfind(_C + "area")) if info is not None else []
    if len(blocks) < 2:
        return ()
    return tuple(
        AreaPart(
            tuple(_parse_polygon(p) for p in b.iterfind(_C + "polygon")),
            tuple(v for n, v in _pairs(b, "geocode") if n == "airwarn:district"),
        )
        for b in blocks
    )


def _enum_text(root: etree._Element, tag: str, allowed: Iterable[str]) -> str:
    child = _child(root, tag)
    assert child is not None  # required by the schema
    value = child.text or ""
    allowed = tuple(allowed)
    if value not in allowed:
        raise InvalidInput(
            f"<{tag}> {value!r} is valid CAP but airwarn handles only {', '.join(allowed)}",
            field=_where(child),
        )
    return value


def _token_field(root: etree._Element, tag: str) -> str:
    child = _child(root, tag)
    assert child is not None  # required by the schema
    value = (child.text or "").strip()
    if not value or any(c.isspace() or c in ",<&" for c in value):
        raise InvalidInput(
            f"<{tag}> {value!r} must be non-empty and contain no spaces, commas, '<' or '&'",
            field=_where(child),
        )
    return value


def alert_from_xml(data: bytes | str) -> Alert:
    """Parse and schema-validate a CAP 1.2 document into an Alert; bad input raises InvalidInput."""
    root = parse_xml(data, limit=MAX_CAP_BYTES)
    validate_element(root)
    identifier = _token_field(root, "identifier")
    sender = _token_field(root, "sender")
    sent_el = _child(root, "sent")
    assert sent_el is not None
    sent = _parse_time(sent_el.text or "", _where(sent_el), "sent")
    status = Status(_enum_text(root, "status", (s.value for s in Status)))
    msg_type = MsgType(_enum_text(root, "msgType", (m.value for m in MsgType)))
    refs_el = _child(root, "references")
    references = _parse_references(refs_el) if refs_el is not None else ()

    rings: list[Ring] = []
    geocodes: list[tuple[str, str]] = []
    infos = tuple(_parse_info(el, rings, geocodes) for el in root.iterfind(_C + "info"))
    infos, warning_s = _warning_parameter(infos)
    unique_geocodes = _unique(geocodes)
    region = next((v for n, v in unique_geocodes if n == "ISO3166-2"), "")
    districts = tuple(v for n, v in unique_geocodes if n == "airwarn:district")
    return Alert(
        identifier=identifier,
        sender=sender,
        sent=sent,
        status=status,
        msg_type=msg_type,
        infos=infos,
        area=Area(
            polygons=tuple(_unique(rings)),
            geocodes=tuple(unique_geocodes),
            warning_s=warning_s,
            parts=_parts(root),
        ),
        region=region,
        districts=districts,
        scope=_text(root, "scope"),
        references=references,
        note=_text(root, "note"),
    )
