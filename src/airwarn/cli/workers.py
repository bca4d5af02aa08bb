"""`airwarn serve --workers N` and `airwarn dispatch`: what each uvicorn worker process builds, and when
several processes may share the work.

Several processes need a bus that carries live events between them (NATS JetStream) and a database that
takes concurrent writers (PostgreSQL); the in-process bus reaches one process and SQLite has one writer."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url

from airwarn.errors import InvalidInput
from airwarn.settings import Settings, load_settings

WORKERS_NEED = ("more than one worker process needs AIRWARN_BUS=nats://… (live events must reach clients "
                "connected to every process) and a PostgreSQL database (AIRWARN_DB or --db "
                "postgresql+psycopg://…; SQLite has a single writer)")


def check_workers(settings: Settings, workers: int) -> None:
    """Refuse a worker count this deployment cannot run correctly, saying what it needs."""
    if workers < 1:
        raise InvalidInput("--workers must be at least 1", field="workers")
    if workers == 1:
        return
    problems = []
    if not settings.bus.startswith("nats://"):
        problems.append(f"the bus is {settings.bus.split('?')[0]!r}")
    try:
        backend = make_url(settings.db).get_backend_name()
    except Exception:  # noqa: BLE001 - a malformed URL is reported as not PostgreSQL
        backend = "unknown"
    if backend != "postgresql":
        problems.append(f"the database is {backend}")
    if problems:
        raise InvalidInput(f"--workers {workers}: {WORKERS_NEED}; here {' and '.join(problems)}", field="workers")


def check_sends_only(settings: Settings) -> None:
    """`airwarn dispatch` runs beside the processes that decide: refuse a database they cannot share."""
    try:
        backend = make_url(settings.db).get_backend_name()
    except Exception:  # noqa: BLE001 - a malformed URL is reported as not PostgreSQL
        backend = "unknown"
    if backend != "postgresql":
        raise InvalidInput(f"airwarn dispatch runs beside the nodes that take reports and needs a PostgreSQL "
                           f"database they share (AIRWARN_DB or --db postgresql+psycopg://…); here the database "
                           f"is {backend} (SQLite has one writer: there `airwarn serve` sends itself)", field="db")


def worker_app() -> Any:
    """One worker's app (a uvicorn factory): settings from the environment the parent prepared; the parent
    has already created and migrated the database and sealed any older audit log, so this creates nothing."""
    from airwarn.api.app import create_app
    from airwarn.service_layer.bootstrap import build_deps

    settings = load_settings()
    return create_app(build_deps(settings, create_db=False), settings=settings)
