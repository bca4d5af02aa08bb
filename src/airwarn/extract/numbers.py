"""Counts from digits and number words in English and (lemmatised) Russian, with their qualifiers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from airwarn.domain.reports import Qualifier
from airwarn.extract.morph import Token

_UNITS_EN = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS_EN = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_UNITS_RU = [
    "ноль",
    "один",
    "два",
    "три",
    "четыре",
    "пять",
    "шесть",
    "семь",
    "восемь",
    "девять",
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
]
_TENS_RU = ["двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто"]
_HUNDREDS_RU = ["сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот"]

WORDS: dict[str, int] = {w: i for i, w in enumerate(_UNITS_EN)}
WORDS.update({w: 20 + 10 * i for i, w in enumerate(_TENS_EN)})
WORDS.update({w: i for i, w in enumerate(_UNITS_RU)})
WORDS.update({w: 20 + 10 * i for i, w in enumerate(_TENS_RU)})
WORDS.update({w: 100 * (i + 1) for i, w in enumerate(_HUNDREDS_RU)})
WORDS.update({"hundred": 100, "dozen": 12, "десяток": 10, "single": 1, "a": 1, "an": 1, "another": 1})
# Collective numerals: "двое раненых", "трое пострадавших".
_UNITS_UK = [
    "нуль", "один", "два", "три", "чотири", "п’ять", "шість", "сім", "вісім", "дев’ять", "десять", "одинадцять",
    "дванадцять", "тринадцять", "чотирнадцять", "п’ятнадцять", "шістнадцять", "сімнадцять", "вісімнадцять",
    "дев’ятнадцять",
]  # fmt: skip
_TENS_UK = ["двадцять", "тридцять", "сорок", "п’ятдесят", "шістдесят", "сімдесят", "вісімдесят", "дев’яносто"]
WORDS.update({w: i for i, w in enumerate(_UNITS_UK)})
WORDS.update({w: 20 + 10 * i for i, w in enumerate(_TENS_UK)})
WORDS.update({"сто": 100, "двісті": 200, "триста": 300, "двоє": 2, "троє": 3, "четверо": 4, "п’ятеро": 5,
              "шестеро": 6, "семеро": 7, "обидва": 2, "десяток": 10})  # fmt: skip
WORDS.update({"двое": 2, "трое": 3, "четверо": 4, "пятеро": 5, "шестеро": 6, "семеро": 7, "оба": 2, "both": 2})

#: Words that only count when a noun follows them directly ("a drone"), never on their own.
_WEAK = frozenset({"single", "один", "both", "оба", "a", "an", "another", "обидва"})
#: "a drone attack", "a drone alert": the article counts the attack, not the drones.
_NOT_COUNTED_AFTER = frozenset(
    {
        "attack",
        "attacks",
        "strike",
        "strikes",
        "raid",
        "alert",
        "hazard",
        "threat",
        "danger",
        "debris",
        "warning",
        "atack",
        "operator",
        "operators",
        "wreckage",
        "fragments",
        "alarm",
        "sighting",
    }
)
_ABOUT_WORDS = frozenset({"dozen", "десяток"})

_QUALIFIERS: tuple[tuple[tuple[str, ...], Qualifier], ...] = (
    (("at", "least"), Qualifier.AT_LEAST),
    (("no", "fewer", "than"), Qualifier.AT_LEAST),
    (("no", "less", "than"), Qualifier.AT_LEAST),
    (("not", "less", "than"), Qualifier.AT_LEAST),
    (("a", "minimum", "of"), Qualifier.AT_LEAST),
    (("minimum",), Qualifier.AT_LEAST),
    (("не", "менее"), Qualifier.AT_LEAST),
    (("не", "мало"), Qualifier.AT_LEAST),
    (("как", "минимум"), Qualifier.AT_LEAST),
    (("минимум",), Qualifier.AT_LEAST),
    (("по", "малый", "мера"), Qualifier.AT_LEAST),
    (("more", "than"), Qualifier.MORE_THAN),
    (("over",), Qualifier.MORE_THAN),
    (("upwards", "of"), Qualifier.MORE_THAN),
    (("in", "excess", "of"), Qualifier.MORE_THAN),
    (("более", "чем"), Qualifier.MORE_THAN),
    (("более",), Qualifier.MORE_THAN),
    (("больше",), Qualifier.MORE_THAN),
    (("свыше",), Qualifier.MORE_THAN),
    (("about",), Qualifier.ABOUT),
    (("around",), Qualifier.ABOUT),
    (("approximately",), Qualifier.ABOUT),
    (("roughly",), Qualifier.ABOUT),
    (("some",), Qualifier.ABOUT),
    (("nearly",), Qualifier.ABOUT),
    (("almost",), Qualifier.ABOUT),
    (("an", "estimated"), Qualifier.ABOUT),
    (("около",), Qualifier.ABOUT),
    (("порядок",), Qualifier.ABOUT),
    (("близько",), Qualifier.ABOUT),
    (("приблизно",), Qualifier.ABOUT),
    (("майже",), Qualifier.ABOUT),
    (("орієнтовно",), Qualifier.ABOUT),
    (("понад",), Qualifier.MORE_THAN),
    (("більше",), Qualifier.MORE_THAN),
    (("щонайменше",), Qualifier.AT_LEAST),
    (("не", "менше"), Qualifier.AT_LEAST),
    (("порядка",), Qualifier.ABOUT),
    (("примерно",), Qualifier.ABOUT),
    (("приблизительно",), Qualifier.ABOUT),
    (("почти",), Qualifier.ABOUT),
    (("up", "to"), Qualifier.UP_TO),
    (("as", "many", "as"), Qualifier.UP_TO),
    (("до",), Qualifier.UP_TO),
)


@dataclass(frozen=True)
class Number:
    value: int
    qualifier: Qualifier
    first: int  # index of the first token of the number (qualifier excluded)
    last: int  # index of the last token of the number


def read_number(tokens: Sequence[Token], i: int) -> tuple[int, int, bool] | None:
    """(value, index of last token, weak) of a number starting at tokens[i], or None."""
    tok = tokens[i]
    if tok.is_number:
        text = tok.text.replace(",", "")
        if not text.isdigit() or len(text) > 7:
            return None
        return int(text), i, False
    norm = tok.norm.replace("-", " ").split()
    if not norm or any(w not in WORDS for w in norm):
        return None
    value = sum(WORDS[w] for w in norm)
    last = i
    # "twenty five", "двадцать пять", "сто двадцать"
    while last + 1 < len(tokens) and tokens[last + 1].norm in WORDS and tokens[last + 1].norm not in _WEAK:
        nxt = WORDS[tokens[last + 1].norm]
        if not (value >= 20 and value % 10 == 0 and 0 < nxt < value and (value >= 100 or nxt < 10)):
            break
        value += nxt
        last += 1
    if tokens[i].norm in ("hundred",) or value == 0 and norm[0] in ("zero", "ноль"):
        return value, last, False
    return value, last, norm[0] in _WEAK


#: Qualifiers by their last word, so a lookup tries only the few that can end just before the number.
_BY_LAST: dict[str, list[tuple[tuple[str, ...], Qualifier]]] = {}
for _words, _qualifier in _QUALIFIERS:
    _BY_LAST.setdefault(_words[-1], []).append((_words, _qualifier))


def qualifier_before(tokens: Sequence[Token], i: int) -> Qualifier:
    """The qualifier written just before tokens[i] ("at least", "свыше"), else exact."""
    if i == 0:
        return Qualifier.EXACT
    for words, qualifier in _BY_LAST.get(tokens[i - 1].norm, ()):
        n = len(words)
        if i - n >= 0 and all(tokens[i - n + k].norm == words[k] for k in range(n)):
            return qualifier
    return Qualifier.EXACT


def count_near(tokens: Sequence[Token], anchors: frozenset[str], lo: int = 0, hi: int | None = None) -> Number | None:
    """The first number in tokens[lo:hi] followed within two tokens by an anchor noun (by prefix)."""
    hi = len(tokens) if hi is None else hi
    i = lo
    while i < hi:
        tok = tokens[i]
        got = read_number(tokens, i) if tok.is_number or tok.norm in WORDS or "-" in tok.norm else None
        if got is None:
            i += 1
            continue
        value, last, weak = got
        if _is_date(tokens, i, last):
            i = last + 1
            continue
        ranged = last + 2 < hi and tokens[last + 1].text in "-–—" and read_number(tokens, last + 2) is not None
        if ranged:  # "3–4 взрыва": at least the lower bound
            last += 2
        window = tokens[last + 1 : last + (2 if weak else 4)]
        if weak and last + 2 < len(tokens) and tokens[last + 2].norm in _NOT_COUNTED_AFTER:
            window = []
        if any(_anchored(t.norm, anchors) for t in window):
            qualifier = qualifier_before(tokens, i)
            if ranged and qualifier is Qualifier.EXACT:
                qualifier = Qualifier.AT_LEAST
            if tokens[i].norm in _ABOUT_WORDS and qualifier is Qualifier.EXACT:
                qualifier = Qualifier.ABOUT
            return Number(value, qualifier, i, last)
        i = last + 1
    return None


def _anchored(norm: str, anchors: frozenset[str]) -> bool:
    return any(norm.startswith(a) for a in anchors)


_MONTHS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "январь",
        "февраль",
        "март",
        "апрель",
        "май",
        "июнь",
        "июль",
        "август",
        "сентябрь",
        "октябрь",
        "ноябрь",
        "декабрь",
        "січень",
        "лютий",
        "березень",
        "квітень",
        "травень",
        "червень",
        "липень",
        "серпень",
        "вересень",
        "жовтень",
        "листопад",
        "грудень",
    ]  # noqa: E501
)


def _is_date(tokens: Sequence[Token], first: int, last: int) -> bool:
    """ "9 октября", "8-9 August", "August 9", "ночь на 9": a day of a month, not a count."""
    j = last + 1
    if j + 1 < len(tokens) and tokens[j].text in "-–" and tokens[j + 1].is_number:
        j += 2
    if j < len(tokens) and tokens[j].norm in _MONTHS:
        return True
    if first > 0 and tokens[first - 1].norm in _MONTHS:
        return True
    return (
        first > 1
        and tokens[first - 1].norm in ("на", "of", "проти")
        and tokens[first - 2].norm
        in (
            "ночь",
            "ніч",
            "night",
            "nights",
        )
    )
