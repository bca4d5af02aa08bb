# ruff: noqa: E501 -- the contract table in CONTRACT is markdown, one row per line
"""Measure the extractor on the labelled corpus: precision / recall / F1 per field, written to docs/extraction.md.

Usage: PYTHONPATH=src python scripts/eval_extraction.py [--corpus FILE] [--heldout FILE] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from airwarn.domain.reports import SourceType  # noqa: E402
from airwarn.extract.pipeline import Extractor  # noqa: E402
from airwarn.extract.sources import SourceHint  # noqa: E402

FIELDS = ("kind", "region", "districts", "count", "time", "certainty")
#: Fields of the extended contract, scored on the corpora labelled with them (the real-style corpus).
EXTENDED = ("threat", "airport", "victims")
ALL_FIELDS = FIELDS + EXTENDED
_ALERTS = ("alert_declared", "alert_lifted")
_AIRPORTS = ("airport_suspended", "airport_resumed")
LANGS = {"en": "English", "ru": "Russian", "uk": "Ukrainian"}


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    fields: tuple[str, ...] = FIELDS
    tallies: dict[str, Tally] = field(default_factory=lambda: {f: Tally() for f in ALL_FIELDS})
    by_lang: dict[str, dict[str, Tally]] = field(default_factory=dict)
    messages: int = 0
    exact: int = 0
    quiet_ok: int = 0
    quiet_total: int = 0
    errors: list[str] = field(default_factory=list)


def keys(events: Iterable[dict[str, Any]], name: str) -> Counter[tuple[Any, ...]]:
    """The facts one field contributes: (kind, region, value) tuples; a missing value contributes nothing."""
    out: Counter[tuple[Any, ...]] = Counter()
    for e in events:
        if name == "kind":
            out[(e["kind"],)] += 1
        elif name == "region":
            out[(e["kind"], e["region"])] += 1
        elif name == "districts":
            for d in e.get("districts") or []:
                out[(e["kind"], e["region"], d)] += 1
        elif name == "count" and e.get("count"):
            out[(e["kind"], e["region"], e["count"]["value"], e["count"]["qualifier"])] += 1
        elif name == "time" and e.get("time"):
            out[(e["kind"], e["region"], e["time"])] += 1
        elif name == "certainty":
            out[(e["kind"], e["region"], e["certainty"])] += 1
        elif name == "threat" and e["kind"] in _ALERTS and e.get("threat"):
            out[(e["kind"], e["region"], e["threat"])] += 1
        elif name == "airport" and e["kind"] in _AIRPORTS and e.get("airport"):
            out[(e["kind"], e["region"], e["airport"])] += 1
        elif name == "victims":
            detail = e.get("casualties_detail") or {"killed": e.get("killed"), "injured": e.get("injured")}
            for part in ("killed", "injured"):
                if detail.get(part) is not None:
                    out[(e["kind"], e["region"], part, detail[part])] += 1
    return out


def score(
    gold: list[dict[str, Any]], pred: list[dict[str, Any]], tallies: dict[str, Tally], fields: tuple[str, ...] = FIELDS
) -> bool:
    exact = True
    for name in fields:
        g, p = keys(gold, name), keys(pred, name)
        tp = sum((g & p).values())
        tallies[name].tp += tp
        tallies[name].fp += sum(p.values()) - tp
        tallies[name].fn += sum(g.values()) - tp
        exact = exact and g == p
    return exact


def evaluate(
    corpus: Path | list[Path], extractor: Extractor | None = None, *, polarity: list[str] | None = None
) -> Report:
    """Score one corpus (or several as one); a corpus whose messages carry a `pattern` note is scored on the
    extended fields too. Polarity errors (a lifting read as a declaring or the reverse) are appended to `polarity`."""
    extractor = extractor or Extractor()
    report = Report()
    paths = corpus if isinstance(corpus, list) else [corpus]
    lines = [x for path in paths for x in path.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        if not line.strip():
            continue
        msg = json.loads(line)
        hint = None
        if msg.get("source"):
            hint = SourceHint(SourceType(msg["source"]["type"]), msg["source"].get("name"))
        events = extractor.extract(msg["text"], date=date.fromisoformat(msg["date"]), source=hint)
        pred = [e.to_json() for e in events]
        gold = msg["events"]
        if "pattern" in msg:
            report.fields = ALL_FIELDS
        lang = report.by_lang.setdefault(msg["lang"], {f: Tally() for f in ALL_FIELDS})
        score(gold, pred, lang, report.fields)
        exact = score(gold, pred, report.tallies, report.fields)
        if polarity is not None:
            polarity.extend(f"{msg['id']}: {w}" for w in polarity_errors(gold, pred))
        report.messages += 1
        report.exact += exact
        if not gold:
            report.quiet_total += 1
            report.quiet_ok += not pred
        if not exact:
            report.errors.append(_diff(msg, gold, pred))
    return report


_OPPOSITE = {
    "airport_suspended": "airport_resumed", "airport_resumed": "airport_suspended",
    "regime_declared": "regime_lifted", "regime_lifted": "regime_declared",
    "alert_declared": "alert_lifted", "alert_lifted": "alert_declared",
}  # fmt: skip


def polarity_errors(gold: list[dict[str, Any]], pred: list[dict[str, Any]]) -> list[str]:
    """Predicted events whose opposite the labels hold for the same region (and not the event itself)."""
    want = {(e["kind"], e["region"]) for e in gold}
    out = []
    for e in pred:
        opposite = _OPPOSITE.get(e["kind"])
        if opposite and (opposite, e["region"]) in want and (e["kind"], e["region"]) not in want:
            out.append(f"{e['kind']} {e['region']} where the text says {opposite}")
    return out


def _brief(e: dict[str, Any]) -> str:
    count = e.get("count")
    parts = [
        e["kind"],
        str(e["region"]),
        ",".join(e.get("districts") or []) or "-",
        f"{count['qualifier']} {count['value']}" if count else "-",
        e.get("time") or "-",
        e["certainty"],
    ]
    return " | ".join(parts)


def _diff(msg: dict[str, Any], gold: list[dict[str, Any]], pred: list[dict[str, Any]]) -> str:
    g = sorted(_brief(e) for e in gold)
    p = sorted(_brief(e) for e in pred)
    missing = [x for x in g if x not in p]
    extra = [x for x in p if x not in g]
    lines = [f"- `{msg['id']}` {msg['text'][:110]}"]
    lines += [f"  - expected: {x}" for x in missing]
    lines += [f"  - got: {x}" for x in extra]
    return "\n".join(lines)


def _table(tallies: dict[str, Tally], fields: tuple[str, ...] = FIELDS) -> list[str]:
    rows = ["| field | precision | recall | F1 | TP | FP | FN |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name in fields:
        t = tallies[name]
        rows.append(f"| {name} | {t.precision:.3f} | {t.recall:.3f} | {t.f1:.3f} | {t.tp} | {t.fp} | {t.fn} |")
    return rows


def markdown(report: Report, corpus: Path) -> str:
    out = [
        "# Extraction accuracy",
        "",
        f"Measured by `scripts/eval_extraction.py` on `{corpus.relative_to(ROOT)}` ({report.messages} messages "
        "written in the style of governors' posts, ministry bulletins, media items and residents' accounts; "
        "more than half in Russian). Regenerate with `PYTHONPATH=src python scripts/eval_extraction.py`.",
        "",
        "A field's facts are tuples — kind: `(kind)`, region: `(kind, region)`, districts: `(kind, region, "
        "district)` for each district, count: `(kind, region, value, qualifier)`, time: `(kind, region, ISO "
        "time)`, certainty: `(kind, region, certainty)` — compared per message as multisets. A count or time "
        "the label leaves empty but the extractor fills is a false positive.",
        "",
        "## Development corpus, all messages",
        "",
        "The patterns were tuned on this corpus, so these figures are optimistic; the held-out section at "
        "the end is the fairer estimate.",
        "",
        *_table(report.tallies),
        "",
        f"Messages whose events match the labels in every field: {report.exact} of {report.messages}. "
        f"Messages that report nothing (negations, background, denials of nothing) left silent: "
        f"{report.quiet_ok} of {report.quiet_total}.",
        "",
    ]
    for lang, tallies in sorted(report.by_lang.items()):
        out += [f"## Development corpus, {LANGS.get(lang, lang)} messages", "", *_table(tallies), ""]
    out += [
        "## How to use it",
        "",
        "- `airwarn extract --date 2026-11-24 FILE` (one message per line; `--whole` for one message; `-` or "
        "nothing for standard input; `--source-type`/`--source-name` when the channel is known). English, Russian "
        "and Ukrainian (a message with і/ї/є/ґ is read with pymorphy3's Ukrainian dictionary). Line by line, "
        "each line is a message of its own: it never takes a place, count, time or speaker from another line; "
        "`--whole` reads one text whose sentences share them.",
        "- `Extractor(territory).extract(text, date=..., source=SourceHint(type, name))` → `list[Event]`; "
        "`Event.to_json()` is DESIGN.md's object. `airwarn.extract.incidents.group([(event, received_at), ...])` "
        "folds reports of one happening into incidents whose certainty rises when a trusted source confirms.",
        "- `POST /api/v1/messages` `{text, source: {type, name}, received_at}` submits each event as a report; "
        "untrusted claims land in the review queue with the sentence they came from as evidence.",
        "",
        *CONTRACT.splitlines(),
        "",
        "## Labelling conventions",
        "",
        "- One event per kind family and region per message: an interception absorbs the attack it stopped; "
        "a message's sentences about the same happening are one event.",
        "- `casualties` and `damage` are events of their own when people were hurt or property damaged; "
        '"no casualties" only sets `casualties: 0` on the other events.',
        "- Certainty: an official or sensor source without hedges is `Observed`; media and witnesses are "
        '`Likely`; a weak hedge ("preliminary", "по предварительным данным") makes officials `Likely` and '
        'others `Possible`; a strong hedge ("may have", "reportedly", "не подтверждено") makes anyone '
        '`Possible`; a denial ("fake", "не соответствует действительности") makes the claim `Unlikely`.',
        "- Districts are the territory's districts (rayons and city districts such as Taganrog); a region's "
        'capital named as the region ("Volgograd was gripped by chaos") is the region, not a district.',
        '- Times are read in the zone the text gives ("по мск", "Moscow time") or the region\'s own, and '
        "printed with the region's UTC offset.",
        "",
    ]
    if report.errors:
        out += ["## Where it is wrong (development corpus)", "", *report.errors, ""]
    return "\n".join(out)


CONTRACT = """\
## The extended contract (issue 14)

