"""Extractor: free text (English, Russian or Ukrainian) → events, sentence by sentence, with context carried over."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from airwarn.domain.reports import Certainty, Count, Qualifier, ReportKind, Source, SourceType
from airwarn.domain.territory import Territory
from airwarn.extract import times
from airwarn.extract.certainty import Hedge, certainty, hedge
from airwarn.extract.counts import casualty_count, count_for, first_number, last_number, single_drone
from airwarn.extract.events import KIND_FAMILY, Event
from airwarn.extract.gazetteer import Gazetteer, Mention, Place
from airwarn.extract.merging import MAX_EVIDENCE_CHARS, merge, outcome_none
from airwarn.extract.morph import clean, is_ukrainian
from airwarn.extract.name_data import curated_rows, load_lemmas
from airwarn.extract.numbers import read_number
from airwarn.extract.officials import official_regions
from airwarn.extract.outcomes import damage_detail, tally, victims
from airwarn.extract.sentence import Hit, Reading, clause_hedges, fuzzy_candidates, read
from airwarn.extract.sources import SourceCue, SourceHint, find_source
from airwarn.extract.threats import threat_of, weapons_of

_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])(?<![ap]\.m\.)(?<![AP]\.M\.)[\"'»”)]*\s+(?=[^\sa-zа-яёіїєґ])")
MAX_SENTENCE_CHARS = 2_000
_THREATS = ("attack", "explosion", "en_route")
_COUNTED = ("attack", "explosion", "en_route", "casualties", "damage")


@dataclass
class Context:
    """What earlier sentences (or, for `airwarn extract` line by line, earlier lines) established."""

    region: str | None = None
    districts: list[Place] = field(default_factory=list)
    place: str | None = None
    source: Source | None = None
    last: dict[tuple[str, str | None], Event] = field(default_factory=dict)
    uk: bool = False  # the message is Ukrainian
    pending: list[str] = field(default_factory=list)  # sentences that report something but name no place yet
    seen: set[str] = field(default_factory=set)  # every region the message has named
    officials: set[str] = field(default_factory=set)  # regions whose officials the message names


def split_sentences(text: str) -> list[str]:
    """Lines, then sentences; overlong ones cut into pieces so every step stays linear in the input."""
    out: list[str] = []
    for line in text.splitlines():
        for sentence in _SENTENCE_END_RE.split(clean(line)):
            sentence = sentence.strip()
            while len(sentence) > MAX_SENTENCE_CHARS:
                cut = sentence.rfind(" ", 0, MAX_SENTENCE_CHARS)
                cut = cut if cut > MAX_SENTENCE_CHARS // 2 else MAX_SENTENCE_CHARS
                out.append(sentence[:cut])
                sentence = sentence[cut:].strip()
            if sentence:
                out.append(sentence)
    return out


class Extractor:
    """Built once (the gazetteer and the morphological analyser load here), then `extract` per message."""

    def __init__(self, territory: Territory | None = None) -> None:
        if territory is None:
            from airwarn.territory.io import demo_territory

            territory = demo_territory()
        self.territory = territory
        load_lemmas()
        self.gazetteer = Gazetteer(territory, curated_rows())
        read("Прогрев: беспилотники сбиты над Ростовской областью.", self.gazetteer)
        read("Прогрів: безпілотники збито над Харківською областю.", self.gazetteer, uk=True)

    def extract(
        self,
        text: str,
        *,
        date: date,
        source: SourceHint | None = None,
        line: int = 1,
        context: Context | None = None,
    ) -> list[Event]:
        """Every event the message reports, merged per kind family and region, in order of appearance.

        `context` carries places and speakers from earlier messages (the CLI's line-by-line mode).
        """
        if not isinstance(text, str) or not text.strip():
            return []
        ctx = context if context is not None else Context()
        ctx.uk = is_ukrainian(text)
        ctx.officials = official_regions(text)
        events: list[Event] = []
        cues: dict[str | None, Source] = {}  # the first speaker named for each region, wherever named
        norms: list[str] = []  # every sentence, read: the threat an alert's own sentence does not name
        for sentence in split_sentences(text):
            found, reading, said = self._sentence(sentence, ctx, date, source, line)
            norms.append(reading.norm)
            if said is not None:
                cues.setdefault(ctx.region, said)
            if found:
                events.extend(found)
            elif not reading.background and (reading.casualties_zero or reading.damage_none):
                outcome_none(events, reading)  # "Пострадавших нет, повреждений нет." after the report
            elif not reading.background and not reading.mentions and len(reading.tokens) <= 10:
                late = hedge(reading.norm)  # "Официально информация не подтверждена."
                if late >= Hedge.STRONG:
                    for event in events:
                        event.hedge = max(event.hedge, late)
                        event.certainty = certainty(event.source.type, Hedge(event.hedge))
        if ctx.pending and ctx.region is not None and len(ctx.seen) == 1:
            # "Над территорией области сбиты пять БПЛА. — губернатор Тульской области": the place is only in
            # the signature at the end; it covers the sentences before it that named none
            unplaced, ctx.pending = ctx.pending, []
            for sentence in unplaced:
                events.extend(self._sentence(sentence, ctx, date, source, line)[0])
        alerts = [e for e in events if e.threat is None and KIND_FAMILY[e.kind] in ("alert", "alert_lifted")]
        if alerts:
            named = next((t for t in map(threat_of, norms) if t is not None), None)
            for event in alerts:
                event.threat = named
        for event in events:
            cue = cues.get(event.region) or cues.get(None)  # «По данным Минобороны, …» opens the message
            if cue is not None and not event.source_explicit:
                event.source, event.source_explicit = self._named(cue, event.region), True
                event.certainty = certainty(cue.type, Hedge(event.hedge))
        return merge(events)

    # -- one sentence ------------------------------------------------------------------------------------
    def _sentence(
        self, text: str, ctx: Context, day: date, hint: SourceHint | None, line: int
    ) -> tuple[list[Event], Reading, Source | None]:
        reading = read(text, self.gazetteer, ctx.uk)
        if reading.background:
            return [], reading, None
        mentions = self._resolve_places(reading, ctx)
        explicit = [m.place.region for m in mentions]
        regions = list(dict.fromkeys(explicit)) or ([ctx.region] if ctx.region else [])
        carried = not explicit
        said = find_source(reading.norm)
        source, source_explicit = self._source(said, regions[0] if regions else None, ctx, carried, hint)
        if explicit:
            self._remember_places(ctx, mentions, regions[0])
            ctx.seen.update(explicit)
        if source_explicit or not carried:
            ctx.source = source if source_explicit else None
        cue = Source(said.type, said.name) if said is not None else None
        hits = [h for h in reading.hits if not (h.weak and carried)]
        if hits and not regions:
            ctx.pending.append(text)
        if not hits or not regions:
            return [], reading, cue
        levels = clause_hedges(reading)
        clocks, posted = self._clocks(text, reading, hits)
        out: list[Event] = []
        for hit in hits:
            for region in regions:
                event = self._event(reading, hit, region, mentions, ctx, carried, line)
                event.source, event.source_explicit = self._named(source, region), source_explicit
                if said is not None and said.relay is not None:
                    event.relay = said.relay
                event.hedge = int(levels[hit.first]) if levels else 0
                event.certainty = certainty(source.type, Hedge(event.hedge))
                if len(regions) > 1 and KIND_FAMILY[hit.kind] in _COUNTED:
                    event.count = self._count_in_list(reading, mentions, region, regions)
                clock = clocks.get(hit)
                if clock is not None:
                    event.time = self._time(clock, reading, region, day)
                if posted is not None:
                    event.published = self._time(posted, reading, region, day)
                out.append(event)
        self._continue(ctx, out, carried)
        return out, reading, cue

    @staticmethod
    def _continue(ctx: Context, events: list[Event], carried: bool) -> None:
        """Fill what an earlier sentence said about the same happening ("the blasts", "the incident")."""
        for event in events:
            key = (KIND_FAMILY[event.kind], event.region)
            prev = ctx.last.get(key)
            if prev is not None:
                event.count = event.count or prev.count
                if carried:
                    event.place = event.place or prev.place
                if event.kind is ReportKind.DRONE_ATTACK and prev.kind is ReportKind.INTERCEPTION:
                    event.kind = ReportKind.INTERCEPTION  # "confirmed the incident": the attack it stopped
            ctx.last[key] = event

    @staticmethod
    def _clocks(
        text: str, reading: Reading, hits: list[Hit]
    ) -> tuple[dict[Hit, times.ClockTime], times.ClockTime | None]:
        """Each clock time belongs to the closest trigger before it ("declared at 01:10 and lifted at 02:35"),
        or, when none comes before, to the first after it ("Около 01:30 жители услышали взрывы"). A time the
        text gives for the message itself ("as of 08:30", «станом на 08:30», "At 09:00 the governor announced
        that…") is when it was published, returned apart."""
        out: dict[Hit, times.ClockTime] = {}
        posted: times.ClockTime | None = None
        ordered = sorted(hits, key=lambda h: h.first)
        for clock in times.find_times(text):
            after = [h for h in ordered if reading.tokens[h.first].start > clock.start]
            before = [h for h in ordered if reading.tokens[h.first].start < clock.start]
            upto = reading.tokens[after[0].first].start if after and not before else clock.start
            if times.is_published(text, clock, upto):
                posted = posted or clock
                continue
            hit = before[-1] if before else ordered[0]
            out.setdefault(hit, clock)
        return out, posted

    def _named(self, source: Source, region: str | None) -> Source:
        if source.name and "{region}" in source.name:
            return Source(source.type, source.name.format(region=self._region_name(region)))
        return source

    def _resolve_places(self, reading: Reading, ctx: Context) -> list[Mention]:
        """Keep unambiguous places; an ambiguous district goes to a region named nearby; add fuzzy districts."""
        plain = [m for m in reading.mentions if sum(1 for o in reading.mentions if o.first == m.first) == 1]
        known = {m.place.region for m in plain} or ({ctx.region} if ctx.region else set()) or ctx.officials
        kept = list(plain)
        for m in reading.mentions:
            if m not in plain and m.place.region in known:
                kept.append(m)
        districts_known = {m.place.region for m in kept if m.place.kind == "district"}
        scope = districts_known or known
        for i in fuzzy_candidates(reading):
            place = self.gazetteer.fuzzy_district(reading.tokens[i].norm, scope)
            if place is not None:
                kept.append(Mention(place, i, i, fuzzy=True))
        kept.sort(key=lambda m: m.first)
        return kept

    def _remember_places(self, ctx: Context, mentions: list[Mention], region: str | None) -> None:
        if region != ctx.region:
            ctx.districts, ctx.place = [], None
            ctx.region = region
        districts = [m.place for m in mentions if m.place.kind == "district" and m.place.region == region]
        districts += self._town_districts([m.place for m in mentions if m.place.region == region])
        if districts:
            ctx.districts = list({d.code: d for d in districts}.values())  # a raion and a town of it: once
        cities = [m.place for m in mentions if m.place.kind == "city" and m.place.region == region]
        if cities:
            ctx.place = cities[0].name

    @staticmethod
    def _source(
        said: SourceCue | None, region: str | None, ctx: Context, carried: bool, hint: SourceHint | None
    ) -> tuple[Source, bool]:
        if said is not None:
            return Source(said.type, said.name), True
        if ctx.source is not None and (carried or region == ctx.region):
            return ctx.source, True
        if hint is not None and hint.type is not None:
            return Source(hint.type, hint.name), False
        return Source(SourceType.MEDIA, hint.name if hint else None), False

    def _event(
        self,
        reading: Reading,
        hit: Hit,
        region: str | None,
        mentions: list[Mention],
        ctx: Context,
        carried: bool,
        line: int,
    ) -> Event:
        places = [m.place for m in mentions if m.place.region == region]
        districts = list(dict.fromkeys(p for p in places if p.kind == "district"))
        districts += [d for d in self._town_districts(places) if d.code not in {x.code for x in districts}]
        if not districts and region is not None and region == ctx.region and (carried or not places):
            districts = list(ctx.districts)
        city = next((p.name for p in places if p.kind in ("city", "airport")), None)
        event = Event(
            kind=hit.kind,
            region=region,
            source=Source(SourceType.MEDIA),
            certainty=Certainty.UNKNOWN,
            evidence=reading.text[:MAX_EVIDENCE_CHARS],
            line=line,
            districts=[d.name for d in districts],
            district_codes=[d.code for d in districts],
            place=city or (ctx.place if carried else None),
            regime=hit.regime,
            plan=hit.plan,
        )
        family = KIND_FAMILY[hit.kind]
        if family in _THREATS or family in ("alert", "alert_lifted"):
            event.threat = threat_of(reading.norm)
            event.weapons = weapons_of(reading.norm)
        if family == "attack":
            counted = tally(reading.tokens)
            event.launched, event.destroyed, event.by_method = counted.launched, counted.destroyed, counted.by_method
        if family in _COUNTED:
            event.count = count_for(reading, hit.kind)
            if (
                hit.kind is ReportKind.INTERCEPTION
                and event.destroyed is not None
                and (event.count is None or event.count.value == event.launched)
            ):
                event.count = Count(event.destroyed)  # "shot down 24 of 26": the count is what was downed
            if event.count is None and hit.kind is ReportKind.INTERCEPTION and single_drone(reading, hit, ctx.uk):
                event.count = Count(1)
        if family == "airport" or family == "airport_resumed":
            airport = self.gazetteer.airport(reading.tokens, region)
            if airport is not None:
                event.airport, event.place = airport.code, airport.name
        if family == "casualties":
            event.killed, event.injured = victims(reading.tokens)
            event.casualties = casualty_count(reading)
            if event.killed is not None or event.injured is not None:
                total = (event.killed or 0) + (event.injured or 0)
                if event.count is None or event.count.value != total:
                    lower = event.count is not None and event.count.qualifier in (
                        Qualifier.AT_LEAST,
                        Qualifier.MORE_THAN,
                    )
                    event.count = Count(total, event.count.qualifier if lower and event.count else Qualifier.EXACT)
                event.casualties = total
            event.count = event.count or (None if event.casualties is None else Count(event.casualties))
        elif reading.casualties_zero:
            event.casualties = 0
        if family == "damage":
            event.damage = True
            event.damage_cause, event.damage_objects = damage_detail(reading.norm)
        elif reading.damage_none:
            event.damage = False
        return event

    def _town_districts(self, places: list[Place]) -> list[Place]:
        """Towns that stand for a district (Engels → Engelssky; in Ukraine, whose raions are the gazetteer's,
        Irpin → Bucha, but a town sharing its raion's name, Kupiansk, stays the town)."""
        out = []
        for p in (p for p in places if p.kind == "city" and p.district):
            d = self.territory.district(p.region, p.district or "")
            if d is not None:
                out.append(Place("district", p.region, d.name_en, d.code, d.name_en))
            elif p.region.startswith("UA-") and p.district != p.name:
                out.append(self.gazetteer.district_place(p.region, p.district or ""))
        return out

    @staticmethod
    def _count_in_list(reading: Reading, mentions: list[Mention], region: str, regions: list[str]) -> Count | None:
        """Each region's own number in a list: "8 над Белгородской областью, 4 — Курской" (number first) or
        "над Курской уничтожен 1, над Белгородской — 2" (number after)."""
        spans = []
        for r in regions:
            own = [m for m in mentions if m.place.region == r]
            spans.append((min(m.first for m in own), max(m.last for m in own)))
        order = sorted(range(len(regions)), key=lambda k: spans[k][0])
        k = order.index(regions.index(region))
        first_lo = spans[order[0]][0]
        if last_number(reading, spans[order[0]][1] + 1, spans[order[-1]][0]) is None:
            # no number inside the list: "по одному — над Курской, Орловской…", "three each over…" give every
            # region the same; "11 drones over the Belgorod and Kursk regions" is a total, nobody's own
            return _each(reading)
        number_first = last_number(reading, 0, first_lo) is not None
        if number_first:
            lo = spans[order[k - 1]][1] + 1 if k else 0
            return last_number(reading, lo, spans[order[k]][0])
        hi = spans[order[k + 1]][0] if k + 1 < len(order) else len(reading.tokens)
        return first_number(reading, spans[order[k]][1] + 1, hi)

    def _time(self, clock: times.ClockTime, reading: Reading, region: str | None, day: date) -> datetime:
        tz = self.territory.regions[region].timezone if region in self.territory.regions else None
        if tz is None and region and region.startswith("UA-"):
            tz = times.KYIV
        return times.resolve(clock, day, tz, shift_days=times.day_shift(reading.text, clock.hour))

    def _region_name(self, region: str | None) -> str:
        if region is None:
            return "the region"
        return self.gazetteer.region_names.get(region, region)


def _each(reading: Reading) -> Count | None:
    """The number every region of a list gets: «по одному», «по два», "three drones each"."""
    tokens = reading.tokens
    for i, tok in enumerate(tokens[:-1]):
        if tok.norm == "по":
            got = read_number(tokens, i + 1)
            if got is not None and got[0] > 0:
                return Count(got[0])
    if any(t.norm == "each" for t in tokens):
        return count_for(reading, ReportKind.INTERCEPTION)
    return None


__all__ = ["Context", "Extractor", "SourceHint", "merge", "split_sentences"]
