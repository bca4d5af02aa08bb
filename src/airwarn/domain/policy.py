"""Opt-in automatic confirmation of witness claims: off unless the authority sets it (AIRWARN_AUTO_CONFIRM_*)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from airwarn.domain.incidents import source_key
from airwarn.domain.reports import Report, ReportKind, SourceType


@dataclass(frozen=True)
class AutoConfirmPolicy:
    """N independent witness reports of a listed kind within `window` in one district confirm the claim
    as an operator would. Without listed kinds (the default) it never does: an operator decides."""

    kinds: frozenset[ReportKind] = frozenset()
    min_reports: int = 3
    window: timedelta = timedelta(minutes=10)

    @property
    def enabled(self) -> bool:
        return bool(self.kinds)

    def confirms(self, report: Report, others: Sequence[Report]) -> bool:
        """True when `report` with the earlier `others` meets the policy in one of its districts."""
        if not self.enabled or not self._counts(report) or not report.districts:
            return False
        pool = [report, *(o for o in others if o.id != report.id and self._counts(o) and o.status == report.status
                          and o.region == report.region and abs(o.time - report.time) <= self.window)]
        return any(len({source_key(r) for r in pool if district in r.districts}) >= self.min_reports
                   for district in report.districts)

    def _counts(self, report: Report) -> bool:
        return report.source.type is SourceType.WITNESS and report.kind in self.kinds

    def describe(self) -> str:
        """One line for `airwarn serve` and the console."""
        if not self.enabled:
            return "auto-confirm: off (an operator confirms every claim from media or witnesses)"
        kinds = ", ".join(sorted(k.value for k in self.kinds))
        return (f"auto-confirm: ON — {self.min_reports} independent witness reports of {kinds} within "
                f"{int(self.window.total_seconds() // 60)} min in one district are confirmed without an operator")

    def to_dict(self) -> dict[str, object]:
        return {"enabled": self.enabled, "kinds": sorted(k.value for k in self.kinds),
                "min_reports": self.min_reports, "window_s": int(self.window.total_seconds()),
                "sources": [SourceType.WITNESS.value]}
