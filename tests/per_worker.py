"""Under pytest-xdist, each worker gets a PostgreSQL database of its own.

Tests already write in private schemas, but advisory locks (the write lock key, the audit chainer's) and
`pg_locks` are per database: workers sharing one would wait for each other and link each other's audit
records. Called by the root conftest before anything reads AIRWARN_TEST_POSTGRES_URL."""

from __future__ import annotations

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError


def use_a_database_per_worker() -> None:
    """Point AIRWARN_TEST_POSTGRES_URL at `<database>_<worker>` (created once) when running as an xdist worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("AIRWARN_TEST_POSTGRES_URL")
    if not worker or not url:
        return
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first() is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:  # no server: the tests that need it skip or fail as they would without xdist
        return
    finally:
        engine.dispose()
    os.environ["AIRWARN_TEST_POSTGRES_URL"] = base.set(database=name).render_as_string(hide_password=False)
