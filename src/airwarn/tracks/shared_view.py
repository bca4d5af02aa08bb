"""The shared view of live threats through the database the nodes share (`threat_holds`): what one board
publishes each step and what it asks before an all-clear. The decision is tracks/holds.py's; why and how long
a hold lasts: docs/tracks.md, "Partitions".

On the ingest hot path: a step that changes nothing others need to know (the same districts held, the last
write fresh enough) touches no database; one that does writes its holds in one statement. A deferred all-clear
is asked again only when the holds it waited for can have ended (their `until`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from airwarn.store import threat_holds
from airwarn.tracks.board import Held, Quiet
from airwarn.tracks.holds import Decision, Hold, Verdict, decide_clear

log = logging.getLogger("airwarn.tracks")

#: How long past the quiet spell a hold outlives its partition's last threat: a live partition gives its own
#: all-clear (and marks its hold cleared) within a tick or two after the quiet spell, before its hold ends, so
#: the partitions it held up drop the district instead of clearing it a second time.
HOLD_MARGIN_S = 60.0
#: A board renews the holds it keeps at most this often (picture seconds); each write reaches this far beyond
#: the hold, so a skipped write never shortens one. Renewing every 2-s step cost a database transaction per
#: step (+50 µs CPU per detection on the seed raid, SQLite); a dead node's hold lasts this much longer.
REFRESH_S = 30.0


def _utc(t_s: float) -> datetime:
    return datetime.fromtimestamp(t_s, UTC)


class DatabaseView:
    """One board's side of the shared view: a picture (status) and a partition key unique to this node."""

    def __init__(self, engine: Engine, status: str, partition: str, clear_after_s: float,
                 margin_s: float = HOLD_MARGIN_S, refresh_s: float = REFRESH_S) -> None:
        self.engine = engine
        self.status = status
        self.partition = partition
        self.hold_s = clear_after_s + margin_s
        self.refresh_s = refresh_s
        self.deferred = 0  # all-clears this board deferred to another partition (counted once per deferral)
        self._published: frozenset[str] = frozenset()
        self._written_s = -math.inf
        self._waiting: dict[str, tuple[float, Decision]] = {}  # district → (ask again at, the deferral)

    def step(self, now_s: float, held: list[Held], quiet: Mapping[str, Quiet]) -> Mapping[str, Decision]:
        codes = frozenset(h.district for h in held)
        # a new district needs its hold now; one this board no longer holds keeps the hold last written (its
        # `until` reaches a hold past this board's last threat), and kept ones are renewed every `refresh_s`
        write = bool(held) and (not codes <= self._published or now_s >= self._written_s + self.refresh_s)
        answers: dict[str, Decision] = {}
        ask: dict[str, Quiet] = {}
        for code, candidate in quiet.items():
            waiting = self._waiting.get(code)
            if waiting is not None and now_s < waiting[0]:
                answers[code] = waiting[1]
            else:
                ask[code] = candidate
        for code in list(self._waiting):
            if code not in quiet:
                del self._waiting[code]  # threatened here again (or cleared): no longer waiting
        if not write and not ask:
            return answers
        try:
            with self.engine.begin() as conn:
                if write:
                    threat_holds.hold(conn, self.status, self.partition, _utc(now_s + self.hold_s + self.refresh_s),
                                      [(h.district, list(h.tracks[:20]), h.regime) for h in held])
                if ask:
                    rows = threat_holds.others(conn, self.status, self.partition, ask)
                    answers.update(self._decide(now_s, ask, rows))
                    clear = [code for code in ask if answers[code].verdict is Verdict.CLEAR]
                    threat_holds.cleared(conn, self.status, self.partition, clear, _utc(now_s))
        except SQLAlchemyError as exc:  # no all-clear without knowing nobody else threatens: the safe side
            log.warning("shared view of live threats unavailable (%s); all-clears of %s wait",
                        type(exc).__name__, ", ".join(sorted(ask)) or "no district")
            answers.update({code: Decision(Verdict.DEFER) for code in ask})
            return answers
        if write and now_s >= self._written_s + self.refresh_s:  # renewed all: every hold reaches past now
            self._published, self._written_s = codes, now_s
        elif write:  # only added: the others' holds still reach a hold past the next renewal
            self._published |= codes
        return answers

    def _decide(self, now_s: float, ask: Mapping[str, Quiet], rows: list[dict[str, Any]]) -> dict[str, Decision]:
        by_district: dict[str, list[Hold]] = {code: [] for code in ask}
        for row in rows:
            cleared_at = row["cleared_at"]
            by_district[str(row["district"])].append(Hold(
                str(row["partition"]), row["until"].timestamp(), tuple(row["tracks"] or ()), str(row["regime"]),
                cleared_at.timestamp() if cleared_at is not None else None))
        out: dict[str, Decision] = {}
        for code, candidate in ask.items():
            decision = out[code] = decide_clear(now_s, candidate.last_threat_s, candidate.regime, by_district[code])
            if decision.verdict is Verdict.DEFER:
                ask_at = max(h.until_s for h in decision.holders)
                if code not in self._waiting:
                    self.deferred += 1
                    log.info("all-clear of %s (%s, tracks %s, partition %s) deferred: %s", code, self.status,
                             ", ".join(candidate.tracks) or "-", self.partition,
                             "; ".join(f"partition {h.partition} holds it until {_utc(h.until_s):%H:%M:%S}Z "
                                       f"(tracks {', '.join(h.tracks) or '-'})" for h in decision.holders))
                self._waiting[code] = (ask_at, decision)
            elif decision.verdict is Verdict.CLEARED_ELSEWHERE:
                self._waiting.pop(code, None)
                log.info("all-clear of %s (%s, tracks %s, partition %s) left to partition %s, which cleared it "
                         "after these tracks' last threat", code, self.status, ", ".join(candidate.tracks) or "-",
                         self.partition, ", ".join(h.partition for h in decision.holders))
            else:
                self._waiting.pop(code, None)
        return out
