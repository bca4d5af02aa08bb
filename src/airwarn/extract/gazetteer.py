"""Place names in text → regions, districts, cities and airports, across cases, spellings and scripts."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process

from airwarn.domain.territory import Territory
from airwarn.extract.morph import (
    Token,
    is_cyrillic,
    skeleton,
    tokenize,
    translit,
)

REGION_WORDS = frozenset(
    skeleton(w)
    for w in [
        "region",
        "regions",
        "oblast",
        "province",
        "krai",
        "kray",
        "republic",
        "область",
        "край",
        "республика",
        "регион",
    ]
)
DISTRICT_WORDS = frozenset(
    skeleton(w)
    for w in ["district", "districts", "rayon", "raion", "район", "municipal", "муниципальный", "округ", "okrug"]
)
AIRPORT_WORDS = frozenset(
    skeleton(w) for w in ["airport", "airports", "аэропорт", "авиагавань", "airfield", "аэродром"]
)
_REGION_SUFFIXES = (
    "oblast",
    "region",
    "krai",
    "kray",
    "province",
    "republic of",
    "republic",
    "autonomous okrug",
    "область",
    "край",
    "республика",
)
#: Capitalised English words that are never a place on their own.
_NEVER_ALONE = frozenset(
    skeleton(w) for w in ["new", "upper", "lower", "red", "the", "a", "in", "on", "at", "of", "and", "mayor"]
)

#: Place names that are also first names ("Vladimir Vladimirov", «Владимир Владимиров»).
_FIRST_NAMES = frozenset(skeleton(w) for w in ["Vladimir", "Владимир"])
_TITLES = frozenset(
    skeleton(w)
    for w in ["Governor", "Mayor", "Region", "Oblast", "Governor's", "City", "Regional", "Губернатор", "Мэр", "Область"]
)
#: Regions that are cities (Kyiv, Sevastopol, Moscow, St Petersburg): "Kyiv and Chernihiv oblasts" means the oblast.
_CITY_REGIONS = frozenset({"UA-30", "UA-40", "RU-MOW", "RU-SPE"})
_PLURAL_REGION_WORDS = frozenset(skeleton(w) for w in ["oblasts", "regions", "областях", "областей", "областям"])


def _plural_region_follows(skels: Sequence[str], j: int) -> bool:
    """A plural region word within a short list after the name: "Kyiv and Chernihiv oblasts"."""
    return any(s in _PLURAL_REGION_WORDS for s in skels[j : j + 5])


_PLURAL_DISTRICT_WORDS = frozenset(
    skeleton(w)
    for w in ["districts", "raions", "rayons", "районах", "районов", "районы", "районам", "районів", "райони"]
)


def _plural_district_follows(skels: Sequence[str], j: int) -> bool:
    """A plural district word within a short list after the name: "the Izium and Kupiansk districts"."""
    return any(s in _PLURAL_DISTRICT_WORDS for s in skels[j : j + 5])


#: Words between a settlement and the district it lies in: «Ворожбянську громаду Конотопського району».
_SETTLEMENT_WORDS = frozenset(skeleton(w) for w in ["громада", "hromada", "community", "сельсовет", "поселение"])


def _settlements_in_districts(found: list[Mention], skels: Sequence[str]) -> list[Mention]:
    """«в селе Каменка Бессоновского района»: a settlement named right before a district of its region lies in
    that district, whatever district a town of the same name stands for elsewhere."""
    out = list(found)
    for k in range(len(out) - 1):
        town, after = out[k], out[k + 1]
        if town.place.kind != "city" or after.place.kind != "district" or town.place.region != after.place.region:
            continue
        gap = skels[town.last + 1 : after.first]
        if len(gap) <= 1 and all(s in _SETTLEMENT_WORDS for s in gap):
            out[k] = Mention(replace(town.place, district=None), town.first, town.last, town.fuzzy)
    return out


_SURNAMES_OF_PLACES = re.compile(r"^(?:владимиров|vladimirov)(?:а|у|ым|ом|е|ой|y)?$", re.IGNORECASE)


def _surname_of_place(word: str) -> bool:
    """ "Владимиров", "Vladimirov" (any case form): a surname built on a place name, not the place."""
    return _SURNAMES_OF_PLACES.match(word) is not None


_TIME_WORDS = frozenset(skeleton(w) for w in ["time", "время", "времени"])
_REGIME_WORDS = frozenset(skeleton(w) for w in ["regime", "режим", "режиму"])

#: Fuzzy fallback: a district must score this much and lead the runner-up by this much.
FUZZY_MIN = 86.0
FUZZY_LEAD = 8.0


@dataclass(frozen=True)
class Place:
    kind: str  # "region" | "district" | "city" | "airport"
    region: str
    name: str  # English display name
    code: str  # region code, district code, ICAO, or the city name
    district: str | None = None  # the district's English name (districts and cities that know theirs)


@dataclass(frozen=True)
class Mention:
    place: Place
    first: int
    last: int
    fuzzy: bool = False


def _key(name: str) -> tuple[str, ...]:
    return tuple(skeleton(t.norm) for t in tokenize(name) if t.is_word or t.is_number)


def _keys(name: str) -> list[tuple[str, ...]]:
    """The name's key as a Russian and as a Ukrainian reader lemmatises it (they may differ)."""
    ru = _key(name)
    if not is_cyrillic(name):
        return [ru]
    uk = tuple(skeleton(t.norm) for t in tokenize(name, uk=True) if t.is_word or t.is_number)
    return [ru] if uk == ru else [ru, uk]


