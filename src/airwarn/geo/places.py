"""Settlements inside districts: OSM ``place=*`` nodes joined to the district (and region) holding them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from airwarn.domain.territory import Settlement, Territory
from airwarn.geo.osm_boundaries import Place


def with_places(territory: Territory, found: Iterable[Place]) -> Territory:
    """The territory with every settlement found inside it (places outside every region are left out).

    Settlements of the regions being replaced are dropped first, so a new import never keeps a town
    in a district that no longer exists.
    """
    places: dict[str, Settlement] = {}
    for p in found:
        district = territory.locate(p.lat, p.lon)
        region = territory.regions.get(district.region) if district else territory.locate_region(p.lat, p.lon)
        if region is None:
            continue
        pid = f"osm:node/{p.osm_id}"
        places[pid] = Settlement(
            id=pid,
            name=p.name,
            region=region.code,
            district=district.code if district else None,
            lat=round(p.lat, 7),
            lon=round(p.lon, 7),
            kind=p.kind,
            name_en=p.name_en if p.name_en != p.name else "",
            population=p.population,
        )
    kept = {
        i: s for i, s in territory.places.items()
        if s.region in territory.regions and (s.district is None or s.district in territory.districts)
        and i not in places
    }
    out = replace(territory, places={**kept, **places})
    out.reindex()
    return out
