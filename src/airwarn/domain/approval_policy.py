"""The two-person rule's policy: which public acts need a second person, and which a sensor may issue alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from airwarn.domain.alerts import Alert
from airwarn.domain.cap_vocabulary import MsgType, Severity
from airwarn.domain.reports import Status


@dataclass(frozen=True)
class ApprovalPolicy:
    """Two-person rule: every public act at or above `min_severity` (issue, update, cancel, all-clear;
    Actual or Exercise) needs a second person. A follow-up weighs as much as the message it changes.

    `sensor_solo` names the regime kinds (e.g. missile_hazard) whose alerts a sensor account may issue
    alone when no time is left for a second person; empty (the default) means none."""

    min_severity: Severity = Severity.SEVERE
    sensor_solo: frozenset[str] = frozenset()

    def weight(self, alert: Alert, referenced: Sequence[Alert] = ()) -> Severity:
        """The severity that counts: the alert's own, or the highest of the messages it references."""
        return max((alert.severity, *(a.severity for a in referenced)), key=lambda s: s.rank)

    def needs_approval(self, alert: Alert, referenced: Sequence[Alert] = ()) -> bool:
        """Test messages (opted-in receivers only) are exempt; Actual and Exercise are not."""
        return alert.status is not Status.TEST and self.weight(alert, referenced).rank >= self.min_severity.rank

    def sensor_may_issue_alone(self, alert: Alert) -> bool:
        """Whether the per-threat sensor policy lets this (new, regime) alert go out without a second person."""
        return alert.msg_type is MsgType.ALERT and alert.regime_kind in self.sensor_solo
