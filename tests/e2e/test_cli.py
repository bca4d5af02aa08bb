"""The `airwarn` command as a person runs it: exit codes, `Error: …` messages, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from airwarn.cap.signing import verify as verify_signature


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "airwarn.cli", *args], env=os.environ | env, input=stdin,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"AIRWARN_DB": f"sqlite:///{tmp_path / 'cli.db'}", "AIRWARN_KEYS_DIR": str(tmp_path / "keys"),
            "AIRWARN_URL": "", "AIRWARN_TOKEN": ""}


@pytest.fixture
def ready(env: dict[str, str]) -> dict[str, str]:
    """A deployment made the documented way: keys, then the database."""
    assert run(["keys", "init"], env).returncode == 0
    assert run(["db", "upgrade"], env).returncode == 0
    return env


def _sse_events(url: str, got: list[tuple[float, dict[str, Any]]], stop: threading.Event, token: str) -> None:
    """Collect (arrival time, message) from the node's SSE stream, as staff (reports, reviews), until `stop`."""
    try:
        with httpx.stream("GET", url, timeout=httpx.Timeout(5, read=None),
                          headers={"Authorization": f"Bearer {token}"}) as response:
            for line in response.iter_lines():
                if line.startswith("data: "):
                    got.append((time.monotonic(), json.loads(line.removeprefix("data: "))))
                if stop.is_set():
                    return
    except httpx.HTTPError:  # the node was stopped under the open stream
        return


#: Generous on purpose: the test checks that the event arrives live (no reload, no poll of the CLI); how fast
#: is measured in bench/live_fanout.py, not asserted here (a loaded CI machine must not fail the suite).
LIVE_WITHIN_S = 10.0


def test_state_changes_from_the_command_line_go_through_the_node_and_reach_live_clients_at_once(
    ready: dict[str, str], tmp_path: Path
) -> None:
    from tests.integration.nodes import Node

    operator = run(["users", "add", "olga", "--role", "operator"], ready).stdout.strip().splitlines()[-1]
    approver = run(["users", "add", "artem", "--role", "approver"], ready).stdout.strip().splitlines()[-1]
    with Node(ready, tmp_path / "node.log") as node:
        env = ready | {"AIRWARN_URL": node.url}
        got: list[tuple[float, dict[str, Any]]] = []
        stop = threading.Event()
        listener = threading.Thread(target=_sse_events, args=(f"{node.url}/api/v1/live/sse", got, stop, approver),
                                    daemon=True)
        listener.start()
        time.sleep(0.5)  # the stream is open

        posted = run(["report", "interception", "RU-ROS", "-d", "Millerovsky", "--source-name", "Governor"],
                     env | {"AIRWARN_TOKEN": operator})
        done = time.monotonic()
        assert posted.returncode == 0, posted.stderr
        outcome = json.loads(posted.stdout)
        identifier = outcome["alerts"][0]["identifier"]
        _wait_for(got, lambda m: m["topic"] == "report" and m["payload"]["report_id"] == outcome["report_id"],
                  done + LIVE_WITHIN_S)

        same_person = run(["alerts", "approve", identifier], env | {"AIRWARN_TOKEN": operator})
        assert same_person.returncode == 1 and same_person.stderr.startswith("Error: ")
        assert "HTTP 403" in same_person.stderr

        approved = run(["alerts", "approve", identifier], env | {"AIRWARN_TOKEN": approver})
        done = time.monotonic()
        assert approved.returncode == 0, approved.stderr
        _wait_for(got, lambda m: m["topic"] == "alert" and m["payload"]["identifier"] == identifier, done + LIVE_WITHIN_S)
        stop.set()

        # the signed alert is the node's: it verifies against the certificate the node publishes
        served = httpx.get(f"{node.url}/api/v1/alerts/{identifier}.xml").content
        verify_signature(served, httpx.get(f"{node.url}/api/v1/authority.pem").content)
        shown = run(["alerts", "show", identifier], ready)
        assert shown.stdout.strip().encode() == served.strip()
        listed = run(["alerts", "list", "--json"], env).stdout.splitlines()
        assert [json.loads(line)["identifier"] for line in listed] == [identifier]

        head_file = tmp_path / "head.json"
        assert run(["audit", "head", "--out", str(head_file)], env).returncode == 0
    verified = run(["audit", "verify", "--head", str(head_file)], ready)
    assert verified.returncode == 0, verified.stderr
    assert "intact" in verified.stdout and "saved head" in verified.stdout


def _wait_for(got: list[tuple[float, dict[str, Any]]], wanted: Any, deadline: float) -> None:
    """The wanted live message arrived no later than `deadline` (monotonic)."""
    while time.monotonic() < deadline + 2:
        for at, message in list(got):
            if wanted(message):
                assert at <= deadline, f"live event came {at - deadline + 1:.2f} s after the command returned"
                return
        time.sleep(0.02)
    raise AssertionError(f"no such live event; got {[m['topic'] for _, m in got]}")


