"""The shape of a language's pattern set; patterns_en and patterns_ru each fill one."""

from __future__ import annotations

import re
from dataclasses import dataclass

from airwarn.domain.reports import RegimeKind, ReportKind


def rx(pattern: str) -> re.Pattern[str]:
    """Compile a pattern meant for a normalised sentence (tokens joined by single spaces)."""
    return re.compile(pattern)


#: Up to N further words between two parts of a pattern: GAP % 3.
GAP = r"(?: \S+){0,%d}"


def either_order(a: str, b: str, gap_ab: int, gap_ba: int) -> re.Pattern[str]:
    """`a` then `b`, or `b` then `a`, with at most that many words between them ("airport ... suspended")."""
    return rx(r"\b(?:" + a + GAP % gap_ab + r" " + b + r"|" + b + GAP % gap_ba + r" " + a + r")\b")


@dataclass(frozen=True)
class KindRule:
    kind: ReportKind
    pattern: re.Pattern[str]
    weak: bool = False  # a bare noun ("drone attack"): only counts with a place named in the same sentence
    negatable: bool = True


@dataclass(frozen=True)
class Lexicon:
    kinds: tuple[KindRule, ...]
    regimes: tuple[tuple[RegimeKind, re.Pattern[str]], ...]
    declare: re.Pattern[str]
    lift: re.Pattern[str]
    plan: re.Pattern[str]
    plan_verb: re.Pattern[str]
    casualties_zero: re.Pattern[str]
    damage_none: re.Pattern[str]
    background: re.Pattern[str]
    negators: frozenset[str]
    not_negation_after: frozenset[str]  # "no fewer than", "не менее": the negator is a qualifier
    post_negators: frozenset[str]  # "пострадавших нет"
    anchors: dict[ReportKind, frozenset[str]]
    list_joiners: frozenset[str]  # words that join place names in a list: "and", "и"
    person_singular: frozenset[str]
    alert: re.Pattern[str] | None = None
    #: words that turn an airport restriction into its end ("restrictions lifted", «ограничения сняты»)
    resume: re.Pattern[str] | None = None
    #: verbs that plainly suspend ("suspended", «приостановил»), kept beside a later resumption
    suspend_verb: re.Pattern[str] | None = None  # an air-raid alert (siren), not a regime: alert_declared/_lifted
