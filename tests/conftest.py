"""Shared fixtures: a test territory, databases (SQLite always, PostgreSQL when configured) and users."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.per_worker import use_a_database_per_worker

use_a_database_per_worker()  # before any module below reads AIRWARN_TEST_POSTGRES_URL

from airwarn.cap.signing import Signer  # noqa: E402
from airwarn.domain.audit import AuditKey  # noqa: E402
from airwarn.domain.territory import Territory  # noqa: E402
from airwarn.domain.users import Role, User  # noqa: E402
from airwarn.keyring import init_keys, load_audit_key, load_authority  # noqa: E402
from airwarn.service_layer.deps import Deps  # noqa: E402
from airwarn.store.engine import make_engine  # noqa: E402
from airwarn.store.migrate import upgrade  # noqa: E402
from airwarn.store.uow import UnitOfWork  # noqa: E402
from tests.fixtures.territory import small_territory  # noqa: E402
from tests.integration.nodes import pg_schema  # noqa: E402

POSTGRES_URL = os.environ.get("AIRWARN_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A key directory made explicitly, as `airwarn keys init` makes it (nothing creates keys on the fly)."""
    directory = tmp_path_factory.mktemp("keys")
    init_keys(directory)
    return directory


@pytest.fixture(scope="session")
def signer(keys_dir: Path) -> Signer:
    return load_authority(keys_dir)


@pytest.fixture(scope="session")
def audit_key(keys_dir: Path) -> AuditKey:
    return load_audit_key(keys_dir)


@pytest.fixture
def territory() -> Territory:
    return small_territory()


def _backends() -> list[object]:
    return [
        "sqlite",
        pytest.param(
            "postgresql",
            marks=[pytest.mark.postgres, pytest.mark.skipif(
                not POSTGRES_URL, reason="PostgreSQL not configured: set AIRWARN_TEST_POSTGRES_URL")],
        ),
    ]


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file, or a private schema on the test PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'airwarn.db'}"
        upgrade(make_engine(url))
        yield url
        return
    assert POSTGRES_URL
    with pg_schema() as url:
        upgrade(make_engine(url))
        yield url


@pytest.fixture
def deps(db_url: str, territory: Territory, signer: Signer, audit_key: AuditKey) -> Deps:
    from airwarn.service_layer.bootstrap import cap_renderer

    return Deps(uow=UnitOfWork(make_engine(db_url), audit_key), territory=territory, render=cap_renderer(signer),
                certificate_pem=signer.cert_pem, sign_head=signer.sign_bytes)


@pytest.fixture
def operator() -> User:
    return User("olga", Role.OPERATOR)


@pytest.fixture
def approver() -> User:
    return User("artem", Role.APPROVER)
