"""Enveloped XML Signatures on CAP alerts: they validate, verify, and catch tampering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from airwarn.cap.signing import (
    SignatureInvalid,
    Signer,
    generate_authority_key,
    verify,
)
from airwarn.cap.validate import validate
from airwarn.cap.xml import alert_from_xml, alert_to_xml
from airwarn.errors import AirwarnError, ConfigError, InvalidInput

try:
    from . import cap_samples as samples
except ImportError:
    import cap_samples as samples  # type: ignore[no-redef]

DS = "{http://www.w3.org/2000/09/xmldsig#}"
ALL = samples.every_alert()
IDS = [f"{a.status}-{a.msg_type}" for a in ALL]


@pytest.fixture(scope="module")
def keypair() -> tuple[bytes, bytes]:
    return generate_authority_key("Test Warning Authority")


@pytest.fixture(scope="module")
def signer(keypair) -> Signer:
    return Signer.from_pem(*keypair)


@pytest.fixture(scope="module")
def signed(signer) -> bytes:
    return signer.sign(alert_to_xml(samples.alert()))


@pytest.mark.parametrize("alert", ALL, ids=IDS)
def test_signed_alerts_stay_schema_valid_and_verify(signer, keypair, alert):
    xml = signer.sign(alert_to_xml(alert))
    validate(xml)
    root = etree.fromstring(xml)
    assert root[-1].tag == DS + "Signature"
    verified = verify(xml, keypair[1])
    assert etree.fromstring(verified).find(DS + "Signature") is None
    assert alert_from_xml(verified) == alert
    assert alert_from_xml(xml) == alert  # import ignores the signature element


def test_signature_uses_rsa_sha256_exclusive_c14n_over_the_whole_alert(signed):
    sig = etree.fromstring(signed).find(DS + "Signature")
    algorithms = [el.get("Algorithm") for el in sig.iter() if el.get("Algorithm")]
    assert "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" in algorithms
    assert "http://www.w3.org/2000/09/xmldsig#enveloped-signature" in algorithms
    assert algorithms.count("http://www.w3.org/2001/10/xml-exc-c14n#") == 2
    assert sig.find(f"{DS}SignedInfo/{DS}Reference").get("URI") == ""
    assert sig.find(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate") is not None


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"Drone hazard: Millerovsky", b"Drone hazarD: Millerovsky"),  # one character of the headline
        ("Миллеровский район, Ростовская".encode(), "Миллеровский район, Ростовскую".encode()),
        (b"<severity>Severe</severity>", b"<severity>Minor</severity>"),
        (b"48.85,40.3 48.85,40.52", b"48.85,40.3 48.85,40.62"),
        (b"<status>Actual</status>", b"<status>Test</status>"),
    ],
)
def test_tampering_is_detected(signed, keypair, old, new):
    assert old in signed
    with pytest.raises(SignatureInvalid, match="Digest mismatch"):
        verify(signed.replace(old, new, 1), keypair[1])


def test_signature_value_tampering_is_detected(signed, keypair):
    root = etree.fromstring(signed)
    value = root.find(f"{DS}Signature/{DS}SignatureValue")
    value.text = ("B" if value.text[0] == "A" else "A") + value.text[1:]
    with pytest.raises(SignatureInvalid):
        verify(etree.tostring(root), keypair[1])


def test_another_authoritys_certificate_is_refused(signed):
    _, other_cert = generate_authority_key("Someone Else")
    with pytest.raises(SignatureInvalid):
        verify(signed, other_cert)


def test_unsigned_and_misplaced_signatures_are_refused(signed, keypair):
    with pytest.raises(SignatureInvalid, match="no XML Signature"):
        verify(alert_to_xml(samples.alert()), keypair[1])
    root = etree.fromstring(signed)
    root.find("{urn:oasis:names:tc:emergency:cap:1.2}info").append(root[-1])  # move it into <info>
    with pytest.raises(SignatureInvalid):
        verify(etree.tostring(root), keypair[1])


def test_garbage_signature_is_refused_not_crashed(signed, keypair):
    root = etree.fromstring(signed)
    root.find(f"{DS}Signature/{DS}SignatureValue").text = "!!! not base64 !!!"
    with pytest.raises(SignatureInvalid):
        verify(etree.tostring(root), keypair[1])
    with pytest.raises(InvalidInput):
        verify(b"<alert", keypair[1])
    with pytest.raises(InvalidInput, match="certificate") as err:
        verify(signed, b"-----BEGIN CERTIFICATE-----\nnonsense\n-----END CERTIFICATE-----\n")
    assert not isinstance(err.value, ConfigError)


def test_signature_invalid_is_a_422_airwarn_error():
    assert issubclass(SignatureInvalid, AirwarnError)
    assert issubclass(SignatureInvalid, InvalidInput)
    assert SignatureInvalid.status_code == 422 and SignatureInvalid.code == "signature_invalid"


def test_already_signed_alert_is_not_signed_twice(signer, signed):
    with pytest.raises(InvalidInput, match="already signed"):
        signer.sign(signed)


def test_expired_certificate_fails_but_archived_alert_verifies_at_its_time(signed, keypair):
    cert = x509.load_pem_x509_certificate(keypair[1])
    with pytest.raises(SignatureInvalid):
        verify(signed, keypair[1], at=datetime.now(UTC) + timedelta(days=6 * 365))
    verify(signed, cert, at=datetime.now(UTC) + timedelta(days=365))


def test_generated_authority_key_is_rsa_2048_self_signed_for_five_years(keypair):
    signer = Signer.from_pem(*keypair)
    cert = signer.certificate
    key = signer._key
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Test Warning Authority"
    assert cert.issuer == cert.subject
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert timedelta(days=5 * 365) <= lifetime <= timedelta(days=5 * 366)
    assert len(signer.fingerprint) == 64


def test_signer_from_paths_and_mismatched_pair(tmp_path, keypair):
    key_path, cert_path = tmp_path / "k.pem", tmp_path / "c.pem"
    key_path.write_bytes(keypair[0])
    cert_path.write_bytes(keypair[1])
    assert Signer.from_pem(key_path, str(cert_path)).fingerprint == Signer.from_pem(*keypair).fingerprint
    assert Signer.from_pem(keypair[0].decode(), keypair[1].decode()).cert_pem == keypair[1]
    _, other_cert = generate_authority_key("Other")
    with pytest.raises(ConfigError, match="does not belong"):
        Signer.from_pem(keypair[0], other_cert)
    with pytest.raises(ConfigError, match="cannot read"):
        Signer.from_pem(tmp_path / "missing.pem", cert_path)
    assert "PRIVATE" not in repr(Signer.from_pem(*keypair))
