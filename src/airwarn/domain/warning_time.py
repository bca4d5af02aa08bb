"""The warning time told to residents: how long they have to reach a shelter, as one short sentence."""

from __future__ import annotations

from collections.abc import Sequence

#: One sentence per language prefix; ``{s}`` is the warning time in whole seconds.
WARNING_SENTENCES = {
    "en": "Time to reach a shelter: {s} s.",
    "ru": "Время, чтобы добраться до укрытия: {s} с.",
    "uk": "Час, щоб дістатися укриття: {s} с.",
}


def warning_sentence(language: str, warning_s: int | None, response_types: Sequence[str]) -> str:
    """The sentence for a message that tells people to take shelter; '' otherwise or without a time."""
    if warning_s is None or "Shelter" not in response_types:
        return ""
    template = WARNING_SENTENCES.get(language[:2].lower(), WARNING_SENTENCES["en"])
    return template.format(s=int(warning_s))
