"""Alerts in CAP 1.2's vocabulary: the message, its info blocks, areas and references (composing them from
regime changes is `composing`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from airwarn.domain.cap_vocabulary import MsgType, Severity, Urgency
from airwarn.domain.regimes import Level
from airwarn.domain.reports import Certainty, Status
from airwarn.domain.territory import AreaFit, AreaPart, Rings

__all__ = ["Alert", "AlertState", "Area", "Info", "MsgType", "Reference", "Severity", "Urgency"]


class AlertState(StrEnum):
    PENDING_APPROVAL = "pending_approval"  # two-person rule: waits for a second person
    ISSUED = "issued"
    WITHDRAWN = "withdrawn"  # never issued: its reason went away before approval
    REJECTED = "rejected"  # never issued: an approver refused it, with a reason


@dataclass(frozen=True)
class Reference:
    """CAP reference: sender,identifier,sent of an earlier message."""

    sender: str
    identifier: str
    sent: datetime


@dataclass(frozen=True)
class Area:
    """Where an alert applies. ``polygons`` are every CAP polygon; ``parts`` group them into <area> blocks.

    ``fit``, ``parts`` and ``territory_version`` describe how the area was made, not what the CAP
    document says, so they do not take part in equality (a parsed document equals its alert).
    """

    polygons: Rings = ()
    geocodes: tuple[tuple[str, str], ...] = ()  # (valueName, value)
    warning_s: int | None = None  # the area's warning time (shortest of its districts'), CAP airwarn:warning_s
    parts: tuple[AreaPart, ...] = field(default=(), compare=False)
    fit: AreaFit | None = field(default=None, compare=False)
    territory_version: str = field(default="", compare=False)


@dataclass(frozen=True)
class Info:
    """One CAP <info> block, one per language."""

    language: str  # RFC 3066, e.g. en-US, ru-RU
    event: str
    urgency: Urgency
    severity: Severity
    certainty: Certainty
    headline: str
    description: str
    area_desc: str
    categories: tuple[str, ...] = ("Safety",)
    response_types: tuple[str, ...] = ()
    instruction: str = ""
    sender_name: str = ""
    effective: datetime | None = None
    expires: datetime | None = None
    event_codes: tuple[tuple[str, str], ...] = ()
    parameters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Alert:
    """A CAP 1.2 alert message and its lifecycle in airwarn."""

    identifier: str
    sender: str
    sent: datetime
    status: Status
    msg_type: MsgType
    infos: tuple[Info, ...]
    area: Area
    region: str
    districts: tuple[str, ...] = ()
    scope: str = "Public"
    references: tuple[Reference, ...] = ()
    note: str = ""
    state: AlertState = AlertState.ISSUED
    created_by: str = "system"
    approved_by: str | None = None
    regime_ids: tuple[str, ...] = ()
    report_id: str | None = None
    authors: tuple[str, ...] = ()  # every person whose report or action caused it; none may approve it

    @property
    def people(self) -> frozenset[str]:
        """Who caused this message (its creator and every author): the two-person rule excludes them all."""
        return frozenset({*self.authors, self.created_by})

    @property
    def regime_kind(self) -> str | None:
        """The regime kind a regime alert announces (its `airwarn:regime` event code), else None."""
        for info in self.infos[:1]:
            for name, value in info.event_codes:
                if name == "airwarn:regime":
                    return value
        return None

    @property
    def severity(self) -> Severity:
        return self.infos[0].severity if self.infos else Severity.UNKNOWN

    @property
    def headline(self) -> str:
        return self.infos[0].headline if self.infos else ""

    @property
    def level(self) -> str:
        """`pre_alert` (threat approaching), `alert`, or `all_clear` (all-clear Update or Cancel)."""
        if self.msg_type is MsgType.CANCEL or any("AllClear" in i.response_types for i in self.infos):
            return "all_clear"
        if any(("airwarn:level", Level.PRE_ALERT.value) in i.parameters for i in self.infos):
            return Level.PRE_ALERT.value
        return Level.ALERT.value

    @property
    def expires(self) -> datetime | None:
        """The earliest `<expires>` of its infos: after it the message is no longer in force."""
        found = [i.expires for i in self.infos if i.expires is not None]
        return min(found) if found else None

    def expired(self, now: datetime) -> bool:
        expires = self.expires
        return expires is not None and expires <= now

    def as_reference(self) -> Reference:
        return Reference(self.sender, self.identifier, self.sent)

    def approved(self, by: str) -> Alert:
        return replace(self, state=AlertState.ISSUED, approved_by=by)

    def resent(self, sent: datetime) -> Alert:
        """The same message sent later (released after approval): `<expires>` keeps its lifetime."""
        shift = sent - self.sent
        infos = tuple(replace(i, expires=i.expires + shift if i.expires else None) for i in self.infos)
        return replace(self, sent=sent, infos=infos)


@dataclass(frozen=True)
class Authority:
    """Who signs the messages: CAP sender and the human-readable sender name per language."""

    sender: str = "airwarn@authority.example"
    name_en: str = "Emergency Warning Authority"
    name_ru: str = "Служба оповещения"
    web: str = ""


@dataclass(frozen=True)
class Circumstances:
    """What the triggering report says, for the alert's description."""

    source_en: str = ""
    source_ru: str = ""
    details_en: str = ""
    details_ru: str = ""
    extra_instruction_en: str = ""
    extra_instruction_ru: str = ""
