"""`airwarn audit verify [--head FILE]` and `airwarn audit head`: check the MAC-linked audit chain and the
covered tables, and keep signed heads that later prove nothing was removed from the tail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from airwarn.errors import AirwarnError


def register(app: typer.Typer) -> None:
    audit = typer.Typer(help="The MAC-linked audit log and its signed heads.", no_args_is_help=True)
    audit.command("verify")(verify)
    audit.command("head")(head)
    app.add_typer(audit, name="audit")


def verify(
    head: Annotated[Optional[Path], typer.Option(help="a signed head saved earlier (GET /api/v1/audit/head)")] = None,  # noqa: UP045
    cert: Annotated[Optional[Path], typer.Option(help="authority certificate to check the head against "  # noqa: UP045
                                                      "(default: the one in AIRWARN_KEYS_DIR)")] = None,
    db: Annotated[Optional[str], typer.Option(help="database URL (default: $AIRWARN_DB)")] = None,  # noqa: UP045
) -> None:
    """Check every record's MAC link (needs the audit key in AIRWARN_KEYS_DIR), that the saved head is
    still in the log unchanged, and that every alerts/regimes/measures/approvals row equals its newest
    audited state. Exit 1 naming what is wrong."""
    from airwarn.auditing import read_head_file, verify
    from airwarn.service_layer.bootstrap import build_deps
    from airwarn.settings import load_settings

    settings = load_settings()
    if db:
        settings.db = db
    saved = read_head_file(head) if head else None
    cert_pem = None
    if cert is not None:
        try:
            cert_pem = cert.read_bytes()
        except OSError as exc:
            raise AirwarnError(f"cannot read {cert}: {exc.strerror}") from None
    check = verify(build_deps(settings, create_db=False), saved, cert_pem)
    if not check.ok:
        for problem in check.problems[1:]:
            typer.echo(f"  also: {problem}", err=True)
        where = f" at record {check.first_bad_seq}" if check.first_bad_seq else ""
        raise AirwarnError(f"audit verification failed{where}: {check.problem}")
    against = f", including the saved head (record {saved.head.seq})" if saved else ""
    typer.echo(f"audit chain intact: {check.records} records, MACs and covered tables match{against}")
    if check.gaps:
        typer.echo(f"  {len(check.gaps)} numbers recorded as gaps (drawn by transactions that rolled back): "
                   f"{_seqs(check.gaps)}")
    if check.unlinked:
        typer.echo(f"  {len(check.unlinked)} committed records not linked yet (the chainer links them within "
                   f"moments; their content MACs and rows match): {_seqs(check.unlinked)}")


def _seqs(seqs: list[int], most: int = 10) -> str:
    shown = ", ".join(str(s) for s in seqs[:most])
    return shown + (f" … ({len(seqs) - most} more)" if len(seqs) > most else "")


def head(
    out: Annotated[Optional[Path], typer.Option(help="write the head to this file (default: print)")] = None,  # noqa: UP045
) -> None:
    """Fetch the node's signed audit head (AIRWARN_URL) to keep for a later `audit verify --head`."""
    from airwarn.cli.remote import call, require_node

    body = json.dumps(call("GET", "/api/v1/audit/head", url=require_node("audit head")), indent=2) + "\n"
    if out is None:
        typer.echo(body, nl=False)
        return
    try:
        out.write_text(body, encoding="utf-8")
    except OSError as exc:
        raise AirwarnError(f"cannot write {out}: {exc.strerror}") from None
    typer.echo(f"saved the signed head to {out}")
