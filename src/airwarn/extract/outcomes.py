"""What an attack left behind and how many flew: killed and injured apart, the damage's cause and objects,
and launched / destroyed counts ("shot down 24 of 26 drones"), in English, Russian and Ukrainian."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from airwarn.extract.morph import Token
from airwarn.extract.numbers import read_number

_BREAKS = frozenset(",;:—–()[]!?.")
_KILLED = frozenset(
    [
        "погибнуть",
        "погибший",
        "убить",
        "убитый",
        "скончаться",
        "гибель",
        "killed",
        "died",
        "dead",
        "killing",
        "загинути",
        "загиблий",
        "вбити",
        "вбитий",
        "загибель",
        "fatalities",
    ]  # noqa: E501
)
_INJURED = frozenset(
    [
        "ранить",
        "раненый",
        "ранение",
        "пострадать",
        "пострадавший",
        "травмировать",
        "травма",
        "травмированный",
        "госпитализировать",
        "injured",
        "wounded",
        "hurt",
        "injuring",
        "wounding",
        "hospitalised",
        "hospitalized",
        "поранити",
        "поранений",
        "поранення",
        "постраждати",
        "постраждалий",
        "травмувати",
        "травмований",
        "госпіталізувати",
    ]  # noqa: E501
)
_PERSON = frozenset(
    [
        "мужчина",
        "женщина",
        "ребенок",
        "подросток",
        "водитель",
        "пенсионер",
        "пенсионерка",
        "девочка",
        "мальчик",
        "человек",
        "man",
        "woman",
        "child",
        "boy",
        "girl",
        "person",
        "driver",
        "resident",
        "teenager",
        "civilian",
        "pensioner",
        "чоловік",
        "жінка",
        "дитина",
        "підліток",
        "водій",
        "пенсіонер",
        "пенсіонерка",
        "людина",
        "мешканець",
    ]  # noqa: E501
)
_DEBRIS = ("обломок", "обломки", "уламок", "debris", "fragment", "wreckage", "осколок")
_HIT = ("попадание", "попасть", "удар", "прилет", "влучання", "влучити", "поцілити", "hit", "struck", "strike")
_FIRE = ("пожар", "возгорание", "загореться", "fire", "ablaze", "пожежа", "загоряння", "займання", "зайнятися")
#: Object words (lemma prefixes) → the English noun the JSON gives.
_OBJECTS = (
    (("многоквартирн", "многоэтаж", "багатоповерх", "apartment block", "apartment building"), "apartment building"),
    (("дом", "house", "home", "будинок", "будин"), "house"),
    (("здание", "building", "будівля", "адмінбудівл"), "building"),
    (("автомобиль", "машина", "car", "vehicle", "автомобіль", "автівка"), "car"),
    (("окно", "window", "вікно", "остеклен", "стекло"), "window"),
    (("кровля", "крыша", "roof", "покрівля", "дах"), "roof"),
    (("гараж", "garage"), "garage"),
    (("склад", "warehouse", "depot"), "warehouse"),
    (("предприятие", "enterprise", "підприємство", "завод", "plant"), "enterprise"),
    (("нпз", "нефтеперерабатывающ", "refiner"), "refinery"),
    (("подстанция", "substation", "підстанція"), "substation"),
    (("лэп", "электропередач", "електропередач", "power line"), "power line"),
    (("инфраструктура", "infrastructure", "інфраструктура"), "infrastructure"),
    (("порт", "port"), "port"),
)
_LAUNCH = frozenset(
    [
        "launched",
        "launch",
        "fired",
        "выпустить",
        "запустить",
        "применить",
        "атаковать",
        "атакувать",
        "запустити",
        "випустити",
        "застосувати",
    ]  # noqa: E501
)
_DESTROY = frozenset(
    [
        "downed",
        "destroyed",
        "intercepted",
        "сбить",
        "уничтожить",
        "перехватить",
        "нейтрализовать",
        "подавить",
        "збити",
        "знешкодити",
        "знищити",
        "перехопити",
        "подавити",
    ]  # noqa: E501
)
_EW = ("рэб", "реб", "радиоэлектронный", "радіоелектронний", "electronic", "локаційно")


@dataclass
class Tally:
    launched: int | None = None
    destroyed: int | None = None
    by_method: dict[str, int] = field(default_factory=dict)


def _number(tokens: Sequence[Token], i: int) -> int | None:
    got = read_number(tokens, i)
    if got is None or (got[2] and tokens[i].norm not in ("один", "a", "an", "one")):
        return None
    return got[0]


def _near_number(tokens: Sequence[Token], i: int, left: int = 4, right: int = 3) -> int | None:
    """The number closest to tokens[i] in its clause: before it first, then after it."""
    j = i - 1
    while j >= 0 and i - j <= left and tokens[j].text not in _BREAKS:
        n = _number(tokens, j)
        if n is not None:
            return n
        j -= 1
    j = i + 1
    while j < len(tokens) and j - i <= right and tokens[j].text not in _BREAKS:
        n = _number(tokens, j)
        if n is not None:
            return n
        j += 1
    return None


def _person_near(tokens: Sequence[Token], i: int) -> bool:
    lo, hi = max(0, i - 8), min(len(tokens), i + 4)
    return any(tokens[j].norm in _PERSON for j in range(lo, hi))


def victims(tokens: Sequence[Token]) -> tuple[int | None, int | None]:
    """(killed, injured) the sentence gives, each None when it says nothing of them."""
    killed: int | None = None
    injured: int | None = None
    for i, tok in enumerate(tokens):
        norm = tok.norm
        if norm not in _KILLED and norm not in _INJURED:
            continue
        n = _near_number(tokens, i)
        if n is None and _person_near(tokens, i):
            n = 1
        if n is None or n == 0:
            continue
        if norm in _KILLED and killed is None:
            killed = n
        elif norm in _INJURED and injured is None:
            injured = n
    return killed, injured


def damage_detail(norm: str) -> tuple[str | None, list[str]]:
    """(cause, objects): debris, a hit or fire, and what was damaged, from a normalised sentence."""
    cause = None
    if any(w in norm for w in _DEBRIS):
        cause = "debris"
    elif any(f" {w}" in f" {norm}" for w in _HIT):
        cause = "hit"
    elif any(w in norm for w in _FIRE):
        cause = "fire"
    objects: list[str] = []
    padded = f" {norm}"
    for prefixes, name in _OBJECTS:
        if any(f" {p}" in padded for p in prefixes) and name not in objects:
            objects.append(name)
    return cause, objects


def tally(tokens: Sequence[Token]) -> Tally:
    """Launched and destroyed numbers: "shot down 24 of 26 drones", "атакував 45 БпЛА … збито 38"."""
    out = Tally()
    for i, tok in enumerate(tokens):
        norm = tok.norm
        if norm in _DESTROY or (norm == "shot" and i + 1 < len(tokens) and tokens[i + 1].norm == "down"):
            j = i + (2 if norm == "shot" else 1)
            n = _near_number(tokens, j - 1, left=3, right=3)
            if n is not None and out.destroyed is None:
                out.destroyed = n
                # "24 of 26", "24 из 26", "24 з 26"
                for k in range(max(0, i - 4), min(len(tokens) - 2, i + 5)):
                    if _number(tokens, k) == n and tokens[k + 1].norm in ("of", "из", "з", "із"):
                        out.launched = _number(tokens, k + 2)
        elif norm in _LAUNCH and out.launched is None:
            out.launched = _near_number(tokens, i, left=1, right=3)
    norm_text = " ".join(t.norm for t in tokens)
    if any(w in norm_text for w in _EW):
        for i, tok in enumerate(tokens):
            if any(tok.norm.startswith(w) for w in _EW):
                n = _near_number(tokens, i, left=4, right=4)
                if n is not None:
                    out.by_method["electronic_warfare"] = n
                break
    return out
