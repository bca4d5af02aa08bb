"""The CAP Atom feed: inline signed alerts that a consumer can take out and verify."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from airwarn.cap.atom import ATOM_NS, CAP_MEDIA_TYPE, FeedEntry, alerts_from_feed, atom_feed, entry_id
from airwarn.cap.signing import SignatureInvalid, Signer, generate_authority_key, verify
from airwarn.cap.validate import validate
from airwarn.cap.xml import CAP_NS, alert_from_xml, alert_to_xml
from airwarn.errors import InvalidInput

try:
    from . import cap_samples as samples
except ImportError:
    import cap_samples as samples  # type: ignore[no-redef]

A = f"{{{ATOM_NS}}}"
C = f"{{{CAP_NS}}}"
SELF = "https://warn.example/api/v1/alerts.atom"
ALERTS = [samples.alert(), samples.update(), samples.cancel()]


@pytest.fixture(scope="module")
def keypair() -> tuple[bytes, bytes]:
    return generate_authority_key("Test Warning Authority")


@pytest.fixture(scope="module")
def signed(keypair) -> list[bytes]:
    signer = Signer.from_pem(*keypair)
    return [signer.sign(alert_to_xml(a)) for a in ALERTS]


@pytest.fixture(scope="module")
def feed(signed) -> bytes:
    entries = [FeedEntry.from_alert(a, x) for a, x in zip(ALERTS, signed, strict=True)]
    return atom_feed(
        entries,
        feed_id="tag:authority.example,2026:airwarn/alerts",
        title="airwarn: alerts",
        self_url=SELF,
        updated=datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
    )


def c14n(xml: bytes) -> bytes:
    return etree.tostring(etree.fromstring(xml), method="c14n", exclusive=True)


def test_feed_is_atom_with_one_entry_per_alert(feed):
    root = etree.fromstring(feed)
    assert root.tag == A + "feed"
    assert root.findtext(A + "id") == "tag:authority.example,2026:airwarn/alerts"
    assert root.findtext(A + "updated") == "2026-11-24T02:00:00+00:00"
    assert root.find(A + "link").attrib == {"rel": "self", "type": "application/atom+xml", "href": SELF}
    assert root.findtext(f"{A}author/{A}name")
    entries = root.findall(A + "entry")
    assert len(entries) == 3
    first = entries[0]
    assert first.findtext(A + "id") == "tag:airwarn@authority.example,2026:cap/airwarn-2026-0001"
    assert first.findtext(A + "title") == "Drone hazard: Millerovsky district, Rostov Region"
    assert first.findtext(A + "updated") == "2026-11-24T00:49:00+03:00"
    assert first.findtext(A + "summary").startswith("Drone hazard declared")
    link = first.find(A + "link")
    assert link.get("rel") == "alternate" and link.get("type") == CAP_MEDIA_TYPE
    assert link.get("href") == "https://warn.example/api/v1/alerts/airwarn-2026-0001.xml"
    assert len({e.findtext(A + "id") for e in entries}) == 3


def test_content_carries_the_alert_as_xml_not_escaped_text(feed):
    for content in etree.fromstring(feed).iterfind(f"{A}entry/{A}content"):
        assert content.get("type") == CAP_MEDIA_TYPE
        assert not (content.text or "").strip()
        (alert_el,) = list(content)
        assert alert_el.tag == C + "alert"
        assert alert_el[-1].tag == "{http://www.w3.org/2000/09/xmldsig#}Signature"
    assert b"&lt;alert" not in feed


def test_alerts_taken_out_of_the_feed_verify_and_round_trip(feed, signed, keypair):
    extracted = alerts_from_feed(feed)
    assert len(extracted) == 3
    for xml, original, alert in zip(extracted, signed, ALERTS, strict=True):
        assert c14n(xml) == c14n(original)
        validate(xml)
        assert alert_from_xml(verify(xml, keypair[1])) == alert


def test_one_changed_headline_character_in_the_feed_is_caught(feed, keypair):
    tampered = feed.replace(b"<headline>Drone hazard:", b"<headline>Drone hazarD:", 1)
    assert tampered != feed
    first, *rest = alerts_from_feed(tampered)
    with pytest.raises(SignatureInvalid, match="Digest mismatch"):
        verify(first, keypair[1])
    for xml in rest:
        verify(xml, keypair[1])


def test_atom_title_is_not_covered_but_the_alert_is(feed, keypair):
    # Atom metadata is a convenience: editing it leaves the signed alert intact.
    edited = feed.replace(b"<title>Drone hazard:", b"<title>Drone hazarD:", 1)
    for xml in alerts_from_feed(edited):
        verify(xml, keypair[1])


def test_signature_survives_reserialising_the_whole_feed(feed, keypair):
    again = etree.tostring(etree.fromstring(feed), xml_declaration=True, encoding="UTF-8")
    for xml in alerts_from_feed(again):
        verify(xml, keypair[1])


def test_signature_survives_re_embedding_under_foreign_namespaces(feed, keypair):
    # A consumer re-wraps the alert in its own envelope with other default and prefixed namespaces.
    xml = alerts_from_feed(feed)[0]
    wrapper = etree.fromstring(
        b'<env:envelope xmlns:env="urn:example:envelope" xmlns="urn:example:default"'
        b' xmlns:atom="http://www.w3.org/2005/Atom" xml:lang="ru"><body/></env:envelope>'
    )
    wrapper.find("{urn:example:default}body").append(etree.fromstring(xml))
    wrapped = etree.tostring(wrapper)
    alert_el = etree.fromstring(wrapped).find(f"{{urn:example:default}}body/{C}alert")
    standalone = etree.tostring(alert_el)  # lxml carries the in-scope namespace declarations along
    assert b"urn:example:envelope" in standalone
    assert verify(standalone, keypair[1])


def test_entry_ids_prefer_oids_then_tag_uris():
    sent = samples.SENT
    assert entry_id("x@authority.example", "2.49.0.1.643.0.2026.1", sent) == "urn:oid:2.49.0.1.643.0.2026.1"
    assert entry_id("x@authority.example", "urn:oid:2.49.0.1", sent) == "urn:oid:2.49.0.1"
    assert entry_id("authority.example", "a/b c", sent) == "tag:authority.example,2026:cap/a%2Fb%20c"
    odd = entry_id("not a sender", "id-1", sent)
    assert odd.startswith("urn:uuid:") and odd == entry_id("not a sender", "id-1", sent)


def test_feed_refuses_entries_that_are_not_cap(signed):
    bad = FeedEntry("x", samples.SENDER, samples.SENT, "t", "s", b"<html/>")
    with pytest.raises(InvalidInput, match="not a CAP alert"):
        atom_feed([bad], feed_id="urn:x", title="t", self_url=SELF, updated=samples.SENT)


def test_reading_a_feed_refuses_what_is_not_one(signed):
    with pytest.raises(InvalidInput, match="not an Atom feed"):
        alerts_from_feed(signed[0])
    two = (
        f'<feed xmlns="{ATOM_NS}"><entry><content type="{CAP_MEDIA_TYPE}">'
        f'<alert xmlns="{CAP_NS}"/><alert xmlns="{CAP_NS}"/></content></entry></feed>'
    ).encode()
    with pytest.raises(InvalidInput, match="exactly one"):
        alerts_from_feed(two)
    with pytest.raises(InvalidInput, match="malformed"):
        alerts_from_feed(b"<feed")


def test_empty_feed_is_valid_atom():
    xml = atom_feed([], feed_id="urn:x", title="t", self_url=SELF, updated=samples.SENT)
    assert etree.fromstring(xml).find(A + "entry") is None
    assert alerts_from_feed(xml) == []


def test_feed_carries_the_signed_audit_head_and_its_alerts_still_verify(signed, keypair):
    from airwarn.cap.atom import AUDIT_NS

    head = {"seq": 7, "hash": "ab" * 32, "at": "2026-11-24T00:00:00+00:00", "key_id": "0123456789abcdef",
            "cert_sha256": "cd" * 32, "signature": "c2ln", "alg": "RSA-SHA256"}
    body = atom_feed([FeedEntry.from_alert(alert_from_xml(verify(x, keypair[1])), x) for x in signed],
                     feed_id="urn:x", title="t", self_url="https://a.example/api/v1/alerts.atom",
                     updated=datetime(2026, 11, 24, tzinfo=UTC), audit_head=head,
                     audit_head_url="https://a.example/api/v1/audit/head")
    root = etree.fromstring(body)
    element = root.find(f"{{{AUDIT_NS}}}auditHead")
    assert element is not None and dict(element.attrib) == {k: str(v) for k, v in head.items()}
    link = root.find(f"{{{ATOM_NS}}}link[@rel='related']")
    assert link is not None and link.get("href") == "https://a.example/api/v1/audit/head"
    assert [verify(x, keypair[1]) for x in alerts_from_feed(body)] == [verify(x, keypair[1]) for x in signed]
