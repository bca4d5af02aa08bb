"""Tokens, Russian lemmas and transliteration skeletons shared by the gazetteer and the patterns."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, NamedTuple

#: A number (with ':' ',' '.' inside, so "00:49" and "1.5" stay whole), a word (hyphenated parts kept
#: together, "Ростове-на-Дону"), or one other visible character.
_TOKEN_RE = re.compile(r"\d+(?:[.:,]\d+)*|[^\W\d_]+(?:[-'’][^\W_]+)*|[^\w\s]")
_CYRILLIC_RE = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
#: Letters Ukrainian has and Russian lacks: a message with any of them is read with the Ukrainian dictionary.
_UKRAINIAN_RE = re.compile(r"[іїєґ]", re.IGNORECASE)
#: Ukrainian words spelt without і, ї, є or ґ that Russian does not have («Дрони атакували громаду… — Сумська ОВА»).
_UKRAINIAN_WORDS_RE = re.compile(
    r"(?<!\w)(?:ОВА|громад[аиуою]|пошкоджен[оаий]|збит[оа]|уламк[иаув]\w*|тривог[аиу]|дрони|загроз[аиу]|ворожі)(?!\w)",
    re.IGNORECASE,
)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")

#: All-caps words pymorphy would misread (it takes "БПЛА" for a verb): kept as they are, lower-cased.
ABBREVIATIONS = frozenset(
    [
        "бпла",
        "бла",
        "пво",
        "рэб",
        "мо",
        "рф",
        "всу",
        "мчс",
        "сво",
        "мид",
        "фсб",
        "уав",
        "бек",
        "дрг",
        "ссср",
        "цпк",
        "мсу",
        "рлс",
        "зрк",
        "сми",
        "гибдд",
        "мвд",
    ]
)

_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
        "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
        "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "ch", "ш": "sh", "щ": "sh",
        "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "u", "я": "a", "і": "i", "ї": "i", "є": "e", "ґ": "g",
        "’": "", "'": "",
    }
)  # fmt: skip
_LATIN_FOLDS = (
    ("shch", "sh"), ("tch", "ch"), ("kh", "h"), ("yo", "e"), ("ye", "e"), ("yu", "u"), ("ya", "a"),
    ("ts", "c"), ("zh", "z"), ("j", "i"), ("y", "i"), ("w", "v"), ("x", "ks"), ("q", "k"),
)  # fmt: skip
_ADJ_END_RE = re.compile(r"(s?k)(?:ii|i|oi|aia|aa|oe|oie|ie|ogo|om|ih|ikh|ai|a|o|e)$")
_DOUBLE_RE = re.compile(r"(.)\1+")

_morph: Any = None
_morph_uk: Any = None

#: Ukrainian forms pymorphy3's Ukrainian dictionary lemmatises wrongly for our purpose ("три" → "терти",
#: "сім" → "сей", "троє" → "троя", "людина" → "людин"), fixed by hand.
UK_OVERRIDES = {
    "три": "три", "сім": "сім", "сорок": "сорок", "сорока": "сорок", "троє": "троє", "трьох": "три",
    "п’ятдесят": "п’ятдесят", "п’ятеро": "п’ятеро", "п’ятьох": "п’ять", "людина": "людина", "людини": "людина",
    "людей": "людина", "людям": "людина", "людьми": "людина", "встигла": "встигнути", "встиг": "встигнути",
    "встигли": "встигнути", "роботу": "робота", "роботи": "робота", "зв’язок": "зв’язок", "зв’язку": "зв’язок",
    "десятка": "десяток", "десятки": "десяток", "десятків": "десяток", "понад": "понад", "сімох": "сім",
    "семеро": "семеро", "шістьох": "шість", "вісьмох": "вісім", "обидва": "обидва", "обоє": "обидва",
    "дві": "два", "двоє": "двоє", "одна": "один", "одну": "один", "одного": "один", "одній": "один",
    "тривоги": "тривога", "тривогу": "тривога", "відбою": "відбій", "уламки": "уламок", "уламків": "уламок",
    "сили": "сила", "загрозу": "загроза", "загрози": "загроза", "ракети": "ракета", "ракет": "ракета",
    "пів": "пів", "другу": "другий", "шахеди": "шахед", "шахедів": "шахед", "шахедами": "шахед",
    "мск": "мск", "бпла": "бпла", "бпла-камікадзе": "бпла-камікадзе", "каб": "каб", "каби": "каб", "кабів": "каб",
    "кабами": "каб", "ппо": "ппо", "реб": "реб", "ова": "ова", "мва": "мва", "зсу": "зсу", "дснс": "дснс",
    "кмва": "кмва", "рф": "рф", "ума": "ума",
    # towns in the locative and genitive, which the dictionary lemmatises to something else
    "києві": "київ", "києва": "київ", "київ": "київ", "харкові": "харків", "кривому": "кривий", "кривого": "кривий",
    "розі": "ріг", "рогу": "ріг", "охтирці": "охтирка", "фастові": "фастів", "обухові": "обухів",
    "черкасах": "черкаси", "черкас": "черкаси", "черкаси": "черкаси", "чугуєві": "чугуїв", "чугуєва": "чугуїв",
    "сумах": "суми", "суми": "суми", "сум": "суми", "львові": "львів", "львова": "львів", "одесі": "одеса",
    "дніпрі": "дніпро", "запоріжжі": "запоріжжя", "ізмаїлі": "ізмаїл", "василькові": "васильків",
}  # fmt: skip


def morph() -> Any:
    """The shared pymorphy3 analyser, built on first use (about 0.2 s)."""
    global _morph
    if _morph is None:
        import pymorphy3

        _morph = pymorphy3.MorphAnalyzer()
    return _morph


def morph_uk() -> Any:
    """The Ukrainian pymorphy3 analyser (pymorphy3-dicts-uk), built on first use."""
    global _morph_uk
    if _morph_uk is None:
        import pymorphy3

        _morph_uk = pymorphy3.MorphAnalyzer(lang="uk")
    return _morph_uk


def clean(text: str) -> str:
    """NFC text without control or zero-width characters; newlines become spaces."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL_RE.sub(" ", text).replace("\u02bc", "’")  # Ukrainian apostrophe, one spelling
    return text.replace("\r", " ").replace("\n", " ").replace("\t", " ")


