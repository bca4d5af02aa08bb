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
    problems = unshared(settings) if workers > 1 else []
    if problems:
        raise InvalidInput(f"--workers {workers}: {WORKERS_NEED}; here {' and '.join(problems)}", field="workers")


def check_sends_only(settings: Settings) -> None:
    """`airwarn dispatch` runs beside the processes that decide: refuse a bus or database they cannot share
    (the in-process bus would swallow the live rows it sends after a failed hand-off)."""
    problems = unshared(settings)
    if problems:
        raise InvalidInput(f"airwarn dispatch sends beside the nodes that take reports, so it needs the "
                           f"AIRWARN_BUS=nats://… they publish to (live deliveries must reach their clients) and "
                           f"the PostgreSQL database they write (AIRWARN_DB or --db postgresql+psycopg://…); here "
                           f"{' and '.join(problems)}", field="db")


def unshared(settings: Settings) -> list[str]:
    """What keeps this deployment's processes from sharing the work: a bus or a database only one can use."""
    problems = []
    if not settings.bus.startswith("nats://"):
        problems.append(f"the bus is {settings.bus.split('?')[0]!r}")
    try:
        backend = make_url(settings.db).get_backend_name()
    except Exception:  # noqa: BLE001 - a malformed URL is reported as not PostgreSQL
        backend = "unknown"
    if backend != "postgresql":
        problems.append(f"the database is {backend}")
    return problems


def worker_app() -> Any:
    """One worker's app (a uvicorn factory): settings from the environment the parent prepared; the parent
    has already created and migrated the database and sealed any older audit log, so this creates nothing."""
    from airwarn.api.app import create_app
    from airwarn.service_layer.bootstrap import build_deps

    settings = load_settings()
    return create_app(build_deps(settings, create_db=False), settings=settings)
