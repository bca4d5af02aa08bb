"""Operating commands: serve, dispatch, db upgrade, alerts list/show, users, territory. The commands that change the
public picture are in `acts.py` and go through a node; these read, or bootstrap a deployment locally."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from airwarn.domain.reports import Status
from airwarn.errors import AirwarnError, InvalidInput
from airwarn.service_layer import services
from airwarn.settings import Settings, load_settings

console = Console()


def _settings(db: str | None = None) -> Settings:
    settings = load_settings()
    if db:
        settings.db = db
    return settings


def _deps(db: str | None = None):  # type: ignore[no-untyped-def]
    """Use cases on an existing database with the deployment's keys (never creates either)."""
    from airwarn.service_layer.bootstrap import build_deps

    return build_deps(_settings(db), create_db=False)


def _reader(db: str | None = None):  # type: ignore[no-untyped-def]
    """Read-only access to an existing database (no keys needed, nothing created)."""
    from airwarn.service_layer.bootstrap import open_engine
    from airwarn.store.uow import UnitOfWork

    return UnitOfWork(open_engine(_settings(db)))


def register(app: typer.Typer) -> None:
    from airwarn.cli import acts

    app.command()(serve)
    app.command()(dispatch)
    database = typer.Typer(help="The database named by AIRWARN_DB.", no_args_is_help=True)
    database.command("upgrade")(db_upgrade)
    app.add_typer(database, name="db")
    alerts = typer.Typer(help="Alerts as issued (CAP 1.2).", no_args_is_help=True)
    alerts.command("list")(alerts_list)
    alerts.command("show")(alerts_show)
    app.add_typer(alerts, name="alerts")
    acts.register(app, alerts)
    users = typer.Typer(help="Operator accounts and their API tokens.", no_args_is_help=True)
    users.command("add")(users_add)
    users.command("list")(users_list)
    users.command("revoke")(users_revoke)
    users.command("rotate")(users_rotate)
    app.add_typer(users, name="users")
    territory = typer.Typer(help="Regions, districts, airports and shelters.", no_args_is_help=True)
    territory.command("import")(territory_import)
    from airwarn.cli.territory import register_territory

    register_territory(territory)
    app.add_typer(territory, name="territory")


def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    db: Annotated[Optional[str], typer.Option(help="database URL (default: $AIRWARN_DB)")] = None,  # noqa: UP045
    workers: Annotated[int, typer.Option(help="worker processes sharing the port; more than 1 needs "
                                         "AIRWARN_BUS=nats://… and a PostgreSQL database")] = 1,
) -> None:
    """Serve the HTTP API and console until interrupted (creates/migrates the database; the keys must exist).
    SIGTERM drains and exits within 10 s.

    The keys come from AIRWARN_KEYS_DIR and are made once with `airwarn keys init`; a missing one stops
    the start with an error, never a new key. With `--workers N` (N > 1) N processes share the port; they
    need a NATS bus (AIRWARN_BUS=nats://…) and PostgreSQL, else the start is refused."""
    from airwarn.api.app import create_app
    from airwarn.api.server import Node, probe_bus, server_config
    from airwarn.cli.workers import check_workers
    from airwarn.delivery.wiring import waiting_channels
    from airwarn.redact import mask_url
    from airwarn.service_layer.bootstrap import build_deps

    settings = _settings(db)
    check_workers(settings, workers)
    probe_bus(settings.bus, settings.startup_timeout_s)  # fail fast with the reason, before opening the port
    deps = build_deps(settings)  # creates and migrates the database; the keys must exist already
    console.print(f"airwarn serving http://{host}:{port}  (database {mask_url(settings.db)}"
                  f"{f', {workers} worker processes' if workers > 1 else ''})", highlight=False)
    from airwarn.auditing import cert_sha256

    console.print(f"keys from {settings.keys_dir}: authority certificate SHA-256 {cert_sha256(deps.certificate_pem)}, "
                  f"audit key {deps.uow.audit_key.key_id if deps.uow.audit_key else '-'}", highlight=False)
    from airwarn.authority import describe

    for line in describe(deps.approval, deps.auto_confirm):  # which authority rules this node enforces
        console.print(f"policy — {line}", highlight=False)
    waiting = waiting_channels(settings) if settings.dispatch else []
    if waiting:
        console.print(f"[yellow]not configured, their deliveries wait:[/yellow] {', '.join(waiting)}")
    if workers > 1:  # each worker builds its own app from the environment (the database is ready now)
        import uvicorn

        from airwarn.api.ws_protocol import FrameWriterProtocol

        deps.uow.engine.dispose()
        os.environ["AIRWARN_DB"] = settings.db
        # Alerts are small; per-message compression doubled memory per socket and delayed the first alert.
        uvicorn.run("airwarn.cli.workers:worker_app", factory=True, workers=workers, host=host, port=port,
                    log_level="warning", ws_per_message_deflate=False, ws=FrameWriterProtocol,
                    timeout_keep_alive=max(1, round(settings.keepalive_timeout_s)))
        return
    server = Node(server_config(create_app(deps, settings=settings), settings, host, port),
                  hard_stop_s=settings.shutdown_timeout_s + 1)
    server.run()
    if not server.started:
        raise AirwarnError("the node did not start (see the log above)")