def is_cyrillic(word: str) -> bool:
    return _CYRILLIC_RE.search(word) is not None


def is_ukrainian(text: str) -> bool:
    """True when the text uses letters only Ukrainian has (і, ї, є, ґ), or words only Ukrainian has."""
    return _UKRAINIAN_RE.search(text) is not None or _UKRAINIAN_WORDS_RE.search(text) is not None


_LEMMAS: dict[str, str] = {}
_LEMMAS_UK: dict[str, str] = {}
_LEMMA_CACHE_MAX = 300_000


def lemma(word: str, uk: bool = False) -> str:
    """Lower-case dictionary form: Russian (or, with `uk`, Ukrainian) words through pymorphy3 (ё as е),
    others just lower-cased."""
    cache = _LEMMAS_UK if uk else _LEMMAS
    got = cache.get(word)
    if got is not None:
        return got
    low = word.lower().replace("ё", "е")
    if uk:
        low = low.replace("'", "’")
    if not is_cyrillic(low) or low in ABBREVIATIONS or len(low) > 40:
        got = low
    elif uk and low in UK_OVERRIDES:
        got = UK_OVERRIDES[low]
    elif "-" in low and not _looks_like_place(low):
        got = "-".join(lemma(part, uk) for part in low.split("-"))
    elif "-на-" in low and not low.startswith("-"):  # «в Калаче-на-Дону»: only the first part is inflected
        head, rest = low.split("-", 1)
        got = f"{lemma(head, uk)}-{rest}"
    elif uk:
        got = cache.get(low) or str(morph_uk().parse(low)[0].normal_form)
    else:
        got = cache.get(low) or _ru_lemma(low)
    if len(cache) > _LEMMA_CACHE_MAX:
        cache.clear()
    cache[word] = got
    return got


#: Endings of "-ский"/"-цкий" adjectives: place adjectives («в Изюмском районе») are read as such even where
#: pymorphy3 ranks a guessed noun first (it knows «изюм», raisin, and guesses «изюмскома» for «изюмском»).
_PLACE_ADJECTIVE_ENDINGS = ("ский", "ского", "скому", "ским", "ском", "ская", "ской", "скую", "ское", "ские",
                            "ских", "скими", "цкий", "цкого", "цкому", "цким", "цком", "цкой", "цких")


def _ru_lemma(low: str) -> str:
    parses = morph().parse(low)
    best = parses[0]
    if low.endswith(_PLACE_ADJECTIVE_ENDINGS) and "ADJF" not in best.tag:
        adjective = next((p for p in parses if "ADJF" in p.tag and p.normal_form.endswith(("ский", "цкий"))), None)
        best = adjective or best
    return str(best.normal_form).replace("ё", "е")


def preload_lemmas(pairs: Iterable[tuple[str, str]], uk: bool = False) -> None:
    """Seed the lemma cache (lower-case word → lemma) so start-up need not run pymorphy3 on every name."""
    cache = _LEMMAS_UK if uk else _LEMMAS
    for word, lem in pairs:
        cache.setdefault(word, lem)


def lemma_cache(uk: bool = False) -> dict[str, str]:
    return dict(_LEMMAS_UK if uk else _LEMMAS)


def _looks_like_place(low: str) -> bool:
    return "-на-" in low or low.startswith(("нью-", "усть-", "санкт-"))


@lru_cache(maxsize=100_000)
def translit(norm: str) -> str:
    """Lower-case Latin spelling of a word in any script (no folding of endings)."""
    return norm.lower().translate(_TRANSLIT)


@lru_cache(maxsize=200_000)
def skeleton(norm: str) -> str:
    """Spelling-insensitive key: Cyrillic transliterated, kh/yo/ye/y/j folded, adjective endings cut.

    "Миллеровский", "Millerovsky" and "Millerovskiy" all give "millerovsk".
    """
    s = norm.lower().translate(_TRANSLIT)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    for a, b in _LATIN_FOLDS:
        s = s.replace(a, b)
    s = _ADJ_END_RE.sub(r"\1", s)
    return _DOUBLE_RE.sub(r"\1", s)


class Token(NamedTuple):
    text: str
    norm: str  # lemma (Russian) or lower-case (others)
    start: int  # offsets in the sentence text
    end: int
    is_word: bool
    is_number: bool
    capitalised: bool


def tokenize(text: str, uk: bool = False) -> list[Token]:
    out: list[Token] = []
    for m in _TOKEN_RE.finditer(text):
        word = m.group()
        head = word[0]
        out.append(Token(word, lemma(word, uk), m.start(), m.end(), head.isalpha(), head.isdigit(), head.isupper()))
    return out
