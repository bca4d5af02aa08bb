"""Clock times in message text ("00:49 AM", "1:41 AM Moscow time", "в 01:41 по мск"), resolved to aware datetimes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MOSCOW = "Europe/Moscow"
KYIV = "Europe/Kyiv"

_AMPM = r"(?P<ampm>a\.?\s?m\b\.?|p\.?\s?m\b\.?)"
# "00:49", "1:41 AM", "at 23.15" (a dot only after a preposition, so "1.5 m" is never a time).
_CLOCK_RE = re.compile(
    r"(?<![\d.,:])(?P<h>[01]?\d|2[0-3])(?P<sep>[:.])(?P<m>[0-5]\d)(?![\d.,:]\d)\s*(?:" + _AMPM + r")?",
    re.IGNORECASE,
)
_HOUR_AMPM_RE = re.compile(r"(?<![\d.,:])(?P<h>1[0-2]|0?\d)\s*" + _AMPM, re.IGNORECASE)
_DOT_PREFIX_RE = re.compile(r"(?:\bat|\bв|\bс|\bдо|\bоколо|\baround|\bby|\bпосле|\buntil)\s*$", re.IGNORECASE)
_ZONE_RE = re.compile(
    r"^\W{0,3}(?:по\s+)?(?P<zone>мск|msk|moscow\s+time|московскому\s+времени|москве|"
    r"kyiv\s+time|kiev\s+time|киевскому\s+времени|києвом|utc|gmt|local\s+time|местному\s+времени)",
    re.IGNORECASE,
)
_ZONE_BEFORE_RE = re.compile(r"(?P<zone>по\s+мск|по\s+москве|moscow\s+time|msk)\W{0,3}$", re.IGNORECASE)
_YESTERDAY_RE = re.compile(r"\b(?:yesterday|вчера|вчерашн\w*|накануне)\b", re.IGNORECASE)
_LAST_NIGHT_RE = re.compile(
    r"\b(?:last\s+night|late\s+last|overnight|прошедшей\s+ночью|минувшей\s+ночью)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class ClockTime:
    """A time of day as written, with the zone it was given in (None: the region's own)."""

    hour: int
    minute: int
    start: int
    zone: str | None = None


_RU_ORDINALS = {
    "первого": 1, "второго": 2, "третьего": 3, "четвертого": 4, "четвёртого": 4, "пятого": 5, "шестого": 6,
    "седьмого": 7, "восьмого": 8, "девятого": 9, "десятого": 10, "одиннадцатого": 11, "двенадцатого": 12,
}  # fmt: skip
_UK_ORDINALS = {
    "першу": 1, "другу": 2, "третю": 3, "четверту": 4, "п’яту": 5, "п'яту": 5, "шосту": 6, "сьому": 7,
    "восьму": 8, "дев’яту": 9, "дев'яту": 9, "десяту": 10, "одинадцяту": 11, "дванадцяту": 12,
}  # fmt: skip
#: «в половине второго ночи» (01:30), «о пів на третю» (02:30), «в 3 часа ночи», «о 4 годині ранку».
_HALF_RE = re.compile(
    r"\b(?:в\s+половине\s+(?P<ru>"
    + "|".join(_RU_ORDINALS)
    + r")|(?:о\s+)?пів\s+на\s+(?P<uk>"
    + "|".join(_UK_ORDINALS)
    + r"))\b(?:\s+(?P<part>ночи|ночі|утра|ранку|дня|вечера|вечора))?",
    re.IGNORECASE,
)
_HOUR_WORDS = {
    "одного": 1, "двух": 2, "трех": 3, "трёх": 3, "четырех": 4, "четырёх": 4, "пяти": 5, "шести": 6, "семи": 7,
    "восьми": 8, "девяти": 9, "десяти": 10, "одиннадцати": 11, "двенадцати": 12, "першої": 1, "другої": 2,
    "третьої": 3, "четвертої": 4, "п’ятої": 5, "шостої": 6,
}  # fmt: skip
_HOURS_RE = re.compile(
    r"\b(?:в|о|около|близько)\s+(?P<h>\d{1,2}|"
    + "|".join(_HOUR_WORDS)
    + r")\s+(?:час\w*|годин\w*)?\s*(?P<part>ночи|ночі|утра|ранку|дня|вечера|вечора)\b",
    re.IGNORECASE,
)
_PUBLISHED_BEFORE_RE = re.compile(
    r"(?:станом\s+на|по\s+состоянию\s+на|as\s+of|оновлено\s+о|обновлено\s+в|updated\s+at|posted\s+at|"
    r"published\s+at|announced\s+at)\s*$",
    re.IGNORECASE,
)
_PUBLISHED_AFTER_RE = re.compile(
    r"\b(?:announced|said|wrote|posted|reported|заявил\w*|сообщил\w*|написал\w*|повідомив\w*|повідомила|"
    r"повідомили|написав\w*|заявив\w*)\b",
    re.IGNORECASE,
)


def _evening(hour: int, part: str | None) -> int:
    p = (part or "").lower()
    if p in ("вечера", "вечора") and hour < 12:
        return hour + 12
    if p == "дня" and hour < 6:
        return hour + 12
    return hour % 24


def word_times(text: str) -> list[ClockTime]:
    """Times written in words: «в половине второго ночи», «о пів на третю», «в 3 часа ночи»."""
    out: list[ClockTime] = []
    low = text.lower()
    if not any(w in low for w in ("половин", "пів", "час", "годин", "ноч", "утр", "ранк", "вечер", "вечор")):
        return out
    for m in _HALF_RE.finditer(text):
        n = _RU_ORDINALS.get((m.group("ru") or "").lower()) or _UK_ORDINALS.get((m.group("uk") or "").lower(), 1)
        out.append(ClockTime(_evening(n - 1, m.group("part")), 30, m.start(), _zone(text, m.start(), m.end())))
    for m in _HOURS_RE.finditer(text):
        word = m.group("h").lower()
        hour = int(word) if word.isdigit() else _HOUR_WORDS.get(word, 99)
        if hour <= 12:
            out.append(ClockTime(_evening(hour, m.group("part")), 0, m.start(), _zone(text, m.start(), m.end())))
    return out


def is_published(text: str, clock: ClockTime, upto: int) -> bool:
    """The time is the message's own: "as of 08:30", or "At 09:00, the governor announced that…" (a speech
    verb between the time and the first thing reported)."""
    if _PUBLISHED_BEFORE_RE.search(text[max(0, clock.start - 30) : clock.start]):
        return True
    return _PUBLISHED_AFTER_RE.search(text, clock.start, upto) is not None


def find_times(text: str) -> list[ClockTime]:
    """Every clock time in `text`, in order."""
    found: list[ClockTime] = list(word_times(text))
    taken: list[tuple[int, int]] = []
    for m in _CLOCK_RE.finditer(text):
        if m.group("sep") == "." and not _DOT_PREFIX_RE.search(text[max(0, m.start() - 12) : m.start()]):
            continue
        hour = _apply_ampm(int(m.group("h")), m.group("ampm"))
        found.append(ClockTime(hour, int(m.group("m")), m.start(), _zone(text, m.start(), m.end())))
        taken.append((m.start(), m.end()))
    for m in _HOUR_AMPM_RE.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        hour = _apply_ampm(int(m.group("h")), m.group("ampm"))
        found.append(ClockTime(hour, 0, m.start(), _zone(text, m.start(), m.end())))
    found.sort(key=lambda t: t.start)
    return _drop_range_ends(text, found)


_RANGE_JOIN_RE = re.compile(r"^\W*(?:-|–|—|до|to|and|till|until|по)\W*$", re.IGNORECASE)


def _drop_range_ends(text: str, found: list[ClockTime]) -> list[ClockTime]:
    """ "с 23:00 до 23:50 мск", "between 1:00 and 2:00": the range is its start (in the end's zone)."""
    out: list[ClockTime] = []
    for clock in found:
        if out and _RANGE_JOIN_RE.match(_between(text, out[-1], clock)):
            if out[-1].zone is None and clock.zone is not None:
                out[-1] = ClockTime(out[-1].hour, out[-1].minute, out[-1].start, clock.zone)
            continue
        out.append(clock)
    return out


def _between(text: str, a: ClockTime, b: ClockTime) -> str:
    m = _CLOCK_RE.match(text, a.start) or _HOUR_AMPM_RE.match(text, a.start)
    end = m.end() if m else a.start
    return text[end : b.start]


def _apply_ampm(hour: int, ampm: str | None) -> int:
    if not ampm:
        return hour
    pm = ampm.lower().startswith("p")
    if hour == 12:
        return 12 if pm else 0
    return hour + 12 if pm and hour < 12 else hour


def _zone(text: str, start: int, end: int) -> str | None:
    after = _ZONE_RE.search(text[end : end + 30])
    word = after.group("zone") if after else None
    if word is None:
        before = _ZONE_BEFORE_RE.search(text[max(0, start - 16) : start])
        word = before.group("zone") if before else None
    if word is None:
        return None
    w = word.lower()
    if w.startswith(("мск", "msk", "moscow", "москов", "москв", "по мск", "по москве")):
        return MOSCOW
    if w.startswith(("kyiv", "kiev", "киев", "києв")):
        return KYIV
    if w in {"utc", "gmt"}:
        return "UTC"
    return None  # local time: the region's own zone


@lru_cache(maxsize=512)
def zone(name: str | None) -> ZoneInfo:
    """The IANA zone, Moscow when unknown or missing."""
    try:
        return ZoneInfo(name or MOSCOW)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(MOSCOW)


def day_shift(text: str, hour: int) -> int:
    """-1 when the sentence puts the time on the previous day ("yesterday", "late last night at 23:40")."""
    if _YESTERDAY_RE.search(text):
        return -1
    if hour >= 18 and _LAST_NIGHT_RE.search(text):
        return -1
    return 0


def resolve(clock: ClockTime, on: date, region_tz: str | None, *, shift_days: int = 0) -> datetime:
    """The clock time on `on` (plus shift), read in its stated zone, expressed in the region's zone."""
    given_in = zone(clock.zone or region_tz)
    moment = datetime.combine(on + timedelta(days=shift_days), time(clock.hour, clock.minute), given_in)
    return moment.astimezone(zone(region_tz))