DESIGN.md's object is unchanged: every key keeps its name, type and meaning, in its order. New keys follow
`evidence`, always present (null when the text gives nothing):

| key | shape | meaning |
| --- | --- | --- |
| kinds | `alert_declared`, `alert_lifted` | new kinds: an air-raid alert (sirens) sounded / all-clear, per region; not a regime |
| `threat` | `drones` \\| `ballistic_missiles` \\| `cruise_missiles` \\| `guided_bombs` \\| `aircraft` | what an alert (or attack) is about, the first the message names |
| `weapon` | `{"type": "drone"…, "models": ["Shahed", "Iskander-M", …]}` | the weapon class and named models |
| `counts` | `{"launched", "destroyed", "by_method": {"electronic_warfare": n}}` | "shot down 24 of 26", «атакував 45 … збито 38»; `count` stays the one number of the old contract |
| `casualties_detail` | `{"killed": n, "injured": n}` | apart; the old integer `casualties` keeps its meaning: people hurt or killed in total (killed + injured), 0 for "no casualties" |
| `damage_detail` | `{"cause": "debris" \\| "hit" \\| "fire", "objects": ["house", "car", …]}` | on `damage` events; `damage` stays true/false |
| `published` | ISO time | when the message says it was posted ("as of 08:30", «станом на 08:30», "At 09:00, the governor announced that…"), apart from `time` (when it happened) |
| `airport` | ICAO | on airport events |
| `source.relay` | string, only when present | who passed the source's words on ("Reuters, citing the mayor": source the mayor, relay Reuters) |
"""


HELDOUT_FIRST_RUN = """\
The held-out set was written after the development corpus had been used to tune the patterns, and
measured once before anything was changed because of it: kind F1 0.912, region 0.912, districts 0.900,
count 0.929, time 0.909, certainty 0.882; 23 of 30 messages exact. The fixes it prompted were general
(a participle pymorphy3 misreads, two districts under one key, victims taken for speakers, "dropped"
as an attack verb); the table below is after them, so it is no longer strictly unseen."""


def _f1(t: Tally) -> str:
    return "— (no facts)" if t.tp + t.fp + t.fn == 0 else f"{t.f1:.3f}"


def summary(report: Report, polarity: list[str], title: str = "", note: str = "") -> list[str]:
    """The headline: held-out F1 per field and language on the real-style corpus."""
    langs = sorted(report.by_lang)
    rows = [
        title or "## Summary: real-style held-out set (English, Russian, Ukrainian)",
        "",
        note
        or "F1 per field on the 51 held-out messages of the real-style corpus (details, how often it was measured "
        'and what changed in between: "Real-style corpus" below).',
        "",
        "| field | " + " | ".join(LANGS.get(x, x) for x in langs) + " | all |",
        "| --- | " + " | ".join("---:" for _ in langs) + " | ---: |",
    ]
    for name in ALL_FIELDS:
        cells = [_f1(report.by_lang[x][name]) for x in langs]
        rows.append(f"| {name} | " + " | ".join(cells) + f" | {report.tallies[name].f1:.3f} |")
    rows += ["", f"Polarity errors: {len(polarity)}. Exact messages: {report.exact} of {report.messages}.", ""]
    return rows


def real_section(title: str, report: Report, polarity: list[str], note: str) -> list[str]:
    """Markdown for one split of the real-style corpus: all languages, each language, failures."""
    out = [f"### {title}", "", note, "", "All languages:", "", *_table(report.tallies, ALL_FIELDS), ""]
    for lang, tallies in sorted(report.by_lang.items()):
        f1 = min(tallies[f].f1 for f in FIELDS)
        out += [f"{LANGS.get(lang, lang)} (lowest core-field F1 {f1:.3f}):", "", *_table(tallies, ALL_FIELDS), ""]
    out += [
        f"Exact messages: {report.exact} of {report.messages}. Polarity errors: {len(polarity)}"
        + ("." if not polarity else ": " + "; ".join(polarity) + "."),
        "",
    ]
    if report.errors:
        out += ["Where it is wrong:", "", *report.errors, ""]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests" / "data" / "extraction_corpus.jsonl")
    parser.add_argument("--heldout", type=Path, default=ROOT / "tests" / "data" / "extraction_heldout.jsonl")
    parser.add_argument("--real-dev", type=Path, default=ROOT / "tests" / "data" / "extraction_real_dev.jsonl")
    parser.add_argument("--real-heldout", type=Path, default=ROOT / "tests" / "data" / "extraction_real_heldout.jsonl")
    parser.add_argument(
        "--real-heldout2", type=Path, default=ROOT / "tests" / "data" / "extraction_real_heldout2.jsonl"
    )
    parser.add_argument("--dev-only", action="store_true", help="Score the development sets only (while tuning).")
    parser.add_argument(
        "--heldout-scores",
        action="store_true",
        help="Print the held-out sets' F1 tables only (no failures), write nothing.",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "extraction.md")
    args = parser.parse_args(argv)
    extractor = Extractor()
    if args.dev_only:
        polarity: list[str] = []
        dev = evaluate(args.real_dev, extractor, polarity=polarity)
        print("\n".join(real_section("real-style development set", dev, polarity, "")))
        return 0
    if args.heldout_scores:
        for title, paths in (
            ("real held-out set 1", [args.real_heldout]),
            ("real held-out set 2", [args.real_heldout2]),
            ("both real held-out sets", [args.real_heldout, args.real_heldout2]),
        ):
            pol: list[str] = []
            rep = evaluate(paths, extractor, polarity=pol)
            print("\n".join(summary(rep, pol, f"## {title}", f"{rep.messages} messages")))
        return 0
    report = evaluate(args.corpus, extractor)
    text = markdown(report, args.corpus.resolve())
    if args.heldout.exists():
        held = evaluate(args.heldout, extractor)
        text += "\n".join(
            [
                "## Held-out messages",
                "",
                HELDOUT_FIRST_RUN,
                "",
                *_table(held.tallies),
                "",
                f"Exact: {held.exact} of {held.messages}.",
                "",
                *held.errors,
                "",
            ]
        )
        print("held-out:")
        print("\n".join(_table(held.tallies)))
    if args.real_dev.exists() and args.real_heldout.exists():
        pol_dev: list[str] = []
        pol_held: list[str] = []
        real_dev = evaluate(args.real_dev, extractor, polarity=pol_dev)
        real_held = evaluate(args.real_heldout, extractor, polarity=pol_held)
        pol_held2: list[str] = []
        real_held2 = evaluate(args.real_heldout2, extractor, polarity=pol_held2)
        pol_both: list[str] = []
        both = evaluate([args.real_heldout, args.real_heldout2], extractor, polarity=pol_both)
        heads = [
            *summary(
                both, pol_both, "## Summary: both real-style held-out sets (English, Russian, Ukrainian)", BOTH_NOTE
            ),
            *summary(real_held, pol_held, "### Held-out set 1 alone"),
            *summary(real_held2, pol_held2, "### Held-out set 2 alone (districts)", HELDOUT2_SUMMARY),
        ]
        head, _, rest = text.partition("## Development corpus, all messages")
        text = head + "\n".join(heads) + "\n## Development corpus, all messages" + rest
        text += "\n".join(
            [
                "## Real-style corpus (issue 14): English, Russian and Ukrainian",
                "",
                REAL_NOTE,
                "",
                *real_section("Held-out set 1", real_held, pol_held, REAL_HELDOUT_NOTE),
                *real_section("Held-out set 2 (districts)", real_held2, pol_held2, REAL_HELDOUT2_NOTE),
                *real_section("Development set", real_dev, pol_dev, "The patterns were tuned on these."),
                NOT_DONE,
            ]
        )
        print("real held-out:")
        print("\n".join(_table(real_held.tallies, ALL_FIELDS)))
        print("real held-out 2:")
        print("\n".join(_table(real_held2.tallies, ALL_FIELDS)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print("development corpus:")
    print("\n".join(_table(report.tallies)))
    print(f"exact messages: {report.exact}/{report.messages}; written to {args.out}")
    return 0


NOT_DONE = """\
### Not done

