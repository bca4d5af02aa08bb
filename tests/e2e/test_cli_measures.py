"""`airwarn measures list|keep|end` as a person runs them: the same use cases as the API, errors name the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli import run


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"AIRWARN_DB": f"sqlite:///{tmp_path / 'cli.db'}", "AIRWARN_KEYS_DIR": str(tmp_path / "keys")}


def test_measures_are_listed_kept_and_ended_from_the_command_line(env: dict[str, str]) -> None:
    token = run(["users", "add", "olga", "--role", "operator"], env).stdout.strip().splitlines()[-1]
    as_olga = env | {"AIRWARN_TOKEN": token}
    declared = run(["report", "regime_declared", "RU-PNZ", "--regime", "drone_hazard"], as_olga)
    assert declared.returncode == 0, declared.stderr
    listed = [json.loads(line) for line in run(["measures", "list"], env).stdout.splitlines()]
    assert {m["kind"] for m in listed} == {"mobile_internet_restricted", "stay_indoors"}
    internet = next(m["id"] for m in listed if m["kind"] == "mobile_internet_restricted")

    kept = run(["measures", "keep", internet, "--reason", "still needed"], as_olga)
    assert kept.returncode == 0 and json.loads(kept.stdout) == {"id": internet, "keep": True}
    no_reason = run(["measures", "end", internet], as_olga)
    assert no_reason.returncode == 2 and no_reason.stderr.startswith("Error: ") and "--reason" in no_reason.stderr
    ended = run(["measures", "end", internet, "--reason", "mobile internet restored"], as_olga)
    assert ended.returncode == 0, ended.stderr
    assert json.loads(ended.stdout)["measures_ended"] == [internet]
    again = run(["measures", "end", internet, "--reason", "again"], as_olga)
    assert again.returncode == 1 and "ended at" in again.stderr
    remaining = [json.loads(line)["kind"] for line in run(["measures", "list"], env).stdout.splitlines()]
    assert remaining == ["stay_indoors"]
    assert "intact" in run(["audit", "verify"], env).stdout
