"""`airwarn demo`: replay the seed night through the real HTTP API on a fresh embedded database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    app.command()(demo)


def demo(
    speed: Annotated[float, typer.Option(help="60 = one night-minute per second; 0 = as fast as possible")] = 60.0,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="keep serving the API afterwards")] = True,
    export_cap: Annotated[Optional[Path], typer.Option(help="write every issued alert as DIR/<identifier>.xml")] = None,  # noqa: UP045
    host: Annotated[str, typer.Option(help="interface to serve on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to serve on")] = 8000,
) -> None:
    """Replay the night that started it all: reports → regimes → CAP alerts, with a live timeline."""
    if speed < 0:
        raise typer.BadParameter("speed must be 0 (as fast as possible) or more", param_hint="--speed")
    from airwarn.demo import run_demo  # heavy (server, HTTP client): only when the demo runs

    run_demo(speed=speed, serve=serve, export_cap=export_cap, host=host, port=port)
