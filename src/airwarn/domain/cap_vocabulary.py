"""CAP 1.2's closed vocabularies that airwarn's alerts use (certainty and status live with reports)."""

from __future__ import annotations

from enum import StrEnum


class MsgType(StrEnum):
    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"


class Urgency(StrEnum):
    IMMEDIATE = "Immediate"
    EXPECTED = "Expected"
    FUTURE = "Future"
    PAST = "Past"
    UNKNOWN = "Unknown"


class Severity(StrEnum):
    EXTREME = "Extreme"
    SEVERE = "Severe"
    MODERATE = "Moderate"
    MINOR = "Minor"
    UNKNOWN = "Unknown"

    @property
    def rank(self) -> int:
        return {"Extreme": 4, "Severe": 3, "Moderate": 2, "Minor": 1, "Unknown": 0}[self.value]