- The public page in Ukrainian (web/ belongs to another helper). CAP carries a uk-UA `<info>` for alerts whose
  area is Ukrainian (`domain/alerts_uk.py`). The new kinds
  `alert_declared` / `alert_lifted` are accepted as reports (intake) and recorded; no rule turns them into a
  regime or an alert yet (domain/rules.py belongs to the regime helpers).
- City boroughs (Kyiv's Desnianskyi, Kharkiv's Saltivskyi…) are not in the gazetteer; Ukrainian raions and
  hromadas are a shipped list of the main ones (`extract/data/places_uk.tsv`), not all 136 raions.
- Officials are known by surname for a handful of regions only (`extract/officials.py`), and only settle a
  district name two regions share; a surname never places an event by itself.
- `by_method` is read for electronic warfare only (РЭБ/РЕБ, «локаційно втрачено»).
"""


REAL_NOTE = """\
214 development and 102 held-out messages written for this project after studying real public posts and news items (defence ministries'
night bulletins, governors' and regional military administrations' Telegram posts, air-raid alert channels,
aviation authority notices, wire and local media items, residents' accounts), each with a note of the real
pattern it stands for (`pattern` in the JSON lines); no sentence was copied from a page. The sources are
`tests/data/real_corpus/*.txt`; `scripts/build_real_corpus.py` writes `extraction_real_dev.jsonl` and
`extraction_real_heldout.jsonl`. The first 153 (51 per language) were split before any tuning: every third
message of each language is held out (51: 17 English, 17 Russian, 17 Ukrainian). 30 more development
messages (10 per language, `more.dev.txt`) were written later, then a second helper wrote held-out set 2 (51,
`heldout2/`, before touching district code) and 31 development messages on districts (`districts.dev.txt`).
Extended fields: threat `(kind, region,
threat)` on alert events, airport `(kind, region, ICAO)` on airport events, victims `(kind, region,
killed|injured, n)`. A polarity error is an event whose opposite (suspended/resumed, declared/lifted) the
labels hold for that region."""

REAL_HELDOUT_NOTE = """\
Its failures were not read while the patterns were changed, until the second measurement below. Measured
three times:

1. Right after the first development work (commit 8a750b8 plus the "Kiev regime" fix): all languages kind F1
   0.876, region 0.860, districts 0.308, count 0.815, time 0.800, certainty 0.860, threat 1.000, airport 0.933,
   victims 1.000; 32 of 51 exact; 0 polarity errors.
2. After more work driven by the issue's own list and the development set only (word times, list counts,
   published times, signatures, singular counts, repeated declarations, hromada names for every listed town,
   30 more development messages): kind 0.913, region 0.913, districts 0.308, count 1.000, time 1.000,
   certainty 0.913, threat 1.000, airport 0.933, victims 1.000; English kind 0.900 / districts 0.000 (one false
   positive), Russian kind 0.909 / districts 0.500 / airport 0.889, Ukrainian kind 0.930 / districts 0.000 (four
   false positives); 38 of 51 exact; 0 polarity errors. This is the last unseen figure.
