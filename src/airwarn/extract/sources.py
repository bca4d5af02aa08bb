"""Who is speaking in a sentence: officials, media outlets, witnesses or sensors."""

from __future__ import annotations

import re
from dataclasses import dataclass

from airwarn.domain.reports import SourceType


@dataclass(frozen=True)
class SourceHint:
    """What the caller knows about a message's origin (its channel), used where the text says nothing."""

    type: SourceType | None = None
    name: str | None = None


@dataclass(frozen=True)
class SourceCue:
    type: SourceType
    name: str | None  # may hold "{region}", filled once the region is known
    start: int


_OUTLETS = {
    "mash": "Mash", "baza": "Baza", "astra": "ASTRA", "tass": "TASS", "тасс": "TASS",
    "ria novosti": "RIA Novosti", "риа новость": "RIA Novosti", "interfax": "Interfax", "интерфакс": "Interfax",
    "kommersant": "Kommersant", "коммерсантъ": "Kommersant", "коммерсант": "Kommersant", "rbc": "RBC",
    "рбк": "RBC", "readovka": "Readovka", "ostorozhno novosti": "Ostorozhno Novosti",
    "осторожно , новость": "Ostorozhno Novosti", "meduza": "Meduza", "медуза": "Meduza", "reuters": "Reuters",
    "bbc": "BBC", "suspilne": "Suspilne", "суспильный": "Suspilne", "ukrainska pravda": "Ukrainska Pravda",
    "известие": "Izvestia", "izvestia": "Izvestia", "база": "Baza", "двач": "Dvach", "sota": "SOTA",
}  # fmt: skip
_MEDIA_GENERIC = (
    r"local media|media outlets?|media reports?|news outlets?|telegram channels?|newspapers?|news agency|"
    r"reporters?|journalists?|the outlet|сми|телеграм-канал|telegram-канал|канал|издание|журналист|"
    r"агентство|газета|паблик|местный сми|the media|media"
)
_OFFICIAL = (
    r"(?P<gov>governor|губернатор|глава регион|глава \S+ область|глава \S+ край|глава республика|"
    r"head of the region)|(?P<mod>ministry of defen[cs]e|defen[cs]e "
    r"ministry|russian mod|минобороны|министерство оборона|мо рф)|(?P<mayor>mayor|мэр|мэрия|city hall|глава город|"
    r"глава район|глава администрация|глава муниципальный)|(?P<auth>authorities|власть|officials|"
    r"regional government|правительство|оперштаб|оперативный штаб|administration|администрация|"
    r"emergenc(?:y|ies) ministry|мчс|emercom|police|полиция|мвд|air force|armed forces|general staff|"
    r"генштаб|военный|the military|rosaviatsia|росавиация|federal air transport agency|"
    r"press service|пресс-служба|airport said|аэропорт сообщить)"
)
_WITNESS = (
    r"residents|locals|local people|eyewitness(?:es)?|witness(?:es)?|житель|местный житель|очевидец|горожанин|"
    r"подписчик|users|пользователь|people in|people heard|a resident|one resident"
)
_SENSOR = r"radar|sensor|acoustic|радар|датчик|радиолокационный"
_SPEECH = re.compile(
    r"\b(?:said|says|say|confirm\w*|report\w*|wrote|writes|announc\w*|stat\w*|post\w*|emphasi[sz]\w*|"
    r"according|told|inform\w*|warn\w*|describ\w*|heard|hear|saw|see|noted|added|declar\w*|activat\w*|"
    r"introduc\w*|suspend\w*|imposed|urged|cited|claim\w*|publish\w*|detect\w*|recorded|"
    r"сообщить|сообщать|сообщаться|заявить|написать|подтвердить|рассказать|слово|данные|информировать|"
    r"предупредить|объявить|ввести|слышать|увидеть|видеть|публиковать|опубликовать|пожаловаться|жаловаться|"
    r"зафиксировать|фиксировать|отметить|уточнить|приостановить|передавать|пишет|писать)\b"
)
_CUE_RE = re.compile(
    r"\b(?:(?P<outlet>" + "|".join(re.escape(k) for k in sorted(_OUTLETS, key=len, reverse=True)) + r")"
    r"|(?P<media>" + _MEDIA_GENERIC + r")|" + _OFFICIAL + r"|(?P<witness>" + _WITNESS + r")"
    r"|(?P<sensor>" + _SENSOR + r"))\b"
)
_FORMER_RE = re.compile(r"\b(?:former|ex|бывший|экс)\W*$")
_VICTIM_RE = re.compile(
    r"(?:\d|\b(?:двое|трое|четверо|пятеро|мирный|один|два|три|two|three|four|five|several|"
    r"несколько|civilian|injured|wounded|killed))\W*(?:\S+ )?$"
)


def find_source(norm_text: str) -> SourceCue | None:
    """The earliest speaker cue in a normalised sentence that also reports, states or acts."""
    if not _SPEECH.search(norm_text) and " : " not in norm_text:
        return None
    for m in _CUE_RE.finditer(norm_text):
        if _FORMER_RE.search(norm_text[max(0, m.start() - 8) : m.start()]):
            continue
        group = m.lastgroup
        if group == "witness" and _VICTIM_RE.search(norm_text[max(0, m.start() - 16) : m.start()]):
            continue  # "двое мирных жителей", "three residents were injured": victims, not speakers
        if group == "outlet":
            return SourceCue(SourceType.MEDIA, _OUTLETS[m.group("outlet")], m.start())
        if group == "media":
            outlet = _CUE_RE.search(norm_text, m.end(), m.end() + 40)
            name = _OUTLETS[outlet.group("outlet")] if outlet and outlet.lastgroup == "outlet" else None
            return SourceCue(SourceType.MEDIA, name, m.start())
        if group == "witness":
            return SourceCue(SourceType.WITNESS, "residents", m.start())
        if group == "sensor":
            return SourceCue(SourceType.SENSOR, None, m.start())
        names = {
            "gov": "Governor of {region}",
            "mod": "Ministry of Defence",
            "mayor": "Mayor",
            "auth": "Authorities of {region}",
        }
        return SourceCue(SourceType.OFFICIAL, names.get(group or ""), m.start())
    return None
