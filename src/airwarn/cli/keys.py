"""Key commands: `airwarn keys init` makes the authority's signing key pair and the audit key (the only
command that does); `airwarn keys vapid` makes the Web Push (VAPID) key pair."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    keys = typer.Typer(help="The authority's keys and keys for delivery channels.", no_args_is_help=True)
    keys.command("init")(init)
    keys.command("vapid")(vapid)
    app.add_typer(keys, name="keys")


def init(
    directory: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--dir", help="key directory (default: $AIRWARN_KEYS_DIR)")] = None,
    common_name: Annotated[str, typer.Option(help="the certificate's subject name")] = "airwarn alert authority",
) -> None:
    """Create the authority's signing key pair (authority.key, authority.crt) and the audit MAC key
    (audit.key) in AIRWARN_KEYS_DIR, each readable by its owner only. Existing keys are never replaced;
    what is missing is added. Back the directory up: without it nobody can sign or check the audit."""
    from airwarn.keyring import init_keys, load_keys
    from airwarn.settings import load_settings

    where = directory or load_settings().keys_dir
    created = init_keys(where, common_name=common_name)
    keys = load_keys(where)
    if created:
        typer.echo(f"created {', '.join(created)} in {where.resolve()}")
    else:
        typer.echo(f"keys already in {where.resolve()}; nothing changed")
    typer.echo(f"certificate SHA-256 {keys.signer.fingerprint}")
    typer.echo(f"audit key id {keys.audit.key_id}")


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
