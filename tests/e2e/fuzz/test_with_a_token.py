"""Schemathesis drives every operation in the OpenAPI spec (examples, coverage and fuzzing phases, valid and
invalid data) as an admin: on SQLite and on PostgreSQL the API never answers 5xx, and every error it gives is
the JSON error body."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from tests.e2e.fuzz.conftest import EXAMPLES, check

# Streams never end by design; they are exercised by the live-stream tests instead.
schema = schemathesis.pytest.from_fixture("api_schema").exclude(path_regex=r"/live")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx(case: Any, fuzzed_app: tuple[Any, str]) -> None:
    check(case, case.call(headers={"Authorization": f"Bearer {fuzzed_app[1]}"}))