def _strip_suffix(name: str) -> str:
    low = name.strip()
    for suffix in _REGION_SUFFIXES:
        if low.lower().endswith(" " + suffix):
            return low[: -len(suffix) - 1].strip()
        if low.lower().startswith(suffix + " "):
            return low[len(suffix) + 1 :].strip()
    return low


class Gazetteer:
    """An index from name keys (token skeletons) to places, built once from a territory and curated rows."""

    def __init__(self, territory: Territory, rows: Iterable[Sequence[str]] = ()) -> None:
        self.territory = territory
        self._index: dict[tuple[str, ...], list[Place]] = defaultdict(list)
        self._airports: dict[tuple[str, ...], list[Place]] = defaultdict(list)
        self._airports_by_region: dict[str, list[Place]] = defaultdict(list)
        self._districts_by_region: dict[str, dict[str, Place]] = defaultdict(dict)
        self.region_names: dict[str, str] = {}
        self._airport_names: list[tuple[tuple[str, ...], Place]] = []
        for region in territory.regions.values():
            self.region_names[region.code] = region.name_en
            place = Place("region", region.code, region.name_en, region.code)
            self._add_region_names(place, (region.name_en, region.name_ru, *region.aliases))
        for d in territory.districts.values():
            place = Place("district", d.region, d.name_en, d.code, d.name_en)
            self._add_district_names(place, (d.name_en, d.name_ru, *d.aliases))
        for airport in territory.airports.values():
            place = Place("airport", airport.region, airport.name_en, airport.icao)
            self._add_airport(place, (airport.name_en, airport.name_ru, airport.icao, *airport.aliases))
        for row in rows:
            self._add_row(row)
        self._index_airport_names()
        self.max_len = max((len(k) for k in self._index), default=1)
        self._firsts = frozenset(k[0] for k in self._index)

    # -- building ---------------------------------------------------------------------------------------
    def _add(self, key: tuple[str, ...], place: Place) -> None:
        if key and place not in self._index[key]:
            self._index[key].append(place)

    def _add_name(self, name: str, place: Place) -> None:
        for key in _keys(name):
            self._add(key, place)

    def _add_region_names(self, place: Place, names: Iterable[str]) -> None:
        for name in names:
            if not name:
                continue
            self._add_name(name, place)
            base = _strip_suffix(name)
            if base != name.strip():
                self._add_name(base, place)
                for suffix in ("region", "oblast", "regional", "область", "край"):  # "the Kyiv regional administration"
                    self._add_name(f"{base} {suffix}", place)

    def _add_district_names(self, place: Place, names: Iterable[str]) -> None:
        for name in names:
            for key in _keys(name):
                self._add(key, place)
                if len(key) == 1:
                    self._districts_by_region[place.region].setdefault(key[0], place)

    def _add_airport(self, place: Place, names: Iterable[str]) -> None:
        if place not in self._airports_by_region[place.region]:
            self._airports_by_region[place.region].append(place)
        for name in names:
            for key in _keys(name):
                if key and place not in self._airports[key]:
                    self._airports[key].append(place)
                self._airport_names.append((key, place))

    def _index_airport_names(self) -> None:
        """Airports named on their own ("Vnukovo", "Gumrak") are places too, unless the name is taken."""
        for key, place in self._airport_names:
            if key and key not in self._index:
                self._add(key, place)

    def _add_row(self, row: Sequence[str]) -> None:
        kind, region, name, code, variants = (list(row) + [""] * 5)[:5]
        names = [name, *(v for v in variants.split("|") if v)]
        if kind == "region" and region in self.territory.regions:
            r = self.territory.regions[region]
            self._add_region_names(Place("region", region, r.name_en, region), names)
        elif kind == "region":
            self.region_names.setdefault(region, name)
            self._add_region_names(Place("region", region, name, region), names)
        elif kind == "district":
            self._add_district_names(self.district_place(region, name), names)
        elif kind == "city":
            district = self.district_place(region, code).district if code else None
            place = Place("city", region, name, name, district)
            for n in names:
                self._add_name(n, place)
        elif kind == "none":  # names that contain a place name but are none: seas, rivers
            for n in names:
                self._add_name(n, Place("none", "", name, ""))
        elif kind == "airport":
            known = self.territory.airports.get(code)
            if known is not None:
                self._add_airport(Place("airport", known.region, known.name_en, known.icao), names[1:])
            else:
                self._add_airport(Place("airport", region, name, code), names)

    def district_place(self, region: str, name: str) -> Place:
        """The territory's district of that name, or a district of the gazetteer's own (Ukrainian raions)."""
        d = self.territory.district(region, name)
        if d is not None:
            return Place("district", region, d.name_en, d.code, d.name_en)
        return Place("district", region, name, f"{region}-{name.upper()}", name)

    # -- lookups ----------------------------------------------------------------------------------------
    def find(self, tokens: Sequence[Token]) -> list[Mention]:
        """Every place named in the tokens, longest name first; ambiguous names keep all their places."""
        skels = [skeleton(t.norm) if t.is_word else t.norm for t in tokens]
        found: list[Mention] = []
        i, n = 0, len(tokens)
        while i < n:
            if not tokens[i].is_word or skels[i] not in self._firsts:
                i += 1
                continue
            hit = None
            for size in range(min(self.max_len, n - i), 0, -1):
                places = self._index.get(tuple(skels[i : i + size]))
                if places and self._plausible(tokens, skels, i, size):
                    hit = (places, size)
                    break
            if hit is None:
                i += 1
                continue
            places, size = hit
            nxt = skels[i + size] if i + size < n else ""
            # "Moscow time", "Sea of Azov", "the Kiev regime" / «киевский режим»: no place
            if nxt in _TIME_WORDS or (size == 1 and nxt in _REGIME_WORDS) or places[0].kind == "none":
                i += size
                continue
            if size == 1 and _surname_of_place(tokens[i].text):
                i += 1  # «Владимиров» alone: a surname, never a form of «Владимир»
                continue
            if size == 1 and skels[i] in _FIRST_NAMES and self._person_follows(tokens, skels, i + 1):
                i += 2 if i + 1 < n and _surname_of_place(tokens[i + 1].text) else 1
                continue  # "Governor … Vladimir Vladimirov": a first name (and surname), not Vladimir Region
            if _plural_region_follows(skels, i + size):  # "Kyiv and Chernihiv oblasts": the oblast, not the city
                oblasts = [p for p in places if p.kind == "region" and p.region not in _CITY_REGIONS]
                places = oblasts or places
            if _plural_district_follows(skels, i + size):  # "the Shostka and Konotop districts": the raions
                places = [p for p in places if p.kind == "district"] or places
            said = " ".join(translit(t.norm) for t in tokens[i : i + size])
            for place in self._closest_per_region(self._prefer(places, nxt), said):
                found.append(Mention(place, i, i + size - 1))
            i += size
        return _settlements_in_districts(found, skels)

    def _person_follows(self, tokens: Sequence[Token], skels: Sequence[str], j: int) -> bool:
        """A capitalised word that is neither a place nor a title follows: a surname."""
        if j >= len(tokens) or not tokens[j].capitalised or not tokens[j].is_word:
            return False
        if _surname_of_place(tokens[j].text):
            return True
        return skels[j] not in self._firsts and skels[j] not in _TITLES

    @staticmethod
    def _plausible(tokens: Sequence[Token], skels: Sequence[str], i: int, size: int) -> bool:
        if size == 1 and skels[i] in _NEVER_ALONE:
            return False
        if tokens[i].capitalised:
            return True
        # "в ростовской области": lower case is fine when a region/district word is part of the name.
        return size > 1 and any(s in REGION_WORDS or s in DISTRICT_WORDS for s in skels[i : i + size])

    def _prefer(self, places: list[Place], nxt: str) -> list[Place]:
        """ "Саратовский район" is the district, "саратовский губернатор" the region."""
        if len(places) == 1:
            return places
        kinds = {p.kind for p in places}
        if nxt in DISTRICT_WORDS and "district" in kinds:
            return [p for p in places if p.kind == "district"]
        if "region" in kinds:  # "Volgograd": the region, or its capital as a place, never the city district
            cities = [p for p in places if p.kind == "city"]
            return cities or [p for p in places if p.kind == "region"]
        if "district" in kinds and "city" in kinds:
            cities = [p for p in places if p.kind == "city"]
            districts = [p for p in places if p.kind == "district"]
            shared = {c.name for c in cities} & {d.name for d in districts if d.code not in self.territory.districts}
            if shared:
                return cities  # "Kupiansk", "Nikopol": the town; its raion only with "район"/"district" after it
            return districts  # "Chertkovskaya": the stanitsa spelling of the district
        if "city" in kinds:
            return [p for p in places if p.kind == "city"]
        return places

    @staticmethod
    def _closest_per_region(places: list[Place], said: str) -> list[Place]:
        """Two districts of one region under one key ("Urupinsk" the town, "Uryupinsky" the rayon): the
        one spelt most like the text."""
        if len(places) < 2:
            return places
        best: dict[str, Place] = {}
        for place in places:
            have = best.get(place.region)
            if have is None or fuzz.ratio(said, translit(place.name)) > fuzz.ratio(said, translit(have.name)):
                best[place.region] = place
        return list(best.values())

    def fuzzy_district(self, word: str, regions: Iterable[str]) -> Place | None:
        """A misspelt district ("Sholikhovsky"), only among the given regions' districts, with a clear lead."""
        key = skeleton(word)
        choices: dict[str, Place] = {}
        for region in regions:
            choices.update(self._districts_by_region.get(region, {}))
        if len(key) < 5 or not choices:
            return None
        best = process.extract(key, list(choices), scorer=fuzz.ratio, limit=2)
        if not best or best[0][1] < FUZZY_MIN:
            return None
        if len(best) > 1 and best[0][1] - best[1][1] < FUZZY_LEAD:
            return None
        return choices[best[0][0]]

    def airport(self, tokens: Sequence[Token], region: str | None) -> Place | None:
        """The airport a sentence speaks of: named in it, or the one airport of its city or region."""
        skels = [skeleton(t.norm) for t in tokens]
        for size in (3, 2, 1):
            for i in range(len(skels) - size + 1):
                places = self._airports.get(tuple(skels[i : i + size]))
                if places:
                    in_region = [p for p in places if region is None or p.region == region]
                    if in_region:
                        return in_region[0]
        if region is not None and len(self._airports_by_region.get(region, [])) >= 1:
            return self._airports_by_region[region][0]
        return None
