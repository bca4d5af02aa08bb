"""The `airwarn` command as a person runs it: exit codes, `Error: …` messages, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "airwarn.cli", *args], env=os.environ | env, input=stdin,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"AIRWARN_DB": f"sqlite:///{tmp_path / 'cli.db'}", "AIRWARN_KEYS_DIR": str(tmp_path / "keys")}


def test_operator_flow_from_the_command_line(env: dict[str, str]) -> None:
    operator = run(["users", "add", "olga", "--role", "operator"], env).stdout.strip().splitlines()[-1]
    approver = run(["users", "add", "artem", "--role", "approver"], env).stdout.strip().splitlines()[-1]

    posted = run(["report", "interception", "RU-ROS", "-d", "Millerovsky", "--source-name", "Governor"],
                 env | {"AIRWARN_TOKEN": operator})
    assert posted.returncode == 0, posted.stderr
    identifier = json.loads(posted.stdout)["alerts"][0]["identifier"]

    same_person = run(["alerts", "approve", identifier], env | {"AIRWARN_TOKEN": operator})
    assert same_person.returncode == 1 and same_person.stderr.startswith("Error: ")

    assert run(["alerts", "approve", identifier], env | {"AIRWARN_TOKEN": approver}).returncode == 0
    shown = run(["alerts", "show", identifier], env)
    assert shown.stdout.startswith("<?xml") and "urn:oasis:names:tc:emergency:cap:1.2" in shown.stdout
    listed = run(["alerts", "list", "--json"], env).stdout.splitlines()
    assert [json.loads(line)["identifier"] for line in listed] == [identifier]
    assert "intact" in run(["audit", "verify"], env).stdout


def test_bad_input_exits_2_with_the_field_named_and_no_traceback(env: dict[str, str]) -> None:
    token = run(["users", "add", "olga"], env).stdout.strip().splitlines()[-1]
    bad = run(["report", "interception", "RU-ROS", "-d", "Atlantis"], env | {"AIRWARN_TOKEN": token})
    assert bad.returncode == 2
    assert bad.stderr.strip() == "Error: no district 'Atlantis' in Rostov Region (districts[0])"
    no_token = run(["report", "interception", "RU-ROS"], env)
    assert no_token.returncode == 2 and "--token" in no_token.stderr and "Traceback" not in no_token.stderr


def test_territory_import_is_all_or_nothing(env: dict[str, str], tmp_path: Path) -> None:
    broken = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": None,
         "properties": {"kind": "region", "code": "RU-ROS", "name_en": "Rostov Region", "name_ru": "Ростовская область",
                        "country": "RU", "timezone": "Europe/Moscow", "warning_s": 90}},
        {"type": "Feature", "geometry": None,
         "properties": {"kind": "district", "region": "RU-NOPE", "name_en": "Ghost", "name_ru": "Призрак"}},
    ]}
    path = tmp_path / "broken.geojson"
    path.write_text(json.dumps(broken), encoding="utf-8")
    result = run(["territory", "import", str(path)], env)
    assert result.returncode == 2 and "features[1]" in result.stderr
    assert "Traceback" not in result.stderr
    not_json = tmp_path / "x.geojson"
    not_json.write_text("{", encoding="utf-8")
    assert run(["territory", "import", str(not_json)], env).returncode == 2
    assert run(["territory", "import", str(tmp_path / "missing.geojson")], env).returncode == 1


def test_extract_reads_the_seed_file_line_by_line(env: dict[str, str]) -> None:
    seed = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_8fe8088da6453c7b.txt"
    if not seed.exists():
        pytest.skip(f"the seed night is not beside the checkout ({seed})")
    result = run(["extract", "--date", "2026-11-24", str(seed)], env)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    airport = next(e for e in events if e["kind"] == "airport_suspended")
    assert airport["line"] == 9 and airport["region"] == "RU-VGG" and airport["time"] == "2026-11-24T00:49:00+03:00"
    bad_date = run(["extract", "--date", "24.11.2026", "-"], env, stdin="")
    assert bad_date.returncode == 2 and bad_date.stderr.startswith("Error")


def test_a_bad_setting_stops_serve_with_the_variable_named_and_no_traceback(env: dict[str, str]) -> None:
    weak = run(["serve", "--port", "0"], env | {"AIRWARN_WEBHOOK_SECRET": "change-me"})
    assert weak.returncode == 1 and "Traceback" not in weak.stderr
    assert weak.stderr.strip() == ("Error: AIRWARN_WEBHOOK_SECRET: must be at least 16 characters "
                                   "(or empty to send no webhooks)")
    zero = run(["serve", "--port", "0"], env | {"AIRWARN_DISPATCH_CONCURRENCY": "0"})
    assert zero.returncode == 1 and zero.stderr.startswith("Error: AIRWARN_DISPATCH_CONCURRENCY: ")
