"""What flies: the threat class an alert names (drones, ballistic missiles…) and the weapon models a message
gives (Shahed, Iskander-M, Kh-101…), in English, Russian and Ukrainian, over normalised sentence text."""

from __future__ import annotations

import re
from functools import lru_cache

#: Threat classes in the order they are tried when a sentence names several (the first named wins).
THREATS = ("ballistic_missiles", "cruise_missiles", "guided_bombs", "aircraft", "drones")

_THREAT_RE: dict[str, re.Pattern[str]] = {
    "ballistic_missiles": re.compile(
        r"\b(?:балістичн\w*|баллистическ\w*|ballistic|балістика|баллистика|іскандер\S*|искандер\S*|iskander\S*|"
        r"кн-23|kn-23|швидкісний ціль|скоростной цель|high-speed targets?)"
    ),
    "cruise_missiles": re.compile(
        r"\b(?:крилат\w*|крылат\w*|cruise|калібр|калибр|kalibr|х-101|kh-101|х-555|kh-555|х-59|kh-59|х-69|kh-69)"
    ),
    "guided_bombs": re.compile(
        r"\b(?:каб|kab|kabs|керований авіабомба|керований бомба|управляемый авиабомба|авіабомба|авиабомба|"
        r"guided (?:aerial )?bombs?|glide bombs?)\b"
    ),
    "aircraft": re.compile(
        r"\b(?:авіація|авиация|aviation|міг-31\S*|миг-31\S*|mig-31\S*|ту-95\S*|tu-95\S*|ту-22\S*|tu-22\S*|"
        r"винищувач|истребитель|fighter jets?|warplanes?|military aircraft|tactical aircraft)\b"
    ),
    "drones": re.compile(
        r"\b(?:бпла|бла|безпілотн\w*|беспилотн\w*|беспилотник|дрон\S*|drones?|uavs?|шахед|shaheds?|герань|"
        r"geran\S*|ударний бпла|unmanned)"
    ),
}

_WEAPONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Shahed", re.compile(r"\b(?:шахед|shaheds?|shahed-\d+|герань|geran\S*|гербера|gerbera)\b")),
    ("Lancet", re.compile(r"\b(?:ланцет|lancet)\b")),
    ("FPV", re.compile(r"\bfpv\b")),
    ("Iskander-M", re.compile(r"\b(?:іскандер\S*|искандер\S*|iskander\S*)")),
    ("KN-23", re.compile(r"\b(?:кн-23|kn-23)\b")),
    ("Kinzhal", re.compile(r"\b(?:кинджал|кинжал|kinzhal)\b")),
    ("Kalibr", re.compile(r"\b(?:калібр|калибр|kalibr)\b")),
    ("Kh-101", re.compile(r"\b(?:х-101|kh-101)\b")),
    ("Kh-59", re.compile(r"\b(?:х-59|kh-59)\b")),
    ("S-300", re.compile(r"\b(?:с-300|s-300)\b")),
    ("KAB", re.compile(r"\b(?:каб|kab|kabs)\b")),
    ("ATACMS", re.compile(r"\batacms\b")),
    ("Storm Shadow", re.compile(r"\bstorm shadow\b")),
    ("Neptune", re.compile(r"\b(?:нептун|neptune)\b")),
)

#: The singular weapon type of each threat class.
WEAPON_TYPE = {
    "ballistic_missiles": "ballistic_missile",
    "cruise_missiles": "cruise_missile",
    "guided_bombs": "guided_bomb",
    "aircraft": "aircraft",
    "drones": "drone",
}


@lru_cache(maxsize=4096)
def threat_of(norm: str) -> str | None:
    """The threat class the text names first, or None."""
    best: tuple[int, str] | None = None
    for name in THREATS:
        m = _THREAT_RE[name].search(norm)
        if m is not None and (best is None or m.start() < best[0]):
            best = (m.start(), name)
    return best[1] if best else None


def weapons_of(norm: str) -> list[str]:
    """Named weapon models, in the order of the table."""
    return list(_weapons(norm))


@lru_cache(maxsize=4096)
def _weapons(norm: str) -> tuple[str, ...]:
    return tuple(name for name, pattern in _WEAPONS if pattern.search(norm))
