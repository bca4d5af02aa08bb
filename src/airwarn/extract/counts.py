"""How many: the count a sentence gives for what it reports (drones, people, buildings), and lone drones."""

from __future__ import annotations

from airwarn.domain.reports import Count, ReportKind
from airwarn.extract.morph import is_cyrillic
from airwarn.extract.numbers import count_near, qualifier_before, read_number
from airwarn.extract.sentence import Hit, Reading

_DRONE_KINDS = (ReportKind.DRONE_ATTACK, ReportKind.DRONES_EN_ROUTE)


def count_for(reading: Reading, kind: ReportKind, lo: int = 0, hi: int | None = None) -> Count | None:
    """How many of what the kind counts (drones, explosions, people, buildings) the sentence gives."""
    anchor_kind = ReportKind.INTERCEPTION if kind in _DRONE_KINDS else kind
    for lex in reading.lexicons:
        anchors = lex.anchors.get(anchor_kind)
        if anchors:
            number = count_near(reading.tokens, anchors, lo, hi)
            if number is not None:
                return Count(number.value, number.qualifier)
    return None


def last_number(reading: Reading, lo: int, hi: int) -> Count | None:
    """The last number in tokens[lo:hi] ("8 над территорией Белгородской области")."""
    best: Count | None = None
    i = lo
    while i < hi:
        got = read_number(reading.tokens, i)
        if got is None or got[2]:
            i += 1
            continue
        value, last, _ = got
        best = Count(value, qualifier_before(reading.tokens, i))
        i = last + 1
    return None if best is None or best.value == 0 else best


def first_number(reading: Reading, lo: int, hi: int) -> Count | None:
    """The first number in tokens[lo:hi] ("над Белгородской — 2")."""
    for i in range(lo, hi):
        got = read_number(reading.tokens, i)
        if got is not None and not got[2] and got[0] > 0:
            return Count(got[0], qualifier_before(reading.tokens, i))
    return None


def casualty_count(reading: Reading) -> int | None:
    count = count_for(reading, ReportKind.CASUALTIES)
    if count is not None:
        return count.value
    singular = frozenset().union(*(lex.person_singular for lex in reading.lexicons))
    return 1 if any(t.norm in singular for t in reading.tokens) else None


_SINGLE_NOUNS = frozenset(
    {"беспилотник", "дрон", "безпілотник", "шахед", "ракета", "коптер", "квадрокоптер", "аппарат", "апарат"}
)


def single_drone(reading: Reading, hit: Hit, uk: bool) -> bool:
    """ "Над Брянском уничтожен беспилотник": one drone, said by the noun's singular nominative."""
    from airwarn.extract.morph import morph, morph_uk

    analyser = morph_uk() if uk else morph()
    tokens = reading.tokens
    for j in range(max(0, hit.first - 3), min(len(tokens), hit.last + 4)):
        tok = tokens[j]
        if tok.norm in _SINGLE_NOUNS and is_cyrillic(tok.text):
            tag = analyser.parse(tok.text.lower())[0].tag
            return tag.number == "sing" and tag.case in ("nomn", "accs")
    return False
