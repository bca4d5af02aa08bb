"""Key commands: `airwarn keys vapid` makes the Web Push (VAPID) key pair."""

from __future__ import annotations

import json
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    keys = typer.Typer(help="Keys for delivery channels.", no_args_is_help=True)
    keys.command("vapid")(vapid)
    app.add_typer(keys, name="keys")


def vapid(
    as_json: Annotated[bool, typer.Option("--json", help="print {private_key, public_key} as JSON")] = False,
) -> None:
    """Generate a VAPID key pair for Web Push: set the private key as AIRWARN_VAPID_PRIVATE_KEY, give the
    public key to browsers as the PushManager `applicationServerKey` (also served at
    /api/v1/subscriptions/webpush-key)."""
    from airwarn.delivery.channels.webpush import generate_vapid

    private, public = generate_vapid()
    if as_json:
        typer.echo(json.dumps({"private_key": private, "public_key": public}))
        return
    typer.echo(f"AIRWARN_VAPID_PRIVATE_KEY={private}")
    typer.echo(f"# public key (applicationServerKey): {public}")
