"""How sure a sentence is: hedges and denials mapped onto CAP certainty together with the source type."""

from __future__ import annotations

import re
from enum import IntEnum

from airwarn.domain.reports import Certainty, SourceType


class Hedge(IntEnum):
    NONE = 0
    WEAK = 1  # "preliminary", "likely", "по предварительным данным"
    STRONG = 2  # "may have been", "reportedly", "не подтверждено"
    DENIED = 3  # "denied", "fake", "опровергли"


# Patterns run on the sentence's normalised form: lower-case English, lemmatised Russian.
_DENIED_RE = re.compile(
    r"\b(?:denied|denies|deny|refuted|debunked|fake|false reports?|(?:were|was|is|are) false|hoax|not true|untrue|"
    r"опровергнуть|опровержение|фейк|не соответствовать действительность|ложный|неправда)\b"
)
_STRONG_RE = re.compile(
    r"\b(?:may|might|could (?:have|be)|possibly|possible|reportedly|allegedly|alleged|purportedly|supposedly|rumou?rs?|"
    r"unconfirmed|unverified|not (?:yet )?(?:been )?confirmed|claims?|claimed|it is said|"
    r"возможно|возможный|якобы|предположительно|по неподтвердить|неподтвержденный|не подтвердить|не подтверждаться|"
    r"слух|вроде|по слух|мочь быть|мочь|не исключать|по некоторый данные|по неофициальный|утверждать|анонимный|"
    r"предполагать|можливо|нібито|могти|за чутка|неофіційний|не підтвердити|припускати|уточнюватися|"
    r"може бути)\b"
)
_WEAK_RE = re.compile(
    r"\b(?:preliminary|preliminarily|likely|probably|apparently|believed to|appears? to|"
    r"по предварительный|предварительно|предварительный|вероятно|судя по всему|по всей видимость|сообщаться|"
    r"попередній|попередньо|за попередній|ймовірно|імовірно)\b"
)


def hedge(norm_text: str) -> Hedge:
    """The strongest hedge in a normalised sentence."""
    if _DENIED_RE.search(norm_text):
        return Hedge.DENIED
    if _STRONG_RE.search(norm_text):
        return Hedge.STRONG
    if _WEAK_RE.search(norm_text):
        return Hedge.WEAK
    return Hedge.NONE


def certainty(source: SourceType, level: Hedge) -> Certainty:
    """CAP certainty: officials and sensors observe; media and witnesses are likely; hedges lower both."""
    if level is Hedge.DENIED:
        return Certainty.UNLIKELY
    trusted = source in (SourceType.OFFICIAL, SourceType.SENSOR)
    if level is Hedge.STRONG:
        return Certainty.POSSIBLE
    if level is Hedge.WEAK:
        return Certainty.LIKELY if trusted else Certainty.POSSIBLE
    return Certainty.OBSERVED if trusted else Certainty.LIKELY
