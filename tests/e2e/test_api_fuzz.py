"""Schemathesis drives every operation in the OpenAPI spec: whatever it sends, the API never answers 5xx."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from airwarn import services
from airwarn.api.app import create_app
from airwarn.bootstrap import build_deps
from airwarn.keyring import init_keys
from airwarn.settings import Settings


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str]:
    work: Path = tmp_path_factory.mktemp("fuzz")
    init_keys(work / "keys")
    deps = build_deps(Settings(db=f"sqlite:///{work / 'fuzz.db'}", keys_dir=work / "keys"))
    token = services.add_user(deps, "fuzzer", "admin")
    return create_app(deps), token


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: tuple[Any, str]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app[0])


# Streams never end by design; they are exercised by the live-stream tests instead.
schema = schemathesis.pytest.from_fixture("api_schema").exclude(path_regex=r"/live")


@schema.parametrize()
@settings(max_examples=int(os.environ.get("AIRWARN_FUZZ_EXAMPLES", "6")), deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx(case: Any, fuzzed_app: tuple[Any, str]) -> None:
    response = case.call(headers={"Authorization": f"Bearer {fuzzed_app[1]}"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
