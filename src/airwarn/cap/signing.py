"""Enveloped XML Signatures (RSA-SHA256, exclusive c14n) on CAP alerts, and the authority's key pair."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.exceptions import InvalidInput as SignXMLInvalidInput
from signxml.exceptions import InvalidSignature as SignXMLInvalidSignature
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from airwarn.cap._safe import CAP_ALERT, DSIG_NS, MAX_CAP_BYTES, local_tag, parse_xml
from airwarn.errors import ConfigError, InvalidInput

__all__ = [
    "KEY_FILE",
    "CERT_FILE",
    "SignatureInvalid",
    "Signer",
    "generate_authority_key",
    "verify",
    "verify_bytes",
]

log = logging.getLogger(__name__)

KEY_FILE = "authority.key"
CERT_FILE = "authority.crt"
CERT_VALIDITY = timedelta(days=5 * 365 + 1)

_SIGNATURE = f"{{{DSIG_NS}}}Signature"
_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0

PemSource = bytes | str | Path


class SignatureInvalid(InvalidInput):
    """The alert's XML Signature is missing, malformed, or does not match its content or the certificate."""

    status_code = 422
    code = "signature_invalid"


def _read_pem(source: PemSource, what: str) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str) and source.lstrip().startswith("-----BEGIN"):
        return source.encode("ascii")
    path = Path(source)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the {what} {path}: {exc.strerror}") from None


def _load_cert(cert: PemSource | x509.Certificate) -> x509.Certificate:
    if isinstance(cert, x509.Certificate):
        return cert
    try:
        return x509.load_pem_x509_certificate(_read_pem(cert, "certificate"))
    except ValueError as exc:
        raise ConfigError(f"not a PEM X.509 certificate: {exc}") from None


@dataclass(frozen=True)
class Signer:
    """The authority's RSA key and certificate; signs CAP alerts with an enveloped signature."""

    key_pem: bytes = field(repr=False)
    cert_pem: bytes
    _key: rsa.RSAPrivateKey = field(init=False, repr=False, compare=False)
    _cert: x509.Certificate = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            key = serialization.load_pem_private_key(self.key_pem, password=None)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"not an unencrypted PEM private key: {exc}") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ConfigError("the authority key must be an RSA key (alerts are signed with RSA-SHA256)")
        cert = _load_cert(self.cert_pem)
        if cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ) != key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ):
            raise ConfigError("the authority certificate does not belong to the authority key")
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_cert", cert)

    @classmethod
    def from_pem(cls, key: PemSource, cert: PemSource) -> Signer:
        """Build from PEM bytes, PEM text, or paths to PEM files."""
        return cls(key_pem=_read_pem(key, "private key"), cert_pem=_read_pem(cert, "certificate"))

    @property
    def certificate(self) -> x509.Certificate:
        return self._cert

    @property
    def fingerprint(self) -> str:
        """SHA-256 fingerprint of the certificate, hex, for publishing next to the feed."""
        return self._cert.fingerprint(hashes.SHA256()).hex()

    def sign(self, xml: bytes) -> bytes:
        """Return `xml` (a CAP alert) with an enveloped ds:Signature as the last child of <alert>."""
        root = parse_xml(xml, limit=MAX_CAP_BYTES)
        if root.tag != CAP_ALERT:
            raise InvalidInput(f"only CAP <alert> documents are signed, not <{local_tag(root.tag)}>")
        if root.find(_SIGNATURE) is not None:
            raise InvalidInput("the alert is already signed")
        signer = XMLSigner(
            method=SignatureConstructionMethod.enveloped,
            signature_algorithm=SignatureMethod.RSA_SHA256,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=_C14N,
        )
        signed = signer.sign(root, key=self._key, cert=[self._cert])
        data: bytes = etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
        return data

    def verify(self, xml: bytes, *, at: datetime | None = None) -> bytes:
        """Verify against this signer's own certificate (see `verify`)."""
        return verify(xml, self._cert, at=at)

    def sign_bytes(self, data: bytes) -> str:
        """RSA-SHA256 (PKCS#1 v1.5) signature of `data`, base64: what the audit head carries."""
        return base64.b64encode(self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


def verify_bytes(data: bytes, signature_b64: str, cert_pem: PemSource | x509.Certificate) -> bool:
    """True when `signature_b64` is the certificate's key's RSA-SHA256 signature of `data`."""
    cert = _load_cert(cert_pem)
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), data, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


_EXPECT = SignatureConfiguration(
    location="./",  # the signature must be a child of <alert>, nowhere else
    expect_references=1,
    signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
)


def verify(xml: bytes, cert_pem: PemSource | x509.Certificate, *, at: datetime | None = None) -> bytes:
    """Check the alert's enveloped signature against `cert_pem`; return the verified alert without it.

    Use only the returned bytes: they are exactly what the signature covers. `at` checks the
    certificate's validity at that time instead of now (e.g. an archived alert's `sent`).
    """
    root = parse_xml(xml, limit=MAX_CAP_BYTES)
    if root.tag != CAP_ALERT:
        raise InvalidInput(f"expected a CAP <alert>, got <{local_tag(root.tag)}>")
    signatures = root.findall(_SIGNATURE)
    if not signatures:
        raise SignatureInvalid("the alert carries no XML Signature")
    if len(signatures) > 1:
        raise SignatureInvalid("the alert carries more than one XML Signature")
    try:
        cert = _load_cert(cert_pem)
    except ConfigError as exc:
        raise InvalidInput(exc.message, field="certificate") from None
    config = _EXPECT if at is None else replace(_EXPECT, verification_time=at)
    try:
        result = XMLVerifier().verify(root, x509_cert=cert, expect_config=config)
    except SignXMLInvalidSignature as exc:
        raise SignatureInvalid(f"signature check failed: {exc}") from None
    except (SignXMLInvalidInput, ValueError, etree.LxmlError) as exc:
        raise SignatureInvalid(f"signature is malformed: {exc}") from None
    signed = result.signed_xml  # type: ignore[union-attr]
    if signed is None or signed.tag != CAP_ALERT or signed.find(_SIGNATURE) is not None:
        raise SignatureInvalid("the signature does not cover the whole alert")
    data: bytes = etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
    return data


def generate_authority_key(common_name: str) -> tuple[bytes, bytes]:
    """A fresh RSA-2048 key and a self-signed 5-year certificate, both PEM (for demo and development)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + CERT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)
