"""Any input returns a list of events or nothing: never an exception, never a hang."""

from __future__ import annotations

import time
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airwarn.extract.pipeline import Extractor

DAY = date(2026, 11, 24)
WORDS = st.sampled_from(
    [
        "беспилотник",
        "сбиты",
        "Ростовской",
        "области",
        "в",
        "Миллеровском",
        "районе",
        "не",
        "менее",
        "10",
        "00:49",
        "AM",
        "drones",
        "shot",
        "down",
        "over",
        "Kursk",
        "Region",
        "at",
        "least",
        "eight",
        "explosions",
        "«Ковёр»",
        "Drone",
        "Hazard",
        "—",
        ",",
        ".",
        "\n",
        "🚀",
        "💥",
        "مرحبا",
        "中文",
        "Ωmega",
        "\u200b",
        "\x00",
        "airport",
        "suspended",
        "мобильный",
        "интернет",
        "ограничен",
        "укрытия",
        "не",
        "успела",
        "1.5",
        "3–4",
        # Ukrainian (issue 14)
        "Повітряна",
        "тривога",
        "відбій",
        "Харківській",
        "області",
        "збито",
        "уламки",
        "постраждали",
        "двоє",
        "п’ять",
        "шахедів",
        "Київщині",
        "ʼ",
        "загроза",
        "балістики",
    ]
)

_EXTRACTOR: Extractor | None = None


def _extractor() -> Extractor:
    global _EXTRACTOR
    if _EXTRACTOR is None:
        _EXTRACTOR = Extractor()
    return _EXTRACTOR


def _check(text: str) -> None:
    events = _extractor().extract(text, date=DAY)
    assert isinstance(events, list)
    for event in events:
        data = event.to_json()
        assert data["kind"] and data["region"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2_000))
def test_any_unicode_text(text: str) -> None:
    _check(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(WORDS, max_size=300).map(" ".join))
def test_domain_word_salad(text: str) -> None:
    _check(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3_000))
def test_binary_decoded(data: bytes) -> None:
    _check(data.decode("utf-8", errors="replace"))
    _check(data.decode("latin-1"))


def test_empty_and_odd_inputs() -> None:
    for text in ("", " ", "\n\n", ".", "…", "\x00" * 50, "🚀" * 1000, "a" * 100_000, "9" * 5000):
        _check(text)


def test_one_megabyte_finishes_in_linear_time() -> None:
    unit = (
        "Над Миллеровским районом Ростовской области сбиты не менее 10 беспилотников в 00:49 по мск. "
        "Drones were shot down over Kursk Region 🚀 at 1:41 AM, no casualties. "
    )
    small = unit * 50
    big = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    ex = _extractor()
    t0 = time.perf_counter()
    ex.extract(small, date=DAY)
    t_small = time.perf_counter() - t0
    t0 = time.perf_counter()
    events = ex.extract(big, date=DAY)
    t_big = time.perf_counter() - t0
    assert events  # it still reads them
    # ~80x the text must not take much more than ~80x the time (no quadratic step)
    assert t_big < max(30.0, 250 * t_small)


def test_pathological_patterns_stay_fast() -> None:
    ex = _extractor()
    for text in (
        "drones " * 20_000,
        "не " * 20_000,
        ", " * 50_000,
        "1 " * 20_000,
        "at 1:" * 10_000,
        "Sholikhovsky " * 5_000 + "districts",
    ):
        t0 = time.perf_counter()
        ex.extract(text, date=DAY)
        assert time.perf_counter() - t0 < 20, text[:20]
