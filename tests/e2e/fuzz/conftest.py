"""The app schemathesis fuzzes (a fresh node per test module, on SQLite and on PostgreSQL) and what every
answer must be: never 5xx, and every error the JSON error body. Two modules, so the two runs share the cores."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from sqlalchemy import text

from airwarn.api.app import create_app
from airwarn.keyring import init_keys
from airwarn.service_layer import services
from airwarn.service_layer.bootstrap import build_deps
from airwarn.settings import Settings
from airwarn.store.engine import make_engine

POSTGRES_URL = os.environ.get("AIRWARN_TEST_POSTGRES_URL")
#: Limits off: a 429 would hide what the fuzzer's request would have reached (limits have their own tests).
NO_LIMITS = {name: "unlimited" for name in Settings.model_fields if name.startswith("rate_")}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=[
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL not configured: set AIRWARN_TEST_POSTGRES_URL")])])
def fuzz_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work: Path = tmp_path_factory.mktemp("fuzz")
    if request.param == "sqlite":
        yield f"sqlite:///{work / 'fuzz.db'}"
        return
    assert POSTGRES_URL
    schema = f"f_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="module")
def fuzzed_app(fuzz_db: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str]:
    keys = tmp_path_factory.mktemp("keys")
    init_keys(keys)
    config = Settings(db=fuzz_db, keys_dir=keys, dispatch=False, **NO_LIMITS)
    deps = build_deps(config)
    token = services.add_user(deps, "fuzzer", "admin")
    return create_app(deps, settings=config), token


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: tuple[Any, str]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app[0])


def check(case: Any, response: Any) -> None:
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        kind = response.headers.get("content-type") or [""]  # schemathesis keeps every value of a header
        kind = kind[0] if isinstance(kind, list) else kind
        assert kind.startswith("application/json"), f"{case.method} {case.formatted_path}: {kind} error body"
        assert "error" in response.json()


EXAMPLES = int(os.environ.get("AIRWARN_FUZZ_EXAMPLES", "6"))
