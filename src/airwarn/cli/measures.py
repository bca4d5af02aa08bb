"""`airwarn measures list|end|keep`: thin commands over the lifecycle use cases (as `alerts cancel` is)."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from airwarn import lifecycle
from airwarn.cli.ops import _deps, _user
from airwarn.domain.reports import Status
from airwarn.errors import InvalidInput


def register(app: typer.Typer) -> None:
    measures = typer.Typer(help="Measures in force: airport suspensions, internet restrictions, stay-indoors.",
                           no_args_is_help=True)
    measures.command("list")(measures_list)
    measures.command("end")(measures_end)
    measures.command("keep")(measures_keep)
    app.add_typer(measures, name="measures")


def measures_list(
    status: Annotated[str, typer.Option(help="Actual | Exercise | Test")] = "Actual",
    all_: Annotated[bool, typer.Option("--all", help="ended ones too")] = False,
    db: Annotated[Optional[str], typer.Option(help="database URL")] = None,  # noqa: UP045
) -> None:
    """Print the measures (in force, or all with --all) as JSON lines."""
    try:
        wanted = Status(status)
    except ValueError:
        raise InvalidInput("status must be Actual, Exercise or Test", field="--status") from None
    with _deps(db).uow.read() as repo:
        rows = repo.measures(active=None if all_ else True, status=wanted)
    for row in rows:
        typer.echo(json.dumps(row, ensure_ascii=False, default=str))


def measures_end(
    measure_id: str,
    reason: Annotated[str, typer.Option(help="why it ends, e.g. 'mobile internet restored'")] = "",
    token: Annotated[Optional[str], typer.Option(help="API token (or $AIRWARN_TOKEN)")] = None,  # noqa: UP045
    db: Annotated[Optional[str], typer.Option(help="database URL")] = None,  # noqa: UP045
) -> None:
    """End a measure in force (same as POST /api/v1/measures/{id}/end); audited."""
    if not reason.strip():
        raise InvalidInput("say why the measure ends", field="--reason")
    deps = _deps(db)
    outcome = lifecycle.end_measure(deps, measure_id, _user(deps, token), reason)
    typer.echo(json.dumps(outcome.to_dict(), ensure_ascii=False, default=str))


def measures_keep(
    measure_id: str,
    keep: Annotated[bool, typer.Option("--keep/--release", help="keep in force past its regimes, or not")] = True,
    reason: Annotated[str, typer.Option(help="why")] = "",
    token: Annotated[Optional[str], typer.Option(help="API token (or $AIRWARN_TOKEN)")] = None,  # noqa: UP045
    db: Annotated[Optional[str], typer.Option(help="database URL")] = None,  # noqa: UP045
) -> None:
    """Keep a measure in force after its regimes end (same as POST /api/v1/measures/{id}/keep); audited."""
    deps = _deps(db)
    typer.echo(json.dumps(lifecycle.keep_measure(deps, measure_id, _user(deps, token), keep, reason),
                          ensure_ascii=False))
