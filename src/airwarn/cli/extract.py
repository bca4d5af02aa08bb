"""`airwarn extract`: messages in, one JSON event per line out (DESIGN.md's contract)."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import TextIO

import typer

from airwarn.domain.reports import SourceType


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(code)


def _parse_date(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"--date must be YYYY-MM-DD, got {value!r}", 2) from None


def _open(path: str) -> TextIO:
    if path == "-":
        if hasattr(sys.stdin, "reconfigure"):
            sys.stdin.reconfigure(errors="replace")
        return sys.stdin
    try:
        return open(path, encoding="utf-8", errors="replace")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror or exc}", 1) from None


def run(
    stream: TextIO,
    out: TextIO,
    *,
    on: date,
    whole: bool,
    source_type: SourceType | None = None,
    source_name: str | None = None,
) -> int:
    """Extract from every line (or the whole stream) and print events; returns how many were printed."""
    from airwarn.extract.pipeline import Context, Extractor
    from airwarn.extract.sources import SourceHint

    extractor = Extractor()
    hint = SourceHint(source_type, source_name) if source_type or source_name else None
    printed = 0
    if whole:
        messages: list[tuple[int, str]] = [(1, stream.read())]
    else:
        messages = [(n, line) for n, line in enumerate(stream, start=1)]
    for n, text in messages:
        # each line is a message of its own: it never inherits a place, count, time or speaker from another
        # (`--whole` reads one long text, whose sentences do share their context)
        for event in extractor.extract(text, date=on, source=hint, line=n, context=Context()):
            out.write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")
            printed += 1
    out.flush()
    return printed


def register(app: typer.Typer) -> None:
    """Add `extract` to the airwarn command."""

    @app.command("extract")
    def extract(
        file: str = typer.Argument("-", help="Text file, one message per line; '-' reads standard input."),
        on: str | None = typer.Option(None, "--date", help="Date the messages are from (YYYY-MM-DD); today."),
        whole: bool = typer.Option(False, "--whole", help="Treat the whole input as one message."),
        source_type: str | None = typer.Option(
            None,
            "--source-type",
            help="Who sent the messages when the text does not say: official, media, witness or sensor.",
        ),
        source_name: str | None = typer.Option(None, "--source-name", help="Channel or outlet name."),
    ) -> None:
        """Read air-threat messages (English, Russian or Ukrainian) and print one JSON event per line."""
        day = _parse_date(on)
        kind: SourceType | None = None
        if source_type is not None:
            try:
                kind = SourceType(source_type)
            except ValueError:
                allowed = ", ".join(t.value for t in SourceType)
                raise _fail(f"--source-type must be one of: {allowed}", 2) from None
        stream = _open(file)
        try:
            run(stream, sys.stdout, on=day, whole=whole, source_type=kind, source_name=source_name)
        except UnicodeDecodeError as exc:
            raise _fail(f"cannot decode {file}: {exc.reason}", 1) from None
        except OSError as exc:
            raise _fail(f"cannot read {file}: {exc.strerror or exc}", 1) from None
        finally:
            if stream is not sys.stdin:
                stream.close()
