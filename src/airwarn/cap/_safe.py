"""Hardened XML parsing shared by the CAP modules: size cap, no DTDs, no entities, no network."""

from __future__ import annotations

from lxml import etree

from airwarn.errors import InvalidInput

#: Largest CAP document accepted (1 MiB); real alerts are a few kilobytes.
MAX_CAP_BYTES = 1 << 20

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
CAP_ALERT = f"{{{CAP_NS}}}alert"


def _parser() -> etree.XMLParser:
    # A fresh parser per call: cheap, and lxml parsers must not be shared between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_blank_text=False,
    )


def parse_xml(data: bytes | str, *, limit: int = MAX_CAP_BYTES, what: str = "CAP alert") -> etree._Element:
    """Parse untrusted XML into its root element, or raise InvalidInput saying what and where."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidInput(f"{what}: expected XML bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > limit:
        raise InvalidInput(f"{what}: document is {len(data)} bytes, larger than the {limit}-byte limit")
    if not data.strip():
        raise InvalidInput(f"{what}: document is empty", field="line 1")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 1
        raise InvalidInput(f"{what}: malformed XML at line {line}: {exc.msg}", field=f"line {line}") from None
    except (ValueError, etree.LxmlError) as exc:
        raise InvalidInput(f"{what}: unreadable XML: {exc}") from None
    if root is None:
        raise InvalidInput(f"{what}: document has no root element", field="line 1")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise InvalidInput(f"{what}: DOCTYPE declarations are not allowed", field="line 1")
    for entity in root.iter(etree.Entity):
        raise InvalidInput(f"{what}: entity references are not allowed", field=f"line {entity.sourceline}")
    return root


def local_tag(tag: object) -> str:
    """`{ns}name` -> `name`, for readable messages."""
    text = str(tag)
    return text.rsplit("}", 1)[-1]
