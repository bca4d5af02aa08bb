"""`airwarn measures list|keep` (`measures end` is in cli/acts.py): keep acts through the node like every
state change; list reads the node at AIRWARN_URL, else the database."""

from __future__ import annotations

import json
import os
from typing import Annotated, Optional

import typer

from airwarn.cli.acts import TokenOpt, _act, _id


def add_commands(measures: typer.Typer) -> None:
    measures.command("list")(measures_list)
    measures.command("keep")(measures_keep)


def measures_list(
    status: Annotated[str, typer.Option(help="Actual | Exercise | Test")] = "Actual",
    all_: Annotated[bool, typer.Option("--all", help="ended ones too")] = False,
    db: Annotated[Optional[str], typer.Option(help="database URL")] = None,  # noqa: UP045
) -> None:
    """Print the measures (in force, or all with --all) as JSON lines."""
    from airwarn.cli.ops import _reader, parse_status
    from airwarn.cli.remote import call, node_url

    wanted = parse_status(status)
    active = None if all_ else True
    if node_url() and not db:
        params = {"status": wanted.value} | ({} if active is None else {"active": "true"})
        rows = call("GET", "/api/v1/measures", token=os.environ.get("AIRWARN_TOKEN") or None, params=params)
    else:
        with _reader(db).read() as repo:
            rows = repo.measures(active=active, status=wanted)
    for row in rows:
        typer.echo(json.dumps(row, ensure_ascii=False, default=str))


def measures_keep(
    measure_id: str,
    keep: Annotated[bool, typer.Option("--keep/--release", help="keep in force past its regimes, or not")] = True,
    reason: Annotated[str, typer.Option(help="why")] = "",
    token: TokenOpt = None,
) -> None:
    """Keep a measure in force after its regimes end (POST /api/v1/measures/{id}/keep); audited."""
    _act("measures keep", f"/api/v1/measures/{_id(measure_id)}/keep", token, {"keep": keep, "reason": reason})