def test_a_state_change_without_a_node_is_refused_pointing_to_airwarn_url(ready: dict[str, str]) -> None:
    before = _audit_count(ready)
    for command, args in [("report", ["RU-ROS", "-d", "Millerovsky"]), ("alerts approve", ["x"]),
                          ("alerts cancel", ["x"]), ("alerts reject", ["x", "--reason", "no"]),
                          ("regimes lift", ["x"]), ("measures end", ["x"]), ("review confirm", ["x"])]:
        argv = [*command.split(), *args] if command != "report" else ["report", "interception", *args]
        result = run(argv, ready | {"AIRWARN_TOKEN": "whatever"})
        assert result.returncode == 2 and "Traceback" not in result.stderr, command
        assert result.stderr.startswith(f"Error: `airwarn {command}` changes state, so it acts through a running "
                                        "node: set AIRWARN_URL"), result.stderr
    assert _audit_count(ready) == before


def _audit_count(env: dict[str, str]) -> int:
    from sqlalchemy import func, select

    from airwarn.store import tables as t
    from airwarn.store.engine import make_engine

    engine = make_engine(env["AIRWARN_DB"])
    with engine.connect() as conn:
        count = int(conn.execute(select(func.count()).select_from(t.audit_log)).scalar_one())
    engine.dispose()
    return count


def test_a_command_on_a_missing_database_says_so_and_creates_nothing(env: dict[str, str], tmp_path: Path) -> None:
    assert run(["keys", "init"], env).returncode == 0
    for args in (["alerts", "list"], ["alerts", "show", "x"], ["users", "list"], ["users", "add", "olga"],
                 ["audit", "verify"]):
        result = run(args, env)
        assert result.returncode == 1 and "Traceback" not in result.stderr, args
        assert result.stderr.strip() == (f"Error: no database at {tmp_path / 'cli.db'}: create it with "
                                         "`airwarn db upgrade` (or run `airwarn serve`), or set AIRWARN_DB"), args
        assert not (tmp_path / "cli.db").exists()
    nearest = run(["shelters", "nearest", "--lat", "48.92", "--lon", "40.39"], env)
    assert nearest.returncode == 1 and nearest.stderr.startswith(f"Error: no database at {tmp_path / 'cli.db'}")
    assert not (tmp_path / "cli.db").exists()


def test_no_command_but_keys_init_makes_a_key(env: dict[str, str], tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    assert run(["db", "upgrade"], env).returncode == 0
    for args in (["users", "add", "olga"], ["serve", "--port", "0"], ["audit", "verify"]):
        result = run(args, env)
        assert result.returncode == 1 and "Traceback" not in result.stderr, args
        assert result.stderr.strip() == (f"Error: no authority key at {keys / 'authority.key'}: create them once "
                                         "with `airwarn keys init` (AIRWARN_KEYS_DIR names the directory)")
        assert not keys.exists()
    made = run(["keys", "init"], env)
    assert made.returncode == 0 and "created authority.key, authority.crt, audit.key" in made.stdout
    first = (keys / "authority.key").read_bytes()
    again = run(["keys", "init"], env)
    assert again.returncode == 0 and "nothing changed" in again.stdout
    assert (keys / "authority.key").read_bytes() == first


def test_verify_names_a_row_edited_behind_the_applications_back(ready: dict[str, str]) -> None:
    from sqlalchemy import text

    from airwarn.store.engine import make_engine

    run(["users", "add", "olga"], ready)
    with make_engine(ready["AIRWARN_DB"]).begin() as conn:
        conn.execute(text("INSERT INTO regimes (id, status, kind, region, declared_at, declared_by, reason) "
                          "VALUES ('reg-forged', 'Actual', 'drone_hazard', 'RU-ROS', '2026-11-24 00:00:00', "
                          "'mallory', 'x')"))
    result = run(["audit", "verify"], ready)
    assert result.returncode == 1
    assert result.stderr.strip() == ("Error: audit verification failed: regimes/reg-forged: row is not in the "
                                     "audit (written behind the application's back)")


def test_bad_input_exits_2_with_the_field_named_and_no_traceback(ready: dict[str, str], tmp_path: Path) -> None:
    from tests.integration.nodes import Node

    token = run(["users", "add", "olga"], ready).stdout.strip().splitlines()[-1]
    with Node(ready, tmp_path / "node.log") as node:
        env = ready | {"AIRWARN_URL": node.url}
        bad = run(["report", "interception", "RU-ROS", "-d", "Atlantis"], env | {"AIRWARN_TOKEN": token})
        assert bad.returncode == 2
        assert bad.stderr.strip() == (f"Error: no district 'Atlantis' in Rostov Region (HTTP 422 from {node.url}) "
                                      "(districts[0])")
        no_token = run(["report", "interception", "RU-ROS"], env)
        assert no_token.returncode == 2 and "--token" in no_token.stderr and "Traceback" not in no_token.stderr
    gone = run(["report", "interception", "RU-ROS"], env | {"AIRWARN_TOKEN": token})
    assert gone.returncode == 1 and gone.stderr.startswith(f"Error: cannot reach the node at {node.url}")


def test_territory_import_is_all_or_nothing(ready: dict[str, str], tmp_path: Path) -> None:
    env = ready
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
