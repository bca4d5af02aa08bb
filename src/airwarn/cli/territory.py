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
    url: Annotated[Optional[str], typer.Option(help="import through this node (default: $AIRWARN_URL)")] = None,  # noqa: UP045
    token: Annotated[Optional[str], typer.Option(help="approver token for --url (default: $AIRWARN_TOKEN)")] = None,  # noqa: UP045
) -> None:
    """Import administrative boundaries as a new territory version (all or nothing).

    With ``--url`` (or AIRWARN_URL) the territory is built here and imported through that node's API
    (approver token): the node switches at once and the audit names the token's user.
    """
    import os
    import time

    from airwarn.geo.osm_boundaries import build_territory, load_mapping, parse_levels, read_boundaries
    from airwarn.geo.places import with_places
    from airwarn.service_layer.bootstrap import open_engine, store_territory
    from airwarn.store.uow import UnitOfWork
    from airwarn.territory.io import dump_territory, load_territory
    from airwarn.territory.versions import load_stored

    t0 = time.perf_counter()
    levels = parse_levels(admin_levels)
    table = load_mapping(mapping)
    found = read_boundaries(file, levels)
    node = url or os.environ.get("AIRWARN_URL")
    settings = _settings(db)
    uow = None if node else UnitOfWork(open_engine(settings))  # reads only; the write goes via store_territory
    if node:
        current = load_territory(_node_call(node, "GET", "/api/v1/territory?places=true", None))
    else:
        assert uow is not None
        current = load_stored(uow) or load_territory({"type": "FeatureCollection", "features": []})
    territory, places = build_territory(found, levels, current, table, timezone=timezone, warning_s=warning_s,
                                        skip_broken=skip_broken)
    territory = with_places(territory, places)
    territory = load_territory(dump_territory(territory))  # the same checks as a GeoJSON import
    if node:
        secret = token or os.environ.get("AIRWARN_TOKEN")
        if not secret:
            from airwarn.errors import InvalidInput

            raise InvalidInput("importing through a node needs an approver token: --token or AIRWARN_TOKEN",
                               field="--token")
        result = _node_call(node, "POST", "/api/v1/territory", dump_territory(territory), secret)
        result["seconds"] = round(time.perf_counter() - t0, 2)
        result["skipped"] = [{"relation": rid, "name": nm} for rid, nm in found.broken] if skip_broken else []
        _report(result, territory, as_json)
        return
    versioned, result = store_territory(settings, territory, source=f"OSM {file.name} levels {admin_levels}")
    result["seconds"] = round(time.perf_counter() - t0, 2)
    result["skipped"] = [{"relation": rid, "name": name} for rid, name in found.broken] if skip_broken else []
    _report(result, versioned, as_json)


def _report(result: dict, territory, as_json: bool) -> None:  # type: ignore[no-untyped-def,type-arg]
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        return
    d = result["changes"]["districts"]
    console.print(
        f"territory version {result['version']}: {len(territory.regions)} regions, {len(territory.districts)} "
        f"districts ({len(d['added'])} added, {len(d['removed'])} removed, {len(d['reshaped'])} reshaped), "
        f"{len(territory.places)} places, in {result['seconds']} s"
    )


def _node_call(node: str, method: str, path: str, body: dict | None, token: str | None = None) -> dict:  # type: ignore[type-arg]
    """One API call to a running node; its error JSON becomes the same airwarn error the node raised."""
    import httpx

    from airwarn.errors import AirwarnError, InvalidInput

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.request(method, node.rstrip("/") + path, json=body, headers=headers, timeout=120)
    except httpx.HTTPError as exc:
        raise AirwarnError(f"cannot reach the node at {node}: {exc}") from None
    if response.status_code >= 400:
        try:
            err = response.json()
        except ValueError:
            err = {"message": response.text[:300]}
        message = f"the node refused the import ({response.status_code}): {err.get('message')}"
        if response.status_code in (400, 413, 422):
            raise InvalidInput(message, field=err.get("field"))
        raise AirwarnError(message)
    data: dict = response.json()  # type: ignore[type-arg]
    return data


def versions(
    limit: Annotated[int, typer.Option(help="how many, newest first")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    db: Annotated[Optional[str], typer.Option(help="database URL (default: $AIRWARN_DB)")] = None,  # noqa: UP045
) -> None:
    """Territory versions: when, who, from what, and what changed."""
    from airwarn.service_layer.bootstrap import open_engine
    from airwarn.store.uow import UnitOfWork
    from airwarn.territory.versions import versions as list_versions

    rows = list_versions(UnitOfWork(open_engine(_settings(db))), limit)
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
