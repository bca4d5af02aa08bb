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
    relay: str | None = None  # the outlet that passed the words on


_OUTLETS = {
    "mash": "Mash", "baza": "Baza", "astra": "ASTRA", "tass": "TASS", "тасс": "TASS",
    "ria novosti": "RIA Novosti", "риа новость": "RIA Novosti", "interfax": "Interfax", "интерфакс": "Interfax",
    "kommersant": "Kommersant", "коммерсантъ": "Kommersant", "коммерсант": "Kommersant", "rbc": "RBC",
    "рбк": "RBC", "readovka": "Readovka", "ostorozhno novosti": "Ostorozhno Novosti",
    "осторожно , новость": "Ostorozhno Novosti", "meduza": "Meduza", "медуза": "Meduza", "reuters": "Reuters",
    "bbc": "BBC", "suspilne": "Suspilne", "суспильный": "Suspilne", "ukrainska pravda": "Ukrainska Pravda",
    "известие": "Izvestia", "izvestia": "Izvestia", "база": "Baza", "двач": "Dvach", "sota": "SOTA",
    "суспільне": "Suspilne", "суспільний": "Suspilne", "укрінформ": "Ukrinform", "ukrinform": "Ukrinform",
    "українська правда": "Ukrainska Pravda", "рбк-україна": "RBC-Ukraine", "унн": "UNN", "тсн": "TSN",
    "hromadske": "Hromadske", "громадське": "Hromadske", "afp": "AFP", "associated press": "AP",
    "kyiv independent": "Kyiv Independent", "the kyiv independent": "Kyiv Independent",
    "shot-канал": "SHOT", "рен тв": "REN TV", "life.ru": "Life", "лайф": "Life",
}  # fmt: skip
_MEDIA_GENERIC = (
    r"local media|media outlets?|media reports?|news outlets?|telegram channels?|newspapers?|news agency|"
    r"reporters?|journalists?|the outlet|сми|телеграм-канал|telegram-канал|канал|издание|журналист|"
    r"агентство|газета|паблик|местный сми|the media|media|зми|моніторинговий канал|моніторинговий|паблік|"
    r"телеграм-канал|видання|анонимный канал|анонімний канал|monitoring channels?|monitoring groups?"
)
#: Officials who sign posts with their surname only ("отметил Богомаз"), by lemma or lower-case spelling.
_OFFICIAL_SURNAMES = (
    "богомаз", "bogomaz", "гладков", "gladkov", "слюсарь", "slyusar", "бусаргин", "busargin", "бочаров", "bocharov",
    "мельниченко", "melnichenko", "хинштейн", "khinshtein", "собянин", "sobyanin", "гусев", "gusev",
    "кондратьев", "kondratyev", "артамонов", "artamonov", "клычков", "klychkov", "шапша", "shapsha", "малков",
    "malkov", "воробьев", "vorobyov", "синєгубов", "синегубов", "syniehubov", "кіпер", "кипер", "kiper", "лисак",
    "лысак", "lysak", "федоров", "fedorov", "калашник", "kalashnyk", "кравченко", "kravchenko", "ткаченко",
    "tkachenko", "прокудін", "прокудин", "prokudin", "кім", "ким", "kim", "філашкін", "filashkin", "чаус", "chaus",
    "григоров", "hryhorov", "кличко", "klitschko", "терехов", "terekhov", "козицький", "kozytskyi", "лунін",
    "lunin", "таб[уо]рець", "taburets", "федорук", "fedoruk", "ігнат", "ihnat", "vladimirov", "владимиров",
    "радаев", "radaev", "никитин", "nikitin", "азаров", "azarov", "любимов", "lyubimov", "шаповалов",
)  # fmt: skip
_OFFICIAL = (
    r"(?P<gov>governor|губернатор|глава регион|глава \S+ область|глава \S+ край|глава республика|"
    r"head of the region)|(?P<mod>ministry of defen[cs]e|defen[cs]e "
    r"ministry|russian mod|минобороны|министерство оборона|мо рф)|(?P<mayor>mayor|мэр|мэрия|city hall|глава город|"
    r"глава район|глава администрация|глава муниципальный)|(?P<auth>authorities|власть|officials|"
    r"regional government|правительство|оперштаб|оперативный штаб|administration|администрация|"
    r"emergenc(?:y|ies) ministry|мчс|emercom|police|полиция|мвд|air force|armed forces|general staff|"
    r"генштаб|военный|the military|rosaviatsia|росавиация|federal air transport agency|"
    r"press service|пресс-служба|airport said|аэропорт сообщить|обласний військовий адміністрація|"
    r"міський військовий адміністрація|ова|мва|кмва|військовий адміністрація|повітряний сила|генштаб зсу|"
    r"генеральний штаб|дснс|поліція|міський голова|влада|оперативний командування|сила оборона|міноборони|"
    r"air force|military administration|regional military administration|state emergency service|"
    r"мер|очільник|начальник ова|голова ова|the ministry|ministry|ведомство|відомство|міністерство|"
    r"regional headquarters|headquarters|оперштаб)|(?P<surname>"
    + "|".join(sorted(_OFFICIAL_SURNAMES, key=len, reverse=True))  # noqa: E501
    + r")\w*"
)
_WITNESS = (
    r"мешканець|мешканці|очевидець|місцевий житель|житель|residents|locals|local people|eyewitness(?:es)?|witness(?:es)?|житель|местный житель|очевидец|горожанин|"  # noqa: E501
    r"подписчик|users|пользователь|people in|people heard|a resident|one resident"
)
_SENSOR = r"radar|sensor|acoustic|радар|датчик|радиолокационный"
_SPEECH = re.compile(
    r"\b(?:said|says|say|confirm\w*|report\w*|wrote|writes|announc\w*|stat\w*|post\w*|emphasi[sz]\w*|"
    r"according|told|inform\w*|warn\w*|describ\w*|heard|hear|saw|see|noted|added|declar\w*|activat\w*|"
    r"introduc\w*|suspend\w*|imposed|urged|cited|claim\w*|publish\w*|detect\w*|recorded|"
    r"сообщить|сообщать|сообщаться|заявить|написать|подтвердить|рассказать|слово|данные|информировать|"
    r"предупредить|объявить|ввести|слышать|увидеть|видеть|публиковать|опубликовать|пожаловаться|жаловаться|"
    r"зафиксировать|фиксировать|отметить|уточнить|приостановить|передавать|пишет|писать|утверждать|"
    r"повідомити|повідомляти|заявити|написати|розповісти|зазначити|уточнити|додати|підтвердити|дані|слово|"
    r"поінформувати|попередити|наголосити|передавати|писати|чути|зафіксувати|оголосити|citing|accus\w*)\b"
)
#: "…, — губернатор Андрей Бочаров." : a speaker named after a dash at the end of the sentence.
_DASH_SPEAKER = re.compile(r"(?:^[—–-] |[—–-] (?:\S+ ){0,6}\S+ ?\.?$)")
#: "Reuters, citing the mayor", "со ссылкой на губернатора", "з посиланням на ОВА": a relay.
_RELAY_RE = re.compile(
    r"\b(?:citing|cited|quoting|со ссылка на|ссылаться на|з посилання на|посилатися на|"
    r"посилаючись на|according to \S+ cited by)\b"
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
    if not _SPEECH.search(norm_text) and " : " not in norm_text and not _DASH_SPEAKER.search(norm_text):
        return None
    for m in _CUE_RE.finditer(norm_text):
        if _FORMER_RE.search(norm_text[max(0, m.start() - 8) : m.start()]):
            continue
        group = m.lastgroup
        if group == "witness" and _VICTIM_RE.search(norm_text[max(0, m.start() - 16) : m.start()]):
            continue  # "двое мирных жителей", "three residents were injured": victims, not speakers
        if group in ("outlet", "media"):
            if group == "outlet":
                name: str | None = _OUTLETS[m.group("outlet")]
            else:
                outlet = _CUE_RE.search(norm_text, m.end(), m.end() + 40)
                name = _OUTLETS[outlet.group("outlet")] if outlet and outlet.lastgroup == "outlet" else None
            relayed = _relayed(norm_text, m.end())
            if relayed is not None:
                return SourceCue(relayed.type, relayed.name, relayed.start, relay=name or "media")
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
            "surname": "Authorities of {region}",
        }
        return SourceCue(SourceType.OFFICIAL, names.get(group or ""), m.start())
    return None


def _relayed(norm_text: str, after: int) -> SourceCue | None:
    """The official an outlet cites ("Reuters, citing the mayor"), when it cites one."""
    m = _RELAY_RE.search(norm_text, after, after + 60)
    if m is None:
        return None
    cue = find_source(norm_text[m.end() :])
    if cue is None:
        cue = find_source(norm_text[m.end() :] + " : ")
    if cue is None or cue.type is SourceType.MEDIA:
        return None
    return cue
