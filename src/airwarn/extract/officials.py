"""Regional officials by surname, so an ambiguous district in their post goes to their region.

«Ночью в Каменском районе отражена атака БПЛА. — Юрий Слюсарь»: Rostov and Penza both have a Kamensky
district; the Rostov governor's signature settles it. Only ambiguity is resolved this way: a surname alone
never places an event.
"""

from __future__ import annotations

import re

#: Surname stems (any case ending follows) → the region the official heads; public office holders only.
_OFFICIALS: dict[str, str] = {
    "слюсар": "RU-ROS",
    "slyusar": "RU-ROS",
    "голубев": "RU-ROS",
    "golubev": "RU-ROS",
    "бочаров": "RU-VGG",
    "bocharov": "RU-VGG",
    "бусаргин": "RU-SAR",
    "busargin": "RU-SAR",
    "мельниченк": "RU-PNZ",
    "melnichenko": "RU-PNZ",
    "гладков": "RU-BEL",
    "gladkov": "RU-BEL",
    "богомаз": "RU-BRY",
    "bogomaz": "RU-BRY",
    "хинштейн": "RU-KRS",
    "khinshtein": "RU-KRS",
    "синєгубов": "UA-63",
    "синегубов": "UA-63",
    "syniehubov": "UA-63",
    "лисак": "UA-12",
    "lysak": "UA-12",
    "кіпер": "UA-51",
    "кипер": "UA-51",
    "kiper": "UA-51",
    "прокудін": "UA-65",
    "прокудин": "UA-65",
    "prokudin": "UA-65",
}
_RE = re.compile(r"(?<!\w)(" + "|".join(sorted(_OFFICIALS, key=len, reverse=True)) + r")\w{0,3}(?!\w)", re.IGNORECASE)


def official_regions(text: str) -> set[str]:
    """The regions whose officials the text names by surname."""
    return {_OFFICIALS[m.group(1).lower()] for m in _RE.finditer(text)}
