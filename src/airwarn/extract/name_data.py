"""The name data shipped with the extractor: curated places (data/places*.tsv) and the lemmas of every name
word (data/lemmas*.tsv), so that start-up needs no pymorphy3 call per name.
Refresh the lemmas after names change: `python -m airwarn.extract.name_data`."""

from __future__ import annotations

import csv
from importlib import resources

from airwarn.domain.territory import Territory
from airwarn.extract.gazetteer import Gazetteer
from airwarn.extract.morph import is_cyrillic, lemma_cache, preload_lemmas

LEMMA_FILE = "data/lemmas.tsv"
LEMMA_FILE_UK = "data/lemmas_uk.tsv"


def load_lemmas() -> int:
    """Preload the shipped lemmas of every name word (start-up then needs no pymorphy3 call per name)."""
    total = 0
    for name, uk in ((LEMMA_FILE, False), (LEMMA_FILE_UK, True)):
        try:
            text = resources.files("airwarn.extract").joinpath(name).read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        pairs = [tuple(line.split("\t", 1)) for line in text.splitlines() if "\t" in line]
        preload_lemmas(((a, b) for a, b in pairs), uk=uk)
        total += len(pairs)
    return total


def write_lemmas(territory: Territory, path: str, path_uk: str) -> int:
    """Lemmatise every name the gazetteer indexes and write word<TAB>lemma lines (run when names change)."""
    Gazetteer(territory, curated_rows())
    total = 0
    for target, uk in ((path, False), (path_uk, True)):
        pairs = sorted((w, lem) for w, lem in lemma_cache(uk).items() if is_cyrillic(w))
        with open(target, "w", encoding="utf-8") as f:
            f.writelines(f"{w}\t{lem}\n" for w, lem in pairs)
        total += len(pairs)
    return total


def curated_rows() -> list[list[str]]:
    """The curated rows shipped in extract/data/places*.tsv (comments and blanks skipped)."""
    lines: list[str] = []
    for name in ("data/places.tsv", "data/places_uk.tsv"):
        text = resources.files("airwarn.extract").joinpath(name).read_text(encoding="utf-8")
        lines += [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [row for row in csv.reader(lines, delimiter="\t")]


if __name__ == "__main__":  # python -m airwarn.extract.name_data: refresh data/lemmas.tsv
    from pathlib import Path

    from airwarn.territory.io import demo_territory

    folder = Path(__file__).with_name("data")
    count = write_lemmas(demo_territory(), str(folder / "lemmas.tsv"), str(folder / "lemmas_uk.tsv"))
    print(f"{count} lemmas written to {folder}")
