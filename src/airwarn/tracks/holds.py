"""The shared view of live threats, as a board weighs it: may this board give a district its all-clear while
other partitions (nodes tracking other regions or sectors) may still have a threat on its way there?

Every board step publishes, per district its live tracks threaten, a *hold*: its partition, until when it holds
the district (its last threat plus the quiet spell before an all-clear plus a margin) and, once it gave the
district its all-clear, when. A board whose own tracks have left a district alone for the quiet spell clears it
only when no other partition holds it now; it defers while one does, and drops the district without a report
when another partition has cleared it since this board's own last threat (that all-clear covered this board's
threat too: it was issued after this board's hold ran out). No I/O here: the decision only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    CLEAR = "clear"  # nobody else holds the district: this board issues the all-clear
    DEFER = "defer"  # another partition still holds it: keep it raised here, ask again next step
    CLEARED_ELSEWHERE = "cleared_elsewhere"  # another partition cleared it after this board's last threat


@dataclass(frozen=True)
class Hold:
    """Another partition's hold on a district (times in the picture's seconds)."""

    partition: str
    until_s: float
    tracks: tuple[str, ...] = ()
    regime: str = "drone_hazard"
    cleared_s: float | None = None  # when that partition gave the district its all-clear (None: not since)

    def live(self, now_s: float) -> bool:
        return self.cleared_s is None and self.until_s > now_s


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    holders: tuple[Hold, ...] = ()  # the holds behind a deferral, or the all-clear that covered this board's


def decide_clear(now_s: float, last_threat_s: float, regime: str, others: Iterable[Hold]) -> Decision:
    """What a board does with a district it would clear now, given the other partitions' holds on it."""
    others = tuple(others)
    live = tuple(h for h in others if h.live(now_s))
    if live:
        return Decision(Verdict.DEFER, live)
    covered = tuple(h for h in others
                    if h.cleared_s is not None and h.cleared_s > last_threat_s and h.regime == regime)
    if covered:
        return Decision(Verdict.CLEARED_ELSEWHERE, covered)
    return Decision(Verdict.CLEAR)
