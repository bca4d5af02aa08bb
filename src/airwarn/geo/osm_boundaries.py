"""Administrative boundaries from an OpenStreetMap extract: regions and districts as a new territory.

pyosmium reads the ``.osm.pbf`` in two passes; libosmium's multipolygon assembler joins each
``boundary=administrative`` relation's member ways into rings (a relation split over many ways,
inner rings as holes, several outer rings as exclaves). The first admin level asked for gives the
regions, the others the districts. Codes come from the ``ISO3166-2`` tag, else a mapping file, else
(districts only) the region code and a slug of the English name. A district belongs to the region
it overlaps most. Settlements (``place=city|town|village|hamlet`` nodes with a name) are collected
with their district. Everything is read and checked before anything is stored.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from airwarn.domain.territory import District, Region, Rings, Territory, fold, slug
from airwarn.errors import InvalidInput

#: ``place=*`` values kept as settlements (suburbs and neighbourhoods belong to a town already).
PLACE_KINDS = ("city", "town", "village", "hamlet")
#: Coordinates of imported outlines are kept to this many decimals (~1 cm).
DECIMALS = 7
#: A district must overlap its region by at least this share of its own area.
MIN_REGION_SHARE = 0.5
MAPPING_FIELDS = ("osm", "code", "name_en", "name_ru", "timezone", "warning_s")


@dataclass(frozen=True)
class Boundary:
    """One assembled boundary relation (lon/lat multipolygon) and its tags."""

    osm_id: int
    level: int
    tags: dict[str, str]
    shape: Any  # shapely (Multi)Polygon in lon/lat

    @property
    def name(self) -> str:
        return self.tags.get("name", "") or f"relation {self.osm_id}"

    def where(self) -> str:
        return f"relation {self.osm_id} ({self.name})"


@dataclass(frozen=True)
class Place:
    """A settlement node: ``place=town`` etc."""

    osm_id: int
    kind: str
    name: str
    name_en: str
    lat: float
    lon: float
    population: int | None


@dataclass
class OsmBoundaries:
    """What an extract holds: boundaries by level, settlements, and the relations that did not assemble."""

    boundaries: list[Boundary] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    broken: list[tuple[int, str]] = field(default_factory=list)  # (relation id, name)


@dataclass(frozen=True)
class Mapping:
    """Codes and names a mapping file gives, keyed by ``r<relation id>`` or by folded OSM name."""

    rows: dict[str, dict[str, str]]

    def get(self, b: Boundary) -> dict[str, str]:
        return self.rows.get(f"r{b.osm_id}") or self.rows.get(fold(b.tags.get("name", ""))) or {}


def parse_levels(text: str) -> tuple[int, ...]:
    """``"4,6"`` -> (4, 6); the first is the region level, the others district levels."""
    try:
        levels = tuple(int(p) for p in text.split(",") if p.strip())
    except ValueError:
        raise InvalidInput(f"admin levels must be numbers like 4,6, got {text!r}", field="admin_levels") from None
    if not levels or any(not 1 <= lv <= 12 for lv in levels) or len(set(levels)) != len(levels):
        raise InvalidInput(f"admin levels must be distinct numbers 1..12 like 4,6, got {text!r}", field="admin_levels")
    return levels


def load_mapping(path: str | Path | None) -> Mapping:
    """A CSV with the header ``osm,code,name_en,name_ru,timezone,warning_s`` (empty cells are left out)."""
    if path is None:
        return Mapping({})
    try:
        with Path(path).open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [f for f in ("osm", "code") if f not in (reader.fieldnames or [])]
            if missing:
                raise InvalidInput(
                    f"mapping file {path} needs the columns {', '.join(MAPPING_FIELDS)}", field="mapping"
                )
            rows: dict[str, dict[str, str]] = {}
            for line, row in enumerate(reader, start=2):
                key = (row.get("osm") or "").strip()
                if not key:
                    raise InvalidInput(f"mapping file row {line}: 'osm' is empty", field=f"mapping row {line}.osm")
                kept = {k: v.strip() for k, v in row.items() if k in MAPPING_FIELDS and k != "osm" and v and v.strip()}
                rows[key if key[:1] == "r" and key[1:].isdigit() else fold(key)] = kept
    except OSError as exc:
        raise InvalidInput(f"cannot read mapping file {path}: {exc.strerror or exc}", field="mapping") from None
    return Mapping(rows)


def read_boundaries(path: str | Path, levels: Iterable[int]) -> OsmBoundaries:
    """Assemble every ``boundary=administrative`` relation of the given levels, and the settlements."""
    import osmium
    from osmium.filter import KeyFilter, TagFilter

    name = str(path)
    if not Path(name).is_file():
        raise InvalidInput(f"no such file: {name}", field="file")
    wanted = {str(lv) for lv in levels}
    out = OsmBoundaries()
    candidates: dict[int, str] = {}
    wkb = osmium.geom.WKBFactory()
    try:
        for rel in osmium.FileProcessor(name, osmium.osm.RELATION).with_filter(
            TagFilter(("boundary", "administrative"))
        ):
            if rel.tags.get("admin_level") in wanted and rel.tags.get("type") in ("boundary", "multipolygon"):
                candidates[rel.id] = rel.tags.get("name") or ""
        processor = (
            osmium.FileProcessor(name)
            .with_areas(TagFilter(("boundary", "administrative")))
            .with_filter(KeyFilter("place", "boundary"))
        )
        for obj in processor:
            if isinstance(obj, osmium.osm.Node):
                place = _place(obj)
                if place is not None:
                    out.places.append(place)
            elif isinstance(obj, osmium.osm.Area) and not obj.from_way() and obj.orig_id() in candidates:
                tags = {t.k: t.v for t in obj.tags}
                try:
                    geom = shapely.from_wkb(wkb.create_multipolygon(obj))
                except RuntimeError:  # libosmium built no ring at all
                    continue
                geom = shapely.make_valid(geom)
                if geom.is_empty or geom.area <= 0:
                    continue
                out.boundaries.append(Boundary(obj.orig_id(), int(tags["admin_level"]), tags, geom))
    except InvalidInput:
        raise
    except Exception as exc:  # protobuf/zlib/format errors from libosmium on a broken file
        raise InvalidInput(f"{name} is not a readable OSM PBF file: {exc}", field="file") from exc
    found = {b.osm_id for b in out.boundaries}
    out.broken = sorted((rid, nm) for rid, nm in candidates.items() if rid not in found)
    return out


def _place(node: Any) -> Place | None:
    kind = node.tags.get("place")
    name = node.tags.get("name") or ""
    if kind not in PLACE_KINDS or not name or not node.location.valid():
        return None
    pop = node.tags.get("population", "").replace(" ", "").replace(",", "")
    return Place(
        osm_id=node.id,
        kind=kind,
        name=name,
        name_en=node.tags.get("name:en", ""),
        lat=float(node.location.lat),
        lon=float(node.location.lon),
        population=int(pop) if pop.isdigit() else None,
    )


# ---------------------------------------------------------------------------------------------
# boundaries -> territory
# ---------------------------------------------------------------------------------------------


def to_rings(geom: Any) -> tuple[Rings, Rings]:
    """(outer rings, holes) in lon/lat, outer counter-clockwise and holes clockwise, rounded, closed."""
    polys = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]
    outers: list[tuple[tuple[float, float], ...]] = []
    holes: list[tuple[tuple[float, float], ...]] = []
    for poly in polys:
        poly = orient(poly, 1.0)
        outers.append(_ring(poly.exterior.coords))
        holes.extend(_ring(h.coords) for h in poly.interiors)
    return tuple(outers), tuple(holes)


def _ring(coords: Any) -> tuple[tuple[float, float], ...]:
    pts = [(round(float(x), DECIMALS), round(float(y), DECIMALS)) for x, y in coords]
    if pts[0] != pts[-1]:
        pts.append(pts[0])
    return tuple(pts)


def _english(b: Boundary, mapped: dict[str, str]) -> str:
    from airwarn.extract.morph import translit

    name = mapped.get("name_en") or b.tags.get("name:en") or ""
    if not name:
        native = b.tags.get("name", "")
        name = " ".join(w.capitalize() for w in translit(native).split()) if native else ""
    for word in (" District", " Rayon", " rayon", " Municipal District", " Urban Okrug", " Region", " Oblast"):
        if name.endswith(word) and len(name) > len(word):
            name = name[: -len(word)]
    return name.strip() or f"relation {b.osm_id}"


#: Words OSM names carry that the territory's names leave out.
_ADMIN_WORDS = ("муниципальный район", "городской округ", "район", "область", "край")


def _native(name: str) -> str:
    """The OSM name without "район"/"городской округ" (as the territory names districts)."""
    text = name.strip()
    for word in _ADMIN_WORDS:
        text = text.replace(word, "").replace(word.capitalize(), "")
    return " ".join(text.split()) or name


def _centre(geom: Any) -> tuple[float, float]:
    p = geom.representative_point()
    return (round(float(p.y), 6), round(float(p.x), 6))


def build_territory(
    found: OsmBoundaries,
    levels: tuple[int, ...],
    current: Territory,
    mapping: Mapping,
    *,
    timezone: str | None = None,
    warning_s: int | None = None,
    skip_broken: bool = False,
) -> tuple[Territory, list[Place]]:
    """The current territory with the extract's regions (and all their districts) replaced by OSM's.

    Regions and districts already known keep their codes, names, aliases, plans and warning times
    (matched by code, then by name); a region the territory does not know needs a timezone and
    warning time (mapping file or options). Other regions, airports and shelters stay as they are.
    """
    if found.broken and not skip_broken:
        rid, nm = found.broken[0]
        raise InvalidInput(
            f"relation {rid} ({nm or 'no name'}) could not be assembled into closed rings "
            f"({len(found.broken)} such relations; a cut-off extract? use --skip-broken to import the rest)",
            field=f"relation {rid}",
        )
    region_level, district_levels = levels[0], set(levels[1:])
    if not any(b.level == region_level for b in found.boundaries):
        raise InvalidInput(f"the extract holds no boundary relation of admin_level {region_level}",
                           field="admin_levels")
    regions: dict[str, Region] = {}
    region_shapes: dict[str, Any] = {}
    for b in sorted((b for b in found.boundaries if b.level == region_level), key=lambda b: b.osm_id):
        mapped = mapping.get(b)
        code = mapped.get("code") or b.tags.get("ISO3166-2", "")
        if not code:
            raise InvalidInput(
                f"{b.where()} has no ISO3166-2 tag and no row in the mapping file", field=f"relation {b.osm_id}"
            )
        if code in regions:
            raise InvalidInput(f"{b.where()}: region code {code} is used twice", field=f"relation {b.osm_id}")
        old = current.regions.get(code)
        tz = mapped.get("timezone") or b.tags.get("timezone") or (old.timezone if old else None) or timezone
        warn_text = mapped.get("warning_s") or (str(old.warning_s) if old else None) or (
            str(warning_s) if warning_s else None
        )
        if not tz or not warn_text:
            raise InvalidInput(
                f"{b.where()}: new region {code} needs a timezone and a warning time "
                "(mapping file columns timezone, warning_s, or --timezone / --warning-s)",
                field=f"relation {b.osm_id}",
            )
        if not warn_text.isdigit() or int(warn_text) < 1:
            raise InvalidInput(f"{b.where()}: warning_s {warn_text!r} is not a whole number of seconds >= 1",
                               field=f"relation {b.osm_id}.warning_s")
        outer, holes = to_rings(b.shape)
        regions[code] = Region(
            code=code,
            name_en=(old.name_en if old else "") or _english(b, mapped),
            name_ru=mapped.get("name_ru") or b.tags.get("name:ru") or (old.name_ru if old else "") or b.name,
            timezone=tz,
            warning_s=int(warn_text),
            country=code[:2],
            polygon=outer,
            centre=_centre(b.shape),
            aliases=old.aliases if old else (),
            plans=old.plans if old else (),
            holes=holes,
        )
        region_shapes[code] = b.shape
    districts: dict[str, District] = {}
    for b in sorted((b for b in found.boundaries if b.level in district_levels), key=lambda b: (b.level, b.osm_id)):
        mapped = mapping.get(b)
        region = _region_of(b, region_shapes, current)
        if region is None:
            raise InvalidInput(
                f"{b.where()} lies in no imported region (admin_level {region_level})", field=f"relation {b.osm_id}"
            )
        name_en = _english(b, mapped)
        known = current.district(region, name_en) or current.district(region, _native(b.name))
        code = mapped.get("code") or (known.code if known else "") or f"{region}-{slug(name_en)}"
        if not code.startswith(f"{region}-"):
            raise InvalidInput(
                f"{b.where()}: district code {code} is not in region {region}", field=f"relation {b.osm_id}"
            )
        if code in districts:
            raise InvalidInput(f"{b.where()}: district code {code} is used twice", field=f"relation {b.osm_id}")
        outer, holes = to_rings(b.shape)
        pop = b.tags.get("population", "")
        districts[code] = District(
            code=code,
            region=region,
            name_en=(known.name_en if known else name_en),
            name_ru=mapped.get("name_ru") or b.tags.get("name:ru") or (known.name_ru if known else "") or b.name,
            population=int(pop) if pop.isdigit() else (known.population if known else None),
            polygon=outer,
            centre=_centre(b.shape),
            aliases=known.aliases if known else tuple(a for a in {b.name} if fold(a) != fold(name_en)),
            polygon_approximate=False,
            warning_s=known.warning_s if known else None,
            holes=holes,
        )
    kept_regions = {c: r for c, r in current.regions.items() if c not in regions}
    kept_districts = {c: d for c, d in current.districts.items() if d.region not in regions}
    territory = Territory(
        regions={**kept_regions, **regions},
        districts={**kept_districts, **districts},
        airports=dict(current.airports),
        shelters=dict(current.shelters),
        metadata={k: v for k, v in current.metadata.items() if k != "version"},
        shaper=current.shaper,
    )
    return territory, found.places


def _region_of(b: Boundary, region_shapes: dict[str, Any], current: Territory) -> str | None:
    """The imported (else known) region that holds most of the district."""
    best, share = None, 0.0
    area = b.shape.area
    for code, shape in region_shapes.items():
        if not shape.intersects(b.shape):
            continue
        s = shape.intersection(b.shape).area / area if area > 0 else 0.0
        if s > share:
            best, share = code, s
    if best is not None and share >= MIN_REGION_SHARE:
        return best
    point = b.shape.representative_point()
    region = current.locate_region(point.y, point.x)
    return region.code if region is not None else None


__all__ = [
    "Boundary",
    "Mapping",
    "OsmBoundaries",
    "Place",
    "build_territory",
    "load_mapping",
    "parse_levels",
    "read_boundaries",
    "to_rings",
]
