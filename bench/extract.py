"""Extraction speed on one core: start-up time, then messages per second over the labelled corpus.

Usage: PYTHONPATH=src python bench/extract.py [--rounds N] [--write-docs]

Two throughput figures: "warm" repeats the corpus (the lemma cache is hot, as for a steady stream of
similar posts); "fresh words" appends a unique made-up word to every message so each one pays for at
least one new pymorphy3 analysis. CPU time (process_time) is reported besides wall time because the
machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "extraction_corpus.jsonl"
#: The real-style corpus (English, Russian, Ukrainian) is measured too, so Ukrainian reading is in the figure.
REAL = (
    ROOT / "tests" / "data" / "extraction_real_dev.jsonl",
    ROOT / "tests" / "data" / "extraction_real_heldout.jsonl",
)  # noqa: E501
DOCS = ROOT / "docs" / "benchmarks.md"
DAY = date(2026, 11, 24)
HEADING = "## Extraction"

_STARTUP = """
import time
t0, c0 = time.perf_counter(), time.process_time()
from airwarn.extract.pipeline import Extractor
Extractor()
print(time.perf_counter() - t0, time.process_time() - c0)
"""


def startup(runs: int = 3) -> tuple[float, float]:
    """Best wall and CPU seconds for import + Extractor() in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    best = (float("inf"), float("inf"))
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _STARTUP], capture_output=True, text=True, env=env, check=True)
        wall, cpu = (float(x) for x in out.stdout.split())
        best = (min(best[0], wall), min(best[1], cpu))
    return best


def throughput(messages: list[str], rounds: int, *, fresh: bool) -> tuple[float, float]:
    """Messages per second by wall clock and by CPU time."""
    from airwarn.extract.pipeline import Extractor

    extractor = Extractor()
    for text in messages:
        extractor.extract(text, date=DAY)
    n = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for r in range(rounds):
        for k, text in enumerate(messages):
            if fresh:
                text = f"{text} Слово{r}x{k}ового"
            extractor.extract(text, date=DAY)
            n += 1
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return n / wall, n / cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--write-docs", action="store_true", help=f"Update the '{HEADING}' section of {DOCS}.")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    messages = [
        json.loads(line)["text"]
        for path in (CORPUS, *REAL)
        if path.exists()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line
    ]
    s_wall, s_cpu = startup()
    warm = throughput(messages, args.rounds, fresh=False)
    fresh = throughput(messages, max(1, args.rounds // 4), fresh=True)
    chars = sum(len(m) for m in messages) / len(messages)
    rows = [
        ("start-up (import + Extractor())", f"{s_wall:.2f} s wall, {s_cpu:.2f} s CPU", "< 2 s"),
        ("throughput, warm", f"{warm[0]:,.0f} msg/s wall, {warm[1]:,.0f} msg/s CPU", ">= 2,000 msg/s"),
        ("throughput, fresh words", f"{fresh[0]:,.0f} msg/s wall, {fresh[1]:,.0f} msg/s CPU", ""),
    ]
    table = ["| measure | result | aim |", "| --- | --- | --- |", *[f"| {a} | {b} | {c} |" for a, b, c in rows]]
    print("\n".join(table))
    if args.write_docs:
        section = "\n".join(
            [
                HEADING,
                "",
                f"`PYTHONPATH=src python bench/extract.py --write-docs` on one core ({platform.machine()}, "
                f"Python {platform.python_version()}), {len(messages)} corpus messages of {chars:.0f} characters on "
                f"average (English, Russian and Ukrainian), {args.rounds} rounds, {os.cpu_count()} CPUs, "
                f"{platform.processor() or platform.platform()}. Load average {os.getloadavg()[0]:.1f} at the end: the machine is shared, so CPU time is the steadier figure.",  # noqa: E501
                "",
                *table,
                "",
            ]
        )
        write_section(section)
    return 0


def write_section(section: str) -> None:
    """Replace (or add) only the Extraction section of docs/benchmarks.md."""
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    start = text.find(HEADING + "\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(HEADING))
        text = text[:start] + section.rstrip("\n") + "\n\n" + (text[end + 1 :] if end != -1 else "")
    DOCS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
