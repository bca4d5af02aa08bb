"""Build tests/data/extraction_real_{dev,heldout}.jsonl from the hand-written, hand-labelled message files in
tests/data/real_corpus/*.txt (issue 14). Every third message of each language file is held out, fixed before
any tuning; files named *.dev.txt were written later and are development messages only. The messages in
real_corpus/heldout2/*.txt form a second held-out set (extraction_real_heldout2.jsonl), written and labelled
before the district work and never tuned on.
Usage: PYTHONPATH=src python scripts/build_real_corpus.py

Message file format: a header line `@id|source hint or -|real pattern it stands for`, the text on the next
line, then one line per expected event: `kind REGION [district;...] qualifier:value|- HH:MM|ISO|- Certainty
[threat=...] [airport=ICAO] [k=killed] [i=injured]` (a space in a district name is written as _).
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from airwarn.territory.io import demo_territory  # noqa: E402

DAY = date(2026, 11, 24)
SOURCES = ROOT / "tests" / "data" / "real_corpus"


def _time(value: str, region: str, zones: dict[str, str]) -> str | None:
    if value == "-":
        return None
    if "T" in value:
        return value
    hh, mm = (int(x) for x in value.split(":"))
    tz = ZoneInfo(zones.get(region) or "Europe/Moscow")
    return datetime.combine(DAY, time(hh, mm), tz).isoformat()


def _event(line: str, zones: dict[str, str]) -> dict[str, object]:
    kind, region, districts, count, when, certainty, *extra = line.split()
    event: dict[str, object] = {
        "kind": kind,
        "region": region,
        "districts": [d.replace("_", " ") for d in districts.strip("[]").split(";") if d],
        "count": None,
        "time": _time(when, region, zones),
        "certainty": certainty,
    }
    if count != "-":
        qualifier, value = count.split(":")
        event["count"] = {"value": int(value), "qualifier": qualifier}
    for item in extra:
        key, value = item.split("=", 1)
        name = {"k": "killed", "i": "injured"}.get(key, key)
        event[name] = int(value) if name in ("killed", "injured") else value
    return event


def parse(path: Path, zones: dict[str, str]) -> list[dict[str, object]]:
    messages: list[dict[str, object]] = []
    lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    i = 0
    while i < len(lines):
        ident, hint, pattern = lines[i][1:].split("|", 2)
        msg: dict[str, object] = {
            "id": ident,
            "lang": ident.split("-")[0],
            "date": DAY.isoformat(),
            "pattern": pattern,
            "text": lines[i + 1],
        }
        if hint != "-":
            kind, name = hint.split(":", 1)
            msg["source"] = {"type": kind, "name": name}
        i += 2
        events = []
        while i < len(lines) and not lines[i].startswith("@"):
            events.append(_event(lines[i], zones))
            i += 1
        msg["events"] = events
        messages.append(msg)
    return messages


def main() -> int:
    zones = {code: r.timezone for code, r in demo_territory().regions.items()}
    dev, held = [], []
    for path in sorted(SOURCES.glob("*.txt")):
        dev_only = path.name.endswith(".dev.txt")  # written after the split was fixed: development only
        for n, msg in enumerate(parse(path, zones)):
            (held if n % 3 == 2 and not dev_only else dev).append(msg)
    held2 = [msg for path in sorted((SOURCES / "heldout2").glob("*.txt")) for msg in parse(path, zones)]
    outputs = (
        ("extraction_real_dev.jsonl", dev),
        ("extraction_real_heldout.jsonl", held),
        ("extraction_real_heldout2.jsonl", held2),
    )
    for name, rows in outputs:
        out = ROOT / "tests" / "data" / name
        out.write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in rows), encoding="utf-8")
        print(f"{len(rows)} messages → {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
