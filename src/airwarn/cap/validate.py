"""Validation of CAP 1.2 documents against the bundled OASIS schema."""

from __future__ import annotations

import threading
from importlib.resources import files

from lxml import etree

from airwarn.cap._safe import CAP_ALERT, CAP_NS, local_tag, parse_xml
from airwarn.errors import ConfigError, InvalidInput

SCHEMA_RESOURCE = "schema/CAP-v1.2.xsd"

# lxml schema objects are not documented as thread-safe, so each thread loads its own (once, ~5 ms).
_local = threading.local()


def _schema() -> etree.XMLSchema:
    schema: etree.XMLSchema | None = getattr(_local, "schema", None)
    if schema is None:
        try:
            text = files("airwarn.cap").joinpath(SCHEMA_RESOURCE).read_bytes()
            schema = etree.XMLSchema(etree.fromstring(text, parser=etree.XMLParser(no_network=True)))
        except (OSError, etree.LxmlError) as exc:
            raise ConfigError(f"cannot load the bundled CAP 1.2 schema: {exc}") from exc
        _local.schema = schema
    return schema


def validate(xml: bytes | str) -> None:
    """Check that `xml` is a well-formed, schema-valid CAP 1.2 alert; raise InvalidInput if not."""
    validate_element(parse_xml(xml))


def validate_element(root: etree._Element) -> None:
    """Schema-validate an already parsed `<alert>` element."""
    if root.tag != CAP_ALERT:
        raise InvalidInput(
            f"not a CAP 1.2 alert: root element is <{local_tag(root.tag)}>"
            f"{' in namespace ' + etree.QName(root).namespace if etree.QName(root).namespace else ''}, "
            f"expected <alert> in namespace {CAP_NS}",
            field=f"line {root.sourceline or 1}",
        )
    schema = _schema()
    if schema.validate(root):
        return
    error = schema.error_log[0]
    message = error.message.replace(f"{{{CAP_NS}}}", "")
    line = error.line or root.sourceline or 1
    raise InvalidInput(f"not valid CAP 1.2 at line {line}: {message}", field=f"line {line}")
