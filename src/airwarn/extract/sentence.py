"""One sentence, read: its tokens, the kinds it reports (not negated), places, counts and outcomes."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from airwarn.domain.reports import RegimeKind, ReportKind
from airwarn.extract import patterns_en, patterns_ru, patterns_uk
from airwarn.extract.certainty import Hedge, hedge
from airwarn.extract.gazetteer import DISTRICT_WORDS, Gazetteer, Mention
from airwarn.extract.lexicon import Lexicon
from airwarn.extract.morph import Token, is_cyrillic, skeleton, tokenize

_CLAUSE_BREAKS = frozenset(",;:—–()[]!?.")
_IRREALIS = frozenset({"will", "would", "будет", "будут", "планируется"})
#: "взрывов не было", "информация о пострадавших не поступала"
_NOT_AFTER = frozenset({"быть", "зафиксировать", "поступать", "поступить", "выявить", "подтвердиться"})


@dataclass(frozen=True)
class Hit:
    kind: ReportKind
    first: int  # token index
    last: int
    weak: bool = False
    regime: RegimeKind | None = None
    plan: str | None = None
    again: bool = False  # declared again after a lifting in the same sentence


@dataclass
class Reading:
    text: str
    tokens: list[Token]
    norm: str
    lexicons: tuple[Lexicon, ...]
    hits: list[Hit] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    background: bool = False
    casualties_zero: bool = False
    damage_none: bool = False
    #: Token spans of regime phrases ("threat of drone attacks"): an attack word inside one is the regime's.
    regime_spans: list[tuple[int, int]] = field(default_factory=list)


_LATIN_WORD_RE = re.compile(r"[A-Za-z]{2,}")


def lexicons_for(text: str, uk: bool = False) -> tuple[Lexicon, ...]:
    """The pattern sets a sentence needs: a Cyrillic one, English, or both when it mixes several English words
    into Russian or Ukrainian (a lone "Mash:", "FPV" or "Shahed" does not make it English)."""
    has_cyr = is_cyrillic(text)
    latin = _LATIN_WORD_RE.findall(text)
    has_lat = bool(latin) and (not has_cyr or len(latin) >= 3)
    cyr = patterns_uk.LEXICON if uk else patterns_ru.LEXICON
    if has_cyr and has_lat:
        return (cyr, patterns_en.LEXICON)
    return (cyr,) if has_cyr else (patterns_en.LEXICON,)


def read(text: str, gazetteer: Gazetteer, uk: bool = False) -> Reading:
    """Read one sentence; `uk` when the message is Ukrainian (its words go through the Ukrainian dictionary)."""
    tokens = tokenize(text, uk)
    norms = [t.norm for t in tokens]
    norm = " ".join(norms)
    starts: list[int] = []
    pos = 0
    for n in norms:
        starts.append(pos)
        pos += len(n) + 1
    reading = Reading(text, tokens, norm, lexicons_for(text, uk))
    for lex in reading.lexicons:
        reading.background = reading.background or lex.background.search(norm) is not None
        reading.casualties_zero = reading.casualties_zero or lex.casualties_zero.search(norm) is not None
        reading.damage_none = reading.damage_none or lex.damage_none.search(norm) is not None
        for rule in lex.kinds:
            for m in rule.pattern.finditer(norm):
                first, last = _span(starts, m.start(), m.end())
                if rule.negatable and _negated(tokens, first, last, lex):
                    continue
                reading.hits.append(Hit(rule.kind, first, last, rule.weak))
        _regimes(reading, lex, starts)
        _alerts(reading, lex, starts)
        _airport_polarity(reading, lex, starts)
    reading.hits = [h for h in _resolve(reading.hits)
                    if not _only_threat(tokens, h) and not _inside_regime(h, reading.regime_spans)]
    reading.hits = _drop_described(tokens, reading.hits)
    reading.mentions = _outside_outlet_names(text, tokens, gazetteer.find(tokens))
    return reading


_OUTLET_CUE_RE = re.compile(
    r"(?:пишет|пишут|сообщает|сообщил[аи]?|передает|передаёт|пише|повідомляє|передає|издание|видання|газета|"
    r"канал|телеграм-канал|телеграм-каналу|агентство|агентства)\s*«$",
    re.IGNORECASE,
)


def _outside_outlet_names(text: str, tokens: Sequence[Token], mentions: list[Mention]) -> list[Mention]:
    """A place inside a quoted outlet's name («Южный телеграф», «Ростовская газета») after "пишет"/"канал"
    is the outlet, not where anything happened."""
    out = []
    for m in mentions:
        start = tokens[m.first].start
        opening = text.rfind("«", 0, start)
        closing = text.rfind("»", 0, start)
        if opening > closing and _OUTLET_CUE_RE.search(text[: opening + 1]):
            continue
        out.append(m)
    return out


_THREAT_WORDS = frozenset({"угроза", "загроза", "threat", "danger", "опасность", "небезпека", "risk"})
_WARNING_AFTER = frozenset({"warning", "warnings", "threat", "alert", "alerts", "danger", "hazard"})


def _only_threat(tokens: Sequence[Token], hit: Hit) -> bool:
    """ "угроза атаки БПЛА", "a drone attack warning": a threat or warning of an attack, not one."""
    if hit.kind is not ReportKind.DRONE_ATTACK:
        return False
    before = {tokens[j].norm for j in range(max(0, hit.first - 2), hit.first)}
    after = tokens[hit.last + 1].norm if hit.last + 1 < len(tokens) else ""
    return bool(before & _THREAT_WORDS) or after in _WARNING_AFTER


_PARTICIPLE_ENDS = ("вший", "вшие", "вших", "вшим", "щий", "щие", "щих", "щим", "вшого", "вшій")


def _drop_described(tokens: Sequence[Token], hits: list[Hit]) -> list[Hit]:
    """ "сбиты три беспилотника, летевшие на Москву": the flight only describes what was shot down."""
    firsts = [h.first for h in hits if h.kind is ReportKind.INTERCEPTION]
    if not firsts:
        return hits
    out = []
    for h in hits:
        if h.kind is ReportKind.DRONES_EN_ROUTE and min(firsts) < h.first:
            words = [tokens[j].text.lower() for j in range(h.first, h.last + 1)]
            if any(w.endswith(_PARTICIPLE_ENDS) for w in words):
                continue
        out.append(h)
    return out


def _span(starts: list[int], a: int, b: int) -> tuple[int, int]:
    first = max(0, bisect.bisect_right(starts, a) - 1)
    last = max(first, bisect.bisect_left(starts, b) - 1)
    return first, last


def _negated(tokens: Sequence[Token], first: int, last: int, lex: Lexicon) -> bool:
    """A negator shortly before the trigger or inside it, in the same clause ("no drones were shot down")."""
    i = first - 1
    window: list[int] = []
    while i >= 0 and first - i <= 5 and tokens[i].text not in _CLAUSE_BREAKS:
        window.append(i)
        i -= 1
    window.extend(range(first, last + 1))
    if any(tokens[j].text.lower() in _IRREALIS for j in window):  # "will be limited", "будут ограничены"
        return True
    for j in window:
        if tokens[j].norm in lex.negators:
            nxt = tokens[j + 1].norm if j + 1 < len(tokens) else ""
            if nxt not in lex.not_negation_after:
                return True
    for j in range(last + 1, min(len(tokens), last + 4)):
        if tokens[j].text in _CLAUSE_BREAKS:
            break
        if tokens[j].norm in lex.post_negators or (
            tokens[j].norm == "не" and j + 1 < len(tokens) and tokens[j + 1].norm in _NOT_AFTER
        ):
            return True
    return False


def _regimes(reading: Reading, lex: Lexicon, starts: list[int]) -> None:
    """Named regimes declared or lifted (both, when a sentence says both), and the Carpet plan."""
    norm, tokens = reading.norm, reading.tokens
    lift = lex.lift.search(norm)
    declare = lex.declare.search(norm)
    for regime, pattern in lex.regimes:
        m = pattern.search(norm)
        if m is None:
            continue
        first, last = _span(starts, m.start(), m.end())
        reading.regime_spans.append((first, last))
        if _negated(tokens, first, last, lex) and lift is None:
            continue
        if lift is not None:
            at, _ = _span(starts, lift.start(), lift.end())
            reading.hits.append(Hit(ReportKind.REGIME_LIFTED, at, at, regime=regime))
        if declare is not None and (lift is None or declare.start() < lift.start()):
            at, _ = _span(starts, declare.start(), declare.end())
            reading.hits.append(Hit(ReportKind.REGIME_DECLARED, at, at, regime=regime))
        elif lift is None and first <= 1:  # "Air raid alert in Odesa region." — an alert post
            reading.hits.append(Hit(ReportKind.REGIME_DECLARED, first, last, regime=regime))
        if lift is not None:  # "введён в 11:24, отменён в 11:39 и снова введён в 16:03"
            again = _declared_again(lex, norm, lift.end())
            if again is not None:
                at, _ = _span(starts, again.start(), again.end())
                reading.hits.append(Hit(ReportKind.REGIME_DECLARED, at, at, regime=regime, again=True))
    m = lex.plan.search(norm)
    if m and lex.plan_verb.search(norm) and lift is None:
        first, last = _span(starts, m.start(), m.end())
        reading.hits.append(
            Hit(ReportKind.PLAN_ACTIVATED, first, last, regime=RegimeKind.AIRSPACE_CLOSED, plan="Carpet")
        )


_AGAIN_RE = re.compile(r"\b(?:again|снова|вновь|повторно|знову|ще раз|re-?declared|reimposed)\b")


def _declared_again(lex: Lexicon, norm: str, after: int) -> re.Match[str] | None:
    """A declaration after the lifting that says it is a new one ("declared again", «снова введен»)."""
    m = lex.declare.search(norm, after)
    if m is None or _AGAIN_RE.search(norm[max(after, m.start() - 25) : m.end() + 25]) is None:
        return None
    return m


def _alerts(reading: Reading, lex: Lexicon, starts: list[int]) -> None:
    """Air-raid alerts (sirens) declared and lifted: "оголошено повітряну тривогу", "відбій тривоги",
    "air-raid warnings were issued", "an alert declared at 01:10 and lifted at 02:35" (both)."""
    if lex.alert is None:
        return
    norm = reading.norm
    m = lex.alert.search(norm)
    if m is None:
        return
    first, last = _span(starts, m.start(), m.end())
    if _negated(reading.tokens, first, last, lex):
        return
    lifts = [x for x in lex.lift.finditer(norm)]
    declare = lex.declare.search(norm)
    for lift in lifts[:1]:
        at, _ = _span(starts, lift.start(), lift.end())
        reading.hits.append(Hit(ReportKind.ALERT_LIFTED, at, at))
    if declare is not None and (not lifts or declare.start() < lifts[0].start()):
        at, _ = _span(starts, declare.start(), declare.end())
        reading.hits.append(Hit(ReportKind.ALERT_DECLARED, at, at))
    elif not lifts:
        reading.hits.append(Hit(ReportKind.ALERT_DECLARED, first, last))
    if lifts:
        again = _declared_again(lex, norm, lifts[0].end())
        if again is not None:
            at, _ = _span(starts, again.start(), again.end())
            reading.hits.append(Hit(ReportKind.ALERT_DECLARED, at, at, again=True))


def _airport_polarity(reading: Reading, lex: Lexicon, starts: list[int]) -> None:
    """A restriction said to be lifted is a resumption: "restrictions at Kaluga airport have been lifted",
    «ограничения в аэропорту Калуги сняты», «аеропорт відновив роботу». A plain suspension said before the
    resumption ("suspended at 00:49 and resumed at 03:10") stays beside it."""
    if lex.resume is None:
        return
    suspended = [h for h in reading.hits if h.kind is ReportKind.AIRPORT_SUSPENDED]
    if not suspended:
        return
    resume = lex.resume.search(reading.norm)
    if resume is None:
        return
    at, _ = _span(starts, resume.start(), resume.end())
    verb = lex.suspend_verb.search(reading.norm) if lex.suspend_verb is not None else None
    keep = verb is not None and verb.start() < resume.start() and not _restriction_lifted(reading.norm, resume)
    reading.hits = [h for h in reading.hits if h.kind is not ReportKind.AIRPORT_SUSPENDED or keep]
    if not any(h.kind is ReportKind.AIRPORT_RESUMED for h in reading.hits):
        reading.hits.append(Hit(ReportKind.AIRPORT_RESUMED, at, at))


def _restriction_lifted(norm: str, resume: re.Match[str]) -> bool:
    """ "ограничения, введённые ночью, сняты": the suspend verb only describes the restriction being lifted."""
    return any(w in norm[: resume.start()] for w in ("ограничение", "restriction", "обмеження")) and not any(
        w in norm for w in (" и возобновить", " and resum", " та відновити", " і відновити")
    )


def _inside_regime(hit: Hit, spans: list[tuple[int, int]]) -> bool:
    """An attack word that is part of a regime's name ("threat of drone attacks", "угроза атаки БПЛА") tells of
    the threat, not of an attack that happened."""
    return hit.kind is ReportKind.DRONE_ATTACK and any(first <= hit.first and hit.last <= last for first, last in spans)


def _resolve(hits: list[Hit]) -> list[Hit]:
    """Drop hits another hit explains: a resumed airport is not also suspended, a plan is not a regime."""
    kinds = {h.kind for h in hits}
    out: list[Hit] = []
    seen: set[tuple[ReportKind, RegimeKind | None, bool]] = set()
    for h in sorted(hits, key=lambda h: (h.first, h.weak)):
        if (
            h.kind is ReportKind.REGIME_DECLARED
            and h.regime is RegimeKind.AIRSPACE_CLOSED
            and (ReportKind.PLAN_ACTIVATED in kinds)
        ):
            continue
        if h.kind is ReportKind.DRONE_ATTACK and ReportKind.INTERCEPTION in kinds and h.weak:
            continue
        key = (h.kind, h.regime, h.again)
        if key in seen:
            continue
        seen.add(key)
        out.append(h)
    return out


def fuzzy_candidates(reading: Reading) -> list[int]:
    """Unresolved capitalised words in a district list: "X, Y and Z districts", "в X и Y районах"."""
    tokens, matched = reading.tokens, {i for m in reading.mentions for i in range(m.first, m.last + 1)}
    joiners = frozenset().union(*(lex.list_joiners for lex in reading.lexicons))
    out: list[int] = []
    for i, tok in enumerate(tokens):
        if skeleton(tok.norm) not in DISTRICT_WORDS:
            continue
        j = i - 1
        while j >= 0 and (tokens[j].norm in joiners or j in matched or _candidate(tokens[j])):
            if j not in matched and _candidate(tokens[j]):
                out.append(j)
            j -= 1
    return sorted(set(out))


def _candidate(tok: Token) -> bool:
    return tok.is_word and tok.capitalised and len(tok.text) >= 5


def clause_hedges(reading: Reading) -> list[Hedge]:
    """The hedge in force at each token: its clause's own, one carried from a clause that only hedges
    ("…, возможно, работает ПВО"), an opening hedge for the whole sentence, and a denial everywhere."""
    tokens = reading.tokens
    if hedge(reading.norm) is Hedge.NONE:
        return [Hedge.NONE] * len(tokens)
    clauses: list[list[int]] = [[]]
    for i, tok in enumerate(tokens):
        if tok.text in _CLAUSE_BREAKS:
            if clauses[-1]:
                clauses.append([])
            continue
        clauses[-1].append(i)
    if len(clauses) > 1 and not clauses[-1]:
        clauses.pop()
    triggers = {h.first for h in reading.hits}
    levels = [hedge(" ".join(tokens[i].norm for i in c)) for c in clauses]
    has_trigger = [any(i in triggers for i in c) for c in clauses]
    if any(lv is Hedge.DENIED and not t for lv, t in zip(levels, has_trigger, strict=True)):
        return [Hedge.DENIED] * len(tokens)  # "Сообщения о взрывах — фейк": the whole sentence
    # an opening or closing clause that only hedges ("По предварительным данным, …", "…, according to
    # preliminary data") covers the whole sentence
    opening = max((levels[n] for n in (0, len(clauses) - 1) if not has_trigger[n]), default=Hedge.NONE)
    out = [Hedge.NONE] * len(tokens)
    carried = Hedge.NONE
    for n, clause in enumerate(clauses):
        for i in clause:
            out[i] = max(levels[n], carried, opening)
        carried = levels[n] if not has_trigger[n] else Hedge.NONE
    return out

