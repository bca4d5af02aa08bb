"""`airwarn territory import-osm` and `airwarn territory versions`: boundaries from OSM, versions."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

console = Console()


def register_territory(territory: typer.Typer) -> None:
    """Add the OSM import and the version list to the `territory` sub-command."""
    territory.command("import-osm")(import_osm)
    territory.command("versions")(versions)


def _settings(db: str | None):  # type: ignore[no-untyped-def]
    from airwarn.settings import load_settings

    settings = load_settings()
    if db:
        settings.db = db
    return settings


def import_osm(
    file: Annotated[Path, typer.Argument(help="OpenStreetMap extract (.osm.pbf) with boundary relations")],
    admin_levels: Annotated[str, typer.Option("--admin-levels", help="region level, then district levels")] = "4,6",
    mapping: Annotated[Optional[Path], typer.Option(help="CSV osm,code,name_en,name_ru,timezone,warning_s")] = None,  # noqa: UP045
    timezone: Annotated[Optional[str], typer.Option(help="IANA zone for regions the territory lacks")] = None,  # noqa: UP045
    warning_s: Annotated[Optional[int], typer.Option("--warning-s", help="warning time for new regions (s)")] = None,  # noqa: UP045
    skip_broken: Annotated[bool, typer.Option(help="import the rest when a relation cannot be assembled")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the version and its changes as JSON")] = False,
    db: Annotated[Optional[str], typer.Option(help="database URL (default: $AIRWARN_DB)")] = None,  # noqa: UP045
) -> None:
    """Import administrative boundaries as a new territory version (all or nothing)."""
    import time

    from airwarn.bootstrap import build_engine
    from airwarn.geo.osm_boundaries import build_territory, load_mapping, parse_levels, read_boundaries
    from airwarn.geo.places import with_places
    from airwarn.store.uow import UnitOfWork
    from airwarn.territory_io import dump_territory, load_territory
    from airwarn.territory_versions import load_stored, save_version

    t0 = time.perf_counter()
    levels = parse_levels(admin_levels)
    table = load_mapping(mapping)
    found = read_boundaries(file, levels)
    settings = _settings(db)
    uow = UnitOfWork(build_engine(settings))
    current = load_stored(uow) or load_territory({"type": "FeatureCollection", "features": []})
    territory, places = build_territory(found, levels, current, table, timezone=timezone, warning_s=warning_s,
                                        skip_broken=skip_broken)
    territory = with_places(territory, places)
    territory = load_territory(dump_territory(territory))  # the same checks as a GeoJSON import
    from datetime import UTC, datetime

    with uow.write() as repo:
        versioned, result = save_version(repo, territory, actor="admin-cli",
                                         source=f"OSM {file.name} levels {admin_levels}", at=datetime.now(UTC))
    result["seconds"] = round(time.perf_counter() - t0, 2)
    result["skipped"] = [{"relation": rid, "name": name} for rid, name in found.broken] if skip_broken else []
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        return
    d = result["changes"]["districts"]
    console.print(
        f"territory version {result['version']}: {len(versioned.regions)} regions, {len(versioned.districts)} "
        f"districts ({len(d['added'])} added, {len(d['removed'])} removed, {len(d['reshaped'])} reshaped), "
        f"{len(versioned.places)} places, in {result['seconds']} s"
    )


def versions(
    limit: Annotated[int, typer.Option(help="how many, newest first")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    db: Annotated[Optional[str], typer.Option(help="database URL (default: $AIRWARN_DB)")] = None,  # noqa: UP045
) -> None:
    """Territory versions: when, who, from what, and what changed."""
    from airwarn.bootstrap import build_engine
    from airwarn.store.uow import UnitOfWork
    from airwarn.territory_versions import versions as list_versions

    rows = list_versions(UnitOfWork(build_engine(_settings(db))), limit)
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False) + "\n")
        return
    table = Table(title="Territory versions")
    for col in ("version", "when", "who", "source", "districts +/-/~", "warning times"):
        table.add_column(col)
    for r in rows:
        d = r["changes"]["districts"]
        counts = f"{len(d['added'])}/{len(d['removed'])}/{len(d['reshaped'])}"
        table.add_row(r["version"], r["created_at"][:19], r["actor"], r["source"], counts,
                      str(len(r["changes"]["warning_s"])))
    console.print(table)