3. The failures of (2) were then read. One general bug they showed was fixed: a town whose raion bears its
   name (Kupiansk, Shostka, Nikopol) was read as the raion. The table below is after that fix, so it is no
   longer strictly unseen. Districts stay below target: `ru-r12` labels Taganrog as no district although the
   labelling convention (below) makes Taganrog a city district, a labelling slip left as written.
4. Measured again by the second helper with set 2 (see there): after the district work, districts 0.400
   (`uk-r48`'s hromada now gives its raion, which this set's label leaves out; `ru-r12` as above), kind 0.921.
5. Two labels corrected to the written convention, in session 4 (no extractor change with it): `ru-r12` now
   names Taganrog (a city district, as every other Taganrog label in the corpus does) and `uk-r48` names
   Sumy raion for the Bilopillia hromada (it lies in Sumy raion since the 2020 reform; the dev labels
   `uk-r19` and `uk-r47` had been brought to the same rule before). With the labels as first written the
   districts field was 0.400 on 8 facts (2 right, 5 false, 1 missed); corrected, 0.857 (6 / 1 / 1). Both
   corrections make the label say what the convention says, and both happen to agree with the extractor:
   a reader who prefers the first labels should read 0.400. The one district error left is `ru-r30`
   (Balashov heard "work of air defence": labelled an explosion, read as an interception)."""

BOTH_NOTE = (
    "F1 per field on the 102 held-out messages of the real-style corpus: held-out set 1 (51, split before any "
    "tuning) and held-out set 2 (51, written later for districts). Each set alone follows; how often each was "
    'measured and what changed in between: "Real-style corpus" below.'
)
HELDOUT2_SUMMARY = "51 messages, 17 per language, most naming districts, raions or the towns that stand for them."

REAL_HELDOUT2_NOTE = """\
Written by hand by a second helper (17 Russian, 17 Ukrainian, 17 English) after studying governors', regional
military administrations', alert channels' and media posts, and committed (e2eec75, `real_corpus/heldout2/`)
before any change to district extraction and before the extractor was run on them. Most name districts,
raions, hromadas of a raion or the towns that stand for districts. Measured three times (the other sets were
measured at the same moments):

