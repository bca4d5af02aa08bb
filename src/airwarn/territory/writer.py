"""Write a territory as a GeoJSON FeatureCollection (the inverse of :func:`airwarn.territory.io.load_territory`)."""

from __future__ import annotations

import json
from typing import Any

from airwarn.domain.regimes import CARPET, Plan
from airwarn.domain.territory import Region, Rings, Territory, fold, point_in_rings

__all__ = ["dump_territory", "dumps_territory"]




def _geometry(rings: Rings, holes: Rings = ()) -> dict[str, Any] | None:
    if not rings:
        return None
    polygons: list[list[list[list[float]]]] = [[[list(p) for p in ring]] for ring in rings]
    for hole in holes:  # each hole goes with the first outer ring around it
        lon, lat = hole[0]
        owner = next((i for i, ring in enumerate(rings) if point_in_rings(lat, lon, (ring,))), 0)
        polygons[owner].append([list(p) for p in hole])
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def _point_geometry(lat: float, lon: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def _plan_props(plan: Plan) -> dict[str, Any]:
    return {
        "name": plan.name,
        "aliases": list(plan.aliases),
        "steps": [step.value for step in plan.steps],
        "trigger": plan.trigger.value if plan.trigger is not None else None,
        "instruction_en": plan.instruction_en,
        "instruction_ru": plan.instruction_ru,
    }


def _own_plans(region: Region) -> tuple[Plan, ...]:
    """The region's plans without the federal Carpet plan the loader adds on its own."""
    plans = region.plans
    if plans and plans[-1] == CARPET:
        others = {fold(n) for p in plans[:-1] for n in (p.name, *p.aliases)}
        if fold(CARPET.name) not in others:
            return plans[:-1]
    return plans


def _feature(props: dict[str, Any], geometry: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def dump_territory(t: Territory) -> dict[str, Any]:
    """The territory as a GeoJSON FeatureCollection; ``load_territory`` reads it back unchanged."""
    features: list[dict[str, Any]] = []
    for r in t.regions.values():
        props: dict[str, Any] = {
            "kind": "region",
            "code": r.code,
            "name_en": r.name_en,
            "name_ru": r.name_ru,
            "country": r.country or r.code[:2],
            "timezone": r.timezone,
            "warning_s": r.warning_s,
            "aliases": list(r.aliases),
        }
        if r.centre is not None:
            props["centre"] = list(r.centre)
        plans = _own_plans(r)
        if plans:
            props["plans"] = [_plan_props(p) for p in plans]
        features.append(_feature(props, _geometry(r.polygon, r.holes)))
    for d in t.districts.values():
        props = {
            "kind": "district",
            "code": d.code,
            "region": d.region,
            "name_en": d.name_en,
            "name_ru": d.name_ru,
            "aliases": list(d.aliases),
            "population": d.population,
            "polygon_approximate": d.polygon_approximate,
        }
        if d.warning_s is not None:
            props["warning_s"] = d.warning_s
        if d.centre is not None:
            props["centre"] = list(d.centre)
        features.append(_feature(props, _geometry(d.polygon, d.holes)))
    for a in t.airports.values():
        props = {
            "kind": "airport",
            "icao": a.icao,
            "iata": a.iata,
            "region": a.region,
            "name_en": a.name_en,
            "name_ru": a.name_ru,
            "aliases": list(a.aliases),
        }
        features.append(_feature(props, _point_geometry(a.lat, a.lon)))
    for s in t.shelters.values():
        props = {"kind": "shelter", "id": s.id, "name": s.name, "capacity": s.capacity, "region": s.region}
        features.append(_feature(props, _point_geometry(s.lat, s.lon)))
    for p in t.places.values():
        props = {"kind": "place", "id": p.id, "name": p.name, "name_en": p.name_en or None, "place": p.kind,
                 "region": p.region, "district": p.district, "population": p.population, "aliases": list(p.aliases)}
        features.append(_feature(props, _point_geometry(p.lat, p.lon)))
    return {"type": "FeatureCollection", "metadata": dict(t.metadata), "features": features}


def dumps_territory(t: Territory) -> str:
    """GeoJSON text of :func:`dump_territory`, one feature per line (diff-friendly, still valid JSON)."""
    doc = dump_territory(t)
    head = json.dumps({"type": doc["type"], "metadata": doc["metadata"]}, ensure_ascii=False, indent=1)
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in doc["features"]]
    return head[:-2] + ',\n "features": [\n' + ",\n".join(lines) + "\n ]\n}\n"
