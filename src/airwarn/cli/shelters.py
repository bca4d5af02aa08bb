"""`airwarn shelters …`: import streets and shelters, nearest shelter, coverage, siting plan."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from airwarn.errors import AirwarnError, InvalidInput
from airwarn.shelters.model import DEFAULT_ENTRY_S, DEFAULT_WARNING_S, PROFILES_M_S

DB_HELP = "SQLAlchemy URL of the database (default: $AIRWARN_DB or sqlite:///airwarn.db)"


def _service(db: str | None, *, territory: bool = False, create: bool = False) -> Any:
    """The shelter service on the database; with ``territory``, warning times come from its regions.
    Only an import (``create``) may start a new SQLite file; a query on a missing one says so."""
    from airwarn.shelters.service import ShelterService
    from airwarn.store.engine import make_engine

    engine = make_engine(db or os.environ.get("AIRWARN_DB") or "sqlite:///airwarn.db")
    database = engine.url.database
    if not create and engine.dialect.name == "sqlite" and database not in (None, "", ":memory:") \
            and not Path(database).exists():
        raise AirwarnError(f"no database at {database}: import streets and shelters first "
                           "(`airwarn shelters import-osm`), or set AIRWARN_DB")
    return ShelterService.from_engine(engine, _stored_territory(engine) if territory else None)


def _stored_territory(engine: Any) -> Any:
    """The territory stored in the database (as `airwarn serve` uses it), or None when there is none."""
    from sqlalchemy.exc import SQLAlchemyError

    from airwarn.store.uow import UnitOfWork
    from airwarn.territory.io import load_territory

    try:
        with UnitOfWork(engine).read() as repo:
            features, meta = repo.territory_features()
    except SQLAlchemyError:  # a database that holds only shelter data
        return None
    if not features:
        return None
    return load_territory({"type": "FeatureCollection", "features": features, "metadata": meta})


def _import(db: str | None, file: Path, registry: Path | None, fmt: str, as_json: bool, **options: Any) -> None:
    """Import a street file (all or nothing) and print its summary."""
    svc = _service(db, create=True)
    with _progress("importing") as step:
        summary = svc.import_osm(file, registry, fmt=fmt, progress=step, **options)
    if as_json:
        _print_json(summary)
        return
    note = (summary.get("source_meta") or {}).get("note")
    print(
        f"Imported {summary['nodes']} nodes, {summary['segments']} segments, "
        f"{summary['buildings']} buildings (~{summary['people']} people, estimated), "
        f"{summary['shelters']} shelters ({summary['open_shelters']} open)."
        + (f"\nNote from the file: {note}" if note else "")
    )


@contextmanager
def _errors() -> Iterator[None]:
    """Airwarn errors -> `Error: …` on stderr; exit 2 for bad input, 1 for everything else."""
    try:
        yield
    except AirwarnError as exc:
        where = f" ({exc.field})" if exc.field and exc.field not in exc.message else ""
        print(f"Error: {exc.message}{where}", file=sys.stderr)
        raise typer.Exit(2 if isinstance(exc, InvalidInput) else 1) from None


def _speed(speed: float | None, profile: str) -> float:
    if profile not in PROFILES_M_S:
        raise InvalidInput(
            f"profile must be one of {', '.join(PROFILES_M_S)}, got {profile!r}", field="profile"
        )
    return speed if speed is not None else PROFILES_M_S[profile]


@contextmanager
def _progress(what: str) -> Iterator[Callable[[str], None]]:
    console = Console(stderr=True)
    if not console.is_terminal:  # keep logs and pipes clean
        yield lambda _step: None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(what, total=None)
        yield lambda step: bar.update(task, description=f"{what}: {step}")


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def register(app: typer.Typer) -> None:
    """Add the `shelters` sub-commands to the main Typer app."""
    shelters = typer.Typer(
        help="Walk graph, nearest shelter, coverage and siting plan.", no_args_is_help=True
    )
    app.add_typer(shelters, name="shelters")

    @shelters.command("import-osm")
    def import_osm(
        file: Path = typer.Argument(..., help="OpenStreetMap extract (.osm.pbf); .geojson/.json read as GeoJSON"),
        registry: Path | None = typer.Option(None, "--registry", help="shelter registry (.csv or .geojson)"),
        districts: Path | None = typer.Option(None, "--districts", help="GeoJSON polygons with a 'name'"),
        warning_s: float = typer.Option(DEFAULT_WARNING_S, "--warning-s", help="the area's warning time (s)"),
        entry_s: float = typer.Option(DEFAULT_ENTRY_S, "--entry-s", help="time to get inside a shelter (s)"),
        as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """Load streets, buildings and shelters into the database (all or nothing)."""
        with _errors():
            _import(db, file, registry, "auto", as_json, warning_s=warning_s, entry_s=entry_s, districts=districts)

    @shelters.command("import-geojson")
    def import_geojson(
        file: Path = typer.Argument(..., help="GeoJSON FeatureCollection: highway lines, building polygons, shelters"),
        registry: Path | None = typer.Option(None, "--registry", help="shelter registry (.csv or .geojson)"),
        districts: Path | None = typer.Option(None, "--districts", help="GeoJSON polygons with a 'name'"),
        warning_s: float = typer.Option(DEFAULT_WARNING_S, "--warning-s", help="the area's warning time (s)"),
        entry_s: float = typer.Option(DEFAULT_ENTRY_S, "--entry-s", help="time to get inside a shelter (s)"),
        as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """Load streets, buildings and shelters from GeoJSON with OSM-style tags (all or nothing)."""
        with _errors():
            _import(db, file, registry, "geojson", as_json, warning_s=warning_s, entry_s=entry_s, districts=districts)

    @shelters.command("nearest")
    def nearest(
        lat: float = typer.Option(..., "--lat", help="latitude (WGS84)"),
        lon: float = typer.Option(..., "--lon", help="longitude (WGS84)"),
        speed: float | None = typer.Option(None, "--speed", help="walking speed, m/s (default 1.2)"),
        profile: str = typer.Option(
            "default", "--profile", help="default (1.2 m/s), elderly (0.8 m/s) or wheelchair (0.9 m/s, step-free)"
        ),
        warning: float | None = typer.Option(None, "--warning", help="override the area's warning time (s)"),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """Nearest open shelter by walking time; the same JSON as GET /api/v1/shelters/nearest."""
        with _errors():
            svc = _service(db, territory=warning is None)
            _print_json(svc.nearest(lat, lon, _speed(speed, profile), warning, profile))

    @shelters.command("coverage")
    def coverage(
        warning: float | None = typer.Option(
            None, "--warning", help="warning time (s); default: each district's (territory), else the import's"
        ),
        speed: float | None = typer.Option(None, "--speed", help="walking speed, m/s"),
        profile: str = typer.Option("default", "--profile", help="default or elderly"),
        no_capacity: bool = typer.Option(False, "--no-capacity", help="ignore shelter capacity"),
        as_json: bool = typer.Option(False, "--json", help="print JSON"),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """Share of people who reach a shelter with room for them in time, by district."""
        with _errors():
            svc = _service(db, territory=warning is None)
            with _progress("coverage"):
                data = svc.coverage(warning, _speed(speed, profile), capacity_aware=not no_capacity)
            if as_json:
                _print_json(data)
                return
            said = f"warning {warning:g} s" if warning is not None else "each district's warning time"
            table = Table(title=f"Shelter coverage, {said}, walk budget up to {data['budget_m']:g} m")
            for col in ("district", "warning s", "buildings", "people", "covered", "share"):
                table.add_column(col, justify="left" if col == "district" else "right")
            for name, row in data["by_district"].items():
                table.add_row(
                    name,
                    f"{row['warning_s']:g}",
                    str(row["buildings"]),
                    str(row["people"]),
                    str(row["covered_people"]),
                    f"{row['covered_share']:.1%}",
                )
            table.add_row(
                "all",
                "",
                "",
                str(data["people"]),
                str(data["covered_people"]),
                f"{data['covered_share']:.1%}",
                style="bold",
            )
            Console().print(table)

    @shelters.command("plan")
    def plan(
        add: int = typer.Option(..., "--add", help="how many new shelters to site"),
        warning: float | None = typer.Option(None, "--warning", help="warning time (s)"),
        speed: float | None = typer.Option(None, "--speed", help="walking speed, m/s"),
        method: str = typer.Option("auto", "--method", help="auto, greedy or exact"),
        site_capacity: int | None = typer.Option(
            None, "--site-capacity", help="people a new site holds (default: the registry's median; 0: no limit)"
        ),
        as_json: bool = typer.Option(False, "--json", help="print JSON"),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """The K new sites that cover the most people who cannot reach a shelter today."""
        with _errors():
            svc = _service(db, territory=warning is None)
            capacity: int | None | str = "median" if site_capacity is None else (site_capacity or None)
            with _progress("planning"):
                data = svc.plan(add, warning, speed, method, capacity)
            if as_json:
                _print_json(data)
                return
            table = Table(title=f"{add} new shelter sites ({data['method']}), budget {data['budget_m']:g} m")
            for col in ("rank", "building", "lat", "lon", "district", "people covered"):
                table.add_column(col)
            for s in data["sites"]:
                table.add_row(
                    str(s["rank"]),
                    s["name"] or s["building_id"],
                    f"{s['lat']:.6f}",
                    f"{s['lon']:.6f}",
                    s["district"],
                    str(s["covered_people"]),
                )
            console = Console()
            console.print(table)
            gap = data.get("gap", data.get("gap_bound"))
            console.print(
                f"covers {data['covered_people_added']} of {data['uncovered_people_before']} uncovered "
                f"people; greedy vs exact gap {gap:.2%}"
                if gap is not None
                else ""
            )
