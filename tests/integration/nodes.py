"""Real `airwarn serve` processes for multi-node and crash tests (also used by bench/delivery_crash.py):
a private PostgreSQL schema, CLI-created users, a node that is always killed, a recording webhook receiver."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import insert, text

POSTGRES_URL = os.environ.get("AIRWARN_TEST_POSTGRES_URL", "")
NATS_URL = os.environ.get("AIRWARN_TEST_NATS_URL", "nats://127.0.0.1:4222")


def answers(url: str, default_port: int) -> bool:
    """Whether a TCP server behind `url` accepts a connection within a second."""
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1).close()
        return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def pg_schema() -> Iterator[str]:
    """A fresh schema on the test PostgreSQL; yields a URL whose search_path is that schema."""
    from airwarn.store.engine import make_engine

    schema = f"n_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A fresh database on the test PostgreSQL server; yields its URL. Advisory locks are per database, so a
    test that holds the write lock key while it waits for its own threads is not held up by other suites'
    global writes queued for the key on a shared database (pg_schema shares one)."""
    from sqlalchemy.engine import make_url

    from airwarn.store.engine import make_engine

    name = f"n_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.engine.dispose()


async def drop_stream(name: str) -> None:
    """Delete a JetStream stream a test or bench made for itself."""
    import nats

    nc = await nats.connect(NATS_URL, connect_timeout=3)
    try:
        await nc.jetstream().delete_stream(name)
    finally:
        await nc.close()


def cli(args: list[str], env: dict[str, str], timeout_s: float = 60) -> str:
    """Run `python -m airwarn.cli ARGS`; returns stdout, raises with stderr on failure."""
    done = subprocess.run([sys.executable, "-m", "airwarn.cli", *args], env=os.environ | env, capture_output=True,
                          text=True, timeout=timeout_s)
    if done.returncode != 0:
        raise AssertionError(f"airwarn {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return done.stdout


def prepare(env: dict[str, str]) -> None:
    """Migrate the database, store the demo territory and make the signing key once, in this process, so
    the CLI calls and nodes that follow can start at the same time without racing to do it."""
    from airwarn.keyring import init_keys
    from airwarn.service_layer.bootstrap import build_deps
    from airwarn.settings import Settings

    init_keys(Path(env["AIRWARN_KEYS_DIR"]))  # as `airwarn keys init` does; nothing else creates keys
    deps = build_deps(Settings(db=env["AIRWARN_DB"], keys_dir=Path(env["AIRWARN_KEYS_DIR"])))
    deps.uow.engine.dispose()


def add_users(env: dict[str, str], *users: tuple[str, str]) -> list[str]:
    """Create (name, role) users with `airwarn users add`, concurrently; their tokens in order."""
    procs = [subprocess.Popen([sys.executable, "-m", "airwarn.cli", "users", "add", name, "--role", role],
                              env=os.environ | env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name, role in users]
    tokens = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        if proc.returncode != 0:
            raise AssertionError(f"airwarn users add failed ({proc.returncode}): {err}")
        tokens.append(out.strip().splitlines()[-1])
    return tokens


class Node:
    """One `airwarn serve` subprocess; `kill()` is kill -9. Use as a context manager: it is always killed."""

    def __init__(self, env: dict[str, str], log: Path, port: int | None = None,
                 args: tuple[str, ...] = ()) -> None:
        self.env = env
        self.args = args
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self.proc: subprocess.Popen[bytes] | None = None

    def launch(self) -> Node:
        """Start the process without waiting for it to answer."""
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "airwarn.cli", "serve", "--port", str(self.port),
                                          *self.args],
                                         env=os.environ | self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def wait(self, timeout_s: float = 90) -> Node:  # a loaded machine takes 30 s to import and migrate
        """Until /healthz answers; kills the process and raises with its log if it does not."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"node exited with {self.proc.returncode}: {self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        self.kill()
        raise AssertionError(f"node did not answer within {timeout_s} s: {self.log()}")

    def start(self, timeout_s: float = 90) -> Node:
        return self.launch().wait(timeout_s)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def __enter__(self) -> Node:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()


class Recorder:
    """A local webhook receiver: records (CAP identifier, path) for every POST, after `delay_s`."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.got: list[tuple[str, str]] = []
        self.delay_s = delay_s
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if outer.delay_s:
                    time.sleep(outer.delay_s)
                with outer._lock:
                    outer.got.append((self.headers.get("X-Airwarn-Identifier", ""), self.path))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 1024  # listen backlog: a burst of new connections must not be reset

            def handle_error(self, request: Any, client_address: Any) -> None:
                return None  # a killed node resets its connections: expected here

        self.server = Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def count(self) -> int:
        with self._lock:
            return len(self.got)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def add_webhook_subscribers(db_url: str, urls: list[str], district: str) -> None:
    """Active webhook subscriptions for one district, inserted in bulk (setup for load tests)."""
    from airwarn.store.delivery_tables import subscriptions
    from airwarn.store.engine import make_engine

    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = [{
        "id": f"sub-w{i:06d}", "lat": None, "lon": None, "cell": None, "districts": [district], "language": "en",
        "channels": [{"channel": "webhook", "address": url}], "threat_kinds": [], "min_severity": "Minor",
        "timezone": "Europe/Moscow", "state": "active", "token_hash": "0" * 64, "created_at": now,
        "confirmed_at": now} for i, url in enumerate(urls)]
    engine = make_engine(db_url)
    with engine.begin() as conn:
        for i in range(0, len(rows), 1000):
            conn.execute(insert(subscriptions), rows[i:i + 1000])
    engine.dispose()
