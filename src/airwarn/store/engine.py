"""Engines for SQLite (WAL, one writer at a time) and PostgreSQL, from a URL.

A SQLite file holds phone numbers and locations: it is created readable by its owner only (0600), and SQLite
gives its -wal and -shm files the same mode. PostgreSQL connections give up after `CONNECT_TIMEOUT_S`, so a
database that went away makes requests fail fast (503) instead of hanging; a pooled connection that sat idle
is checked before it is used again.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from airwarn.errors import ConfigError
from airwarn.redact import mask_url

#: Seconds a new PostgreSQL connection may take (libpq `connect_timeout`).
CONNECT_TIMEOUT_S = 5
#: A pooled PostgreSQL connection idle this long is checked before it is used again (see `_ping_when_idle`).
PING_AFTER_IDLE_S = 2.0
_IDLE_SINCE = "airwarn_idle_since"
#: Owner read/write only, for files that hold personal data.
PRIVATE_FILE_MODE = 0o600


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Build an engine; SQLite gets WAL, a busy timeout and write transactions that lock up front."""
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
            _tune_sqlite(engine)
        else:
            connect_args = {"connect_timeout": CONNECT_TIMEOUT_S} if url.startswith("postgresql") else {}
            engine = create_engine(url, pool_size=10, max_overflow=20, connect_args=connect_args, **kwargs)
            _ping_when_idle(engine)
    except Exception as exc:  # bad URL or missing driver: tell the operator what to fix
        raise ConfigError(f"cannot use database URL {mask_url(url)}: {exc}") from None
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection with a round trip before use only if it sat idle `PING_AFTER_IDLE_S` or
    longer (a server restart or an idle timeout then costs no request). `pool_pre_ping` checked every
    checkout: under load that was one extra round trip per transaction, for connections used a moment ago.
    A connection that fails the check is replaced (the pool retries with a new one)."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # gone or broken: the pool discards it and connects anew
            raise DisconnectionError(f"pooled connection failed its check: {exc}") from exc


def _private_file(database: str | None) -> None:
    """Make the SQLite file owner-only (0600) once SQLite has opened it, before the -wal and -shm files exist
    (SQLite creates those with the database file's mode); existing ones are tightened too."""
    if database in (None, "", ":memory:") or database.startswith("file:"):
        return
    path = Path(database)
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        try:
            if candidate.exists() and candidate.stat().st_mode & 0o077:
                candidate.chmod(PRIVATE_FILE_MODE)
        except OSError:  # not ours to change (read-only mount, other owner): SQLite still works
            pass


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        _private_file(engine.url.database)
        cur = dbapi_conn.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front (no deadlocking upgrades); readers see a snapshot and never block.
        conn.exec_driver_sql("BEGIN" if conn.info.get("airwarn_read") else "BEGIN IMMEDIATE")
