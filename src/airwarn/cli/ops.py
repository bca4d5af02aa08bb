"""Operating commands: serve, report, alerts, users, territory, audit."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from airwarn import services
from airwarn.domain.reports import Status
from airwarn.errors import AirwarnError, InvalidInput
from airwarn.intake import ReportDraft
from airwarn.settings import Settings, load_settings

console = Console()


def _settings(db: str | None = None) -> Settings:
    settings = load_settings()
    if db:
        settings.db = db
    return settings


def _deps(db: str | None = None):  # type: ignore[no-untyped-def]
    from airwarn.bootstrap import build_deps

    return build_deps(_settings(db))


def _user(deps, token: str | None):  # type: ignore[no-untyped-def]
    token = token or os.environ.get("AIRWARN_TOKEN")
    if not token:
        raise InvalidInput("this command acts as an operator: pass --token or set AIRWARN_TOKEN "
                           "(create one with `airwarn users add NAME --role operator`)", field="--token")
    return services.authenticate(deps, token)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(report)
    alerts = typer.Typer(help="Alerts as issued (CAP 1.2).", no_args_is_help=True)
    alerts.command("list")(alerts_list)
    alerts.command("show")(alerts_show)
    alerts.command("approve")(alerts_approve)
    alerts.command("cancel")(alerts_cancel)
    app.add_typer(alerts, name="alerts")
    users = typer.Typer(help="Operator accounts and their API tokens.", no_args_is_help=True)
    users.command("add")(users_add)
    users.command("list")(users_list)
    app.add_typer(users, name="users")
    territory = typer.Typer(help="Regions, districts, airports and shelters.", no_args_is_help=True)
    territory.command("import")(territory_import)
    from airwarn.cli.territory import register_territory

    register_territory(territory)
    app.add_typer(territory, name="territory")
    audit = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
    audit.command("verify")(audit_verify)
    app.add_typer(audit, name="audit")


def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    db: Annotated[Optional[str], typer.Option(help="database URL (default: $AIRWARN_DB)")] = None,  # noqa: UP045
) -> None:
    """Serve the HTTP API (and the console) until interrupted."""
    import uvicorn

    from airwarn.api.app import create_app
    from airwarn.api.ws_protocol import FrameWriterProtocol
    from airwarn.delivery.wiring import waiting_channels

    settings = _settings(db)
    deps = _deps(db)
    console.print(f"airwarn serving http://{host}:{port}  (database {settings.db})")
    waiting = waiting_channels(settings) if settings.dispatch else []
    if waiting:
        console.print(f"[yellow]not configured, their deliveries wait:[/yellow] {', '.join(waiting)}")
    # Alerts are small; per-message compression doubled memory per socket and delayed the first alert.
    uvicorn.run(create_app(deps, settings=settings), host=host, port=port,
                log_level="warning", ws_per_message_deflate=False, ws=FrameWriterProtocol)


def report(
    kind: Annotated[str, typer.Argument(help="report kind, e.g. interception, regime_declared")],
    region: Annotated[str, typer.Argument(help="region ISO 3166-2 code or name")],
    district: Annotated[list[str], typer.Option("--district", "-d", help="district name (repeatable)")] = [],  # noqa: B006
    source: Annotated[str, typer.Option(help="official | media | witness | sensor")] = "official",
    source_name: Annotated[Optional[str], typer.Option(help="who says so")] = None,  # noqa: UP045
    certainty: Annotated[Optional[str], typer.Option(help="Observed | Likely | Possible | Unlikely | Unknown")] = None,  # noqa: UP045
    regime: Annotated[Optional[str], typer.Option(help="drone_hazard | missile_hazard | airspace_closed")] = None,  # noqa: UP045
    plan: Annotated[Optional[str], typer.Option(help="plan name, e.g. Carpet")] = None,  # noqa: UP045
    time: Annotated[Optional[str], typer.Option(help="ISO 8601 time (default now)")] = None,  # noqa: UP045
    text: Annotated[str, typer.Option(help="free text / evidence")] = "",
    status: Annotated[str, typer.Option(help="Actual | Exercise | Test")] = "Actual",
    token: Annotated[Optional[str], typer.Option(help="API token (or $AIRWARN_TOKEN)")] = None,  # noqa: UP045
    db: Annotated[Optional[str], typer.Option(help="database URL")] = None,  # noqa: UP045
) -> None:
    """Submit a report as an operator and print what it changed (JSON)."""
    try:
        when = datetime.fromisoformat(time) if time else None
    except ValueError:
        raise InvalidInput(f"not an ISO 8601 time: {time!r}", field="--time") from None
    deps = _deps(db)
    user = _user(deps, token)
    draft = ReportDraft(kind=kind, region=region, source_type=source, source_name=source_name,
                        certainty=certainty, districts=list(district), regime=regime, plan=plan, time=when,
                        text=text, status=status)
    outcome = services.submit_report(deps, draft, user)
    typer.echo(json.dumps(outcome.to_dict(), ensure_ascii=False, indent=2))


def alerts_list(
    status: Annotated[str, typer.Option(help="Actual | Exercise | Test")] = "Actual",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON lines")] = False,
    db: Annotated[Optional[str], typer.Option(help="database URL")] = None,  # noqa: UP045
) -> None:
    """List alerts, newest first."""
    from airwarn.issuing import summary

    try:
        wanted = Status(status)
    except ValueError:
        raise InvalidInput("status must be Actual, Exercise or Test", field="--status") from None
    deps = _deps(db)
    with deps.uow.read() as repo:
        rows = [summary(a) for a, _ in repo.alerts(status=wanted, limit=1000)]
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    table = Table(title=f"{wanted.value} alerts")
    for col in ("sent", "type", "state", "severity", "headline", "identifier"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["sent"][:19], r["msg_type"], r["state"], r["severity"], r["headline"], r["identifier"])
    console.print(table)


def alerts_show(
    identifier: str,
    db: Annotated[Optional[str], typer.Option(help="database URL")] = None,  # noqa: UP045
) -> None:
    """Print the signed CAP 1.2 XML of an alert (or its JSON if not yet issued)."""
    from airwarn.store.codec import alert_to_dict

    deps = _deps(db)
    with deps.uow.read() as repo:
        found = repo.alert(identifier)
    if found is None:
        raise AirwarnError(f"no alert {identifier!r}")
    alert, xml = found
    typer.echo(xml if xml else json.dumps(alert_to_dict(alert), ensure_ascii=False, indent=2))


def alerts_approve(
    identifier: str,
    token: Annotated[Optional[str], typer.Option(help="approver's API token (or $AIRWARN_TOKEN)")] = None,  # noqa: UP045
    db: Annotated[Optional[str], typer.Option(help="database URL")] = None,  # noqa: UP045
) -> None:
    """Approve a held alert (two-person rule: not its author)."""
    deps = _deps(db)
    typer.echo(json.dumps(services.approve_alert(deps, identifier, _user(deps, token)), ensure_ascii=False))


def alerts_cancel(
    identifier: str,
    note: Annotated[str, typer.Option(help="why")] = "False alarm",
    token: Annotated[Optional[str], typer.Option(help="API token (or $AIRWARN_TOKEN)")] = None,  # noqa: UP045
    db: Annotated[Optional[str], typer.Option(help="database URL")] = None,  # noqa: UP045
) -> None:
    """False alarm: issue the CAP Cancel for an alert in one step."""
    deps = _deps(db)
    result = services.cancel_alert(deps, identifier, _user(deps, token), note)
    typer.echo(json.dumps(result, ensure_ascii=False, default=str))


def users_add(
    name: str,
    role: Annotated[str, typer.Option(help="observer | operator | approver | admin")] = "operator",
    db: Annotated[Optional[str], typer.Option(help="database URL")] = None,  # noqa: UP045
) -> None:
    """Create an account and print its API token once (only its hash is stored)."""
    token = services.add_user(_deps(db), name, role)
    console.print(f"user [bold]{name}[/] ({role}) created. Token (shown once):", highlight=False)
    typer.echo(token)


def users_list(db: Annotated[Optional[str], typer.Option(help="database URL")] = None) -> None:  # noqa: UP045
    """List accounts and roles."""
    deps = _deps(db)
    with deps.uow.read() as repo:
        rows = repo.users()
    table = Table(title="users")
    for col in ("name", "role", "created", "active"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], r["role"], str(r["created_at"])[:19], "yes" if r["active"] else "no")
    console.print(table)


def territory_import(
    file: Annotated[Path, typer.Argument(help="GeoJSON FeatureCollection of regions, districts, airports, shelters")],
    db: Annotated[Optional[str], typer.Option(help="database URL")] = None,  # noqa: UP045
) -> None:
    """Replace the stored territory with a GeoJSON file (all or nothing)."""
    from airwarn.bootstrap import import_territory

    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AirwarnError(f"no such file: {file}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{file} is not JSON: {exc}", field=str(file)) from None
    territory = import_territory(_settings(db), raw)
    console.print(f"imported {len(territory.regions)} regions, {len(territory.districts)} districts, "
                  f"{len(territory.airports)} airports, {len(territory.shelters)} shelters")


def audit_verify(db: Annotated[Optional[str], typer.Option(help="database URL")] = None) -> None:  # noqa: UP045
    """Check the audit log's hash chain; exit 1 and name the first altered record if broken."""
    check = services.verify_audit(_deps(db))
    if not check.ok:
        raise AirwarnError(f"audit chain broken at record {check.first_bad_seq}: {check.problem}")
    console.print(f"audit chain intact: {check.records} records")