def dispatch(
    db: Annotated[Optional[str], typer.Option(help="database URL (default: $AIRWARN_DB)")] = None,  # noqa: UP045
) -> None:
    """Only send (no HTTP API): expand fan-out jobs and deliver on every configured channel until stopped.

    On PostgreSQL with NATS, run the nodes that take reports with AIRWARN_DISPATCH=false and one or more of
    these beside them, so that sending a large fan-out never holds up decisions (a process that does both
    shares one interpreter between them). SIGTERM stops it; rows it had claimed are sent again after their
    lease, under the same ids. The database must exist (`airwarn db upgrade`)."""
    import asyncio
    import signal

    from airwarn.api.server import probe_bus
    from airwarn.cli.workers import check_sends_only
    from airwarn.delivery.wiring import send_only, waiting_channels
    from airwarn.redact import mask_url
    from airwarn.service_layer.bootstrap import build_deps

    settings = _settings(db)
    check_sends_only(settings)
    probe_bus(settings.bus, settings.startup_timeout_s)
    deps = build_deps(settings, create_db=False)
    console.print(f"airwarn dispatching from {mask_url(settings.db)} (bus {mask_url(settings.bus)})", highlight=False)
    waiting = waiting_channels(settings)
    if waiting:
        console.print(f"[yellow]not configured, their deliveries wait:[/yellow] {', '.join(waiting)}")

    async def until_stopped() -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await send_only(settings, deps, stop)

    asyncio.run(until_stopped())
    console.print("dispatcher stopped")


def db_upgrade(
    db: Annotated[Optional[str], typer.Option(help="database URL (default: $AIRWARN_DB)")] = None,  # noqa: UP045
) -> None:
    """Create the database if need be and migrate it to the newest schema (explicitly; nothing else but
    `serve` and `demo` does)."""
    from airwarn.service_layer.bootstrap import build_engine

    settings = _settings(db)
    build_engine(settings).dispose()
    console.print(f"database ready: {settings.db}")


def parse_status(status: str) -> Status:
    """A --status option as CAP status; anything else is a usage error naming the option."""
    try:
        return Status(status)
    except ValueError:
        raise InvalidInput("status must be Actual, Exercise or Test", field="--status") from None


def alerts_list(
    status: Annotated[str, typer.Option(help="Actual | Exercise | Test")] = "Actual",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON lines")] = False,
    db: Annotated[Optional[str], typer.Option(help="database URL")] = None,  # noqa: UP045
) -> None:
    """List alerts, newest first (from the node at AIRWARN_URL if set, else from the database)."""
    from airwarn.cli.remote import call, node_url
    from airwarn.domain.alert_payload import summary

    wanted = parse_status(status)
    if node_url() and not db:
        token = os.environ.get("AIRWARN_TOKEN") or None
        rows = call("GET", "/api/v1/alerts", token=token, params={"status": wanted.value, "limit": 1000})
    else:
        with _reader(db).read() as repo:
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

    with _reader(db).read() as repo:
        found = repo.alert(identifier)
    if found is None:
        raise AirwarnError(f"no alert {identifier!r}")
    alert, xml = found
    typer.echo(xml if xml else json.dumps(alert_to_dict(alert), ensure_ascii=False, indent=2))


def users_add(
    name: str,
    role: Annotated[str, typer.Option(help="observer | operator | approver | admin | sensor")] = "operator",
    db: Annotated[Optional[str], typer.Option(help="database URL")] = None,  # noqa: UP045
) -> None:
    """Create an account and print its API token once (only its hash is stored). A bootstrap command: it
    works on the database directly, which must exist (`airwarn db upgrade`)."""
    token = services.add_user(_deps(db), name, role)
    console.print(f"user [bold]{name}[/] ({role}) created. Token (shown once):", highlight=False)
    typer.echo(token)


def users_revoke(
    name: str,
    reason: Annotated[str, typer.Option(help="why (kept in the audit log)")] = "",
    db: Annotated[Optional[str], typer.Option(help="database URL")] = None,  # noqa: UP045
) -> None:
    """Disable an account's token at once (the account stays, inactive, for the audit trail)."""
    from airwarn.accounts import revoke_user

    revoke_user(_deps(db), name, reason=reason)
    console.print(f"user [bold]{name}[/] revoked: its token no longer works", highlight=False)


def users_rotate(
    name: str,
    db: Annotated[Optional[str], typer.Option(help="database URL")] = None,  # noqa: UP045
) -> None:
    """Give an account a new token, printed once; the old token stops working."""
    from airwarn.accounts import rotate_token

    token = rotate_token(_deps(db), name)
    console.print(f"user [bold]{name}[/]: new token (shown once; the old one no longer works):", highlight=False)
    typer.echo(token)


def users_list(db: Annotated[Optional[str], typer.Option(help="database URL")] = None) -> None:  # noqa: UP045
    """List accounts and roles."""
    with _reader(db).read() as repo:
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
    from airwarn.service_layer.bootstrap import import_territory

    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AirwarnError(f"no such file: {file}") from None
    except OSError as exc:
        raise AirwarnError(f"cannot read {file}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{file} is not JSON: {exc}", field=str(file)) from None
    territory = import_territory(_settings(db), raw)
    console.print(f"imported {len(territory.regions)} regions, {len(territory.districts)} districts, "
                  f"{len(territory.airports)} airports, {len(territory.shelters)} shelters")
