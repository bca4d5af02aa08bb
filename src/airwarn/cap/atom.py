"""The public CAP Atom feed (RFC 4287): each entry carries the signed CAP alert as inline XML."""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urljoin

from lxml import etree

from airwarn.cap._safe import CAP_ALERT, local_tag, parse_xml
from airwarn.cap.xml import format_time
from airwarn.domain.alerts import Alert
from airwarn.errors import InvalidInput

__all__ = [
    "ATOM_NS",
    "AUDIT_NS",
    "CAP_MEDIA_TYPE",
    "FeedEntry",
    "alerts_from_feed",
    "atom_feed",
    "entry_id",
]

ATOM_NS = "http://www.w3.org/2005/Atom"
#: Namespace of the signed audit head element in the feed.
AUDIT_NS = "urn:airwarn:audit:1"
CAP_MEDIA_TYPE = "application/cap+xml"
ATOM_MEDIA_TYPE = "application/atom+xml"
#: Largest feed accepted by `alerts_from_feed`.
MAX_FEED_BYTES = 32 << 20

_A = f"{{{ATOM_NS}}}"
_OID = re.compile(r"(?:urn:oid:)?([0-2](?:\.(?:0|[1-9]\d*))+)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}")
_DNS = re.compile(r"([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}")


@dataclass(frozen=True)
class FeedEntry:
    """One feed entry: the signed CAP document plus the few fields Atom shows without opening it."""

    identifier: str
    sender: str
    sent: datetime
    title: str
    summary: str
    cap_xml: bytes  # the signed CAP alert document

    @classmethod
    def from_alert(cls, alert: Alert, cap_xml: bytes) -> FeedEntry:
        """Title and summary from the English info (or the first one)."""
        info = next((i for i in alert.infos if i.language.lower().startswith("en")), None)
        if info is None and alert.infos:
            info = alert.infos[0]
        title = (info.headline or info.event) if info else alert.note or alert.identifier
        summary = info.description if info else alert.note
        return cls(alert.identifier, alert.sender, alert.sent, title, summary, cap_xml)


def entry_id(sender: str, identifier: str, sent: datetime) -> str:
    """Stable Atom id: `urn:oid:` for OID identifiers, else a tag URI (RFC 4151) under the sender."""
    oid = _OID.fullmatch(identifier)
    if oid:
        return f"urn:oid:{oid.group(1)}"
    if _EMAIL.fullmatch(sender) or _DNS.fullmatch(sender):
        return f"tag:{sender.lower()},{sent.year:04d}:cap/{quote(identifier, safe='-._~!$&()*+,;=:@')}"
    return uuid.uuid5(uuid.NAMESPACE_URL, f"cap:{sender},{identifier}").urn


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    el = etree.SubElement(parent, _A + tag, attrib)
    if text is not None:
        try:
            el.text = text
        except ValueError:
            raise InvalidInput(f"feed {tag} contains characters that XML cannot carry", field=tag) from None
    return el


def _alert_element(entry: FeedEntry, index: int) -> etree._Element:
    root = parse_xml(entry.cap_xml)
    if root.tag != CAP_ALERT:
        raise InvalidInput(
            f"feed entry {index} ({entry.identifier}) is not a CAP alert: <{local_tag(root.tag)}>",
            field=f"entries[{index}]",
        )
    return root


def atom_feed(
    entries: Sequence[FeedEntry],
    *,
    feed_id: str,
    title: str,
    self_url: str,
    updated: datetime,
    author: str = "airwarn",
    audit_head: Mapping[str, Any] | None = None,
    audit_head_url: str | None = None,
) -> bytes:
    """An Atom 1.0 feed whose entries embed their signed CAP alerts as XML, unchanged and unescaped.

    With `audit_head`, the feed also carries the authority's signed audit head as an `aw:auditHead`
    element (its fields as attributes) and links to `audit_head_url`."""
    feed = etree.Element(_A + "feed", nsmap={None: ATOM_NS, "aw": AUDIT_NS} if audit_head else {None: ATOM_NS})
    _sub(feed, "id", feed_id)
    _sub(feed, "title", title)
    _sub(feed, "updated", format_time(updated, "updated"))
    _sub(feed, "link", rel="self", type=ATOM_MEDIA_TYPE, href=self_url)
    _sub(_sub(feed, "author"), "name", author)
    if audit_head_url:
        _sub(feed, "link", rel="related", type="application/json", href=audit_head_url,
             title="signed audit head")
    if audit_head:
        etree.SubElement(feed, f"{{{AUDIT_NS}}}auditHead", {k: str(v) for k, v in audit_head.items()})
    contents: list[tuple[etree._Element, etree._Element]] = []
    for i, entry in enumerate(entries):
        alert_el = _alert_element(entry, i)
        el = _sub(feed, "entry")
        _sub(el, "id", entry_id(entry.sender, entry.identifier, entry.sent))
        _sub(el, "title", entry.title)
        _sub(el, "updated", format_time(entry.sent, f"entries[{i}].sent"))
        href = urljoin(self_url, f"alerts/{quote(entry.identifier, safe='')}.xml")
        _sub(el, "link", rel="alternate", type=CAP_MEDIA_TYPE, href=href)
        if entry.summary:
            _sub(el, "summary", entry.summary)
        contents.append((_sub(el, "content", type=CAP_MEDIA_TYPE), alert_el))
    # Indent the feed's own elements first, then drop in the alerts: re-indenting a signed alert
    # would change its whitespace and break its signature.
    etree.indent(feed, space="  ")
    for content, alert_el in contents:
        content.append(alert_el)
    data: bytes = etree.tostring(feed, xml_declaration=True, encoding="UTF-8")
    return data + b"\n"


def alerts_from_feed(feed: bytes) -> list[bytes]:
    """Each embedded CAP alert as a standalone document, signature intact, in feed order."""
    root = parse_xml(feed, limit=MAX_FEED_BYTES, what="Atom feed")
    if root.tag != _A + "feed":
        raise InvalidInput(f"not an Atom feed: root element is <{local_tag(root.tag)}>", field="line 1")
    out: list[bytes] = []
    for i, content in enumerate(root.iterfind(f"{_A}entry/{_A}content")):
        if content.get("type") != CAP_MEDIA_TYPE:
            continue
        alerts = [child for child in content if child.tag == CAP_ALERT]
        if len(alerts) != 1:
            raise InvalidInput(
                f"entry {i + 1}: {CAP_MEDIA_TYPE} content must hold exactly one CAP <alert>",
                field=f"line {content.sourceline}",
            )
        alert_el = copy.deepcopy(alerts[0])  # a standalone tree, carrying the namespaces it uses
        alert_el.tail = None
        etree.cleanup_namespaces(alert_el)
        out.append(etree.tostring(alert_el, xml_declaration=True, encoding="UTF-8"))
    return out
