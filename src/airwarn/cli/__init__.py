"""The `airwarn` command. Commands only translate between the terminal and the use cases."""

from __future__ import annotations

import sys

import typer

from airwarn.errors import AirwarnError, InvalidInput


def build_app() -> typer.Typer:
    from airwarn.cli import audit, demo, extract, keys, ops, shelters

    app = typer.Typer(
        name="airwarn",
        help="Open public warning for air threats: reports → regimes → CAP 1.2 alerts → every channel.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    for module in (demo, ops, extract, shelters, keys, audit):
        module.register(app)
    return app


def main() -> None:
    """Entry point: airwarn errors become `Error: …` on stderr, exit 2 for bad input, 1 otherwise."""
    try:
        build_app()(standalone_mode=True)
    except AirwarnError as exc:
        where = f" ({exc.field})" if exc.field else ""
        print(f"Error: {exc.message}{where}", file=sys.stderr)
        sys.exit(2 if isinstance(exc, InvalidInput) else 1)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        sys.exit(130)