1. Before any district work (e722c78): all languages kind F1 0.880, region 0.880, districts 0.837, count 0.930,
   time 1.000, certainty 0.880; English kind 0.809 / districts 0.762, Russian kind 0.898 / districts 0.906 /
   count 0.875, Ukrainian kind 0.926 / districts 0.826 / count 0.923; 34 of 51 exact; 0 polarity errors.
   Held-out set 1 at that moment: as the previous helper left it (kind 0.913, districts 0.500, 40 of 51 exact).
2. After district work driven only by the development set and 31 new development messages
   (`districts.dev.txt`, written by the same helper, so they share the patterns the helper had in mind, not
   the sentences): kind 0.948, region 0.948, districts 0.929, count 0.955, time 1.000, certainty 0.948;
   English kind 0.851 / districts 0.826, Russian 1.000 / 1.000 / count 0.875, Ukrainian 0.982 / 0.945;
   42 of 51 exact; 0 polarity errors. This is the last unseen figure for set 2. Held-out set 1 then: kind
   0.921, districts 0.400 (Ukrainian 0.000 -- see the labelling note below), 40 of 51 exact.
3. The failures of (2) were then read, and two general fixes made: a raion named together with a town of it
   was listed twice (`uk-h05`), and "sparked / causing a fire", "set fire to" were not damage. The tables are
   after those fixes, so set 2 is no longer strictly unseen.

Labelling note. Set 2's labels (and the district rule now in the extractor) treat a Ukrainian town whose
raion has another name as standing for that raion (Irpin → Bucha, Balakliia → Izium), as Russian district
towns do (Engels → Engelssky); a town that shares its raion's name stays the town (Kupiansk, Nikopol), as set
1 was labelled. Set 1 labels one hromada (`uk-r48`, Bilopillia → Sumy raion) with no raion, so that message
now counts two district false positives there; two development labels of the same kind (`uk-r19` Zolochiv,
`uk-r47` Antonivka) were changed to the rule; set 1's `uk-r48` was corrected later (see set 1, step 5). Remaining failures:
missed kinds in English ("drones destroyed by air defences", a fire "near" a plant, damage in a sentence
whose verb is "injured"), «не менее чем пяти» read as exact, «атаки на Одеський район» with no weapon word,
"a threat of attack drones" read as an attack."""


if __name__ == "__main__":
    raise SystemExit(main())
