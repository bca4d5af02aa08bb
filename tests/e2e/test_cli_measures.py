"""`airwarn measures list|keep|end` as a person runs them: through the node, errors name the field."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import env, ready, run  # noqa: F401  (the fixtures)


def test_measures_are_listed_kept_and_ended_from_the_command_line(ready: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    from tests.integration.nodes import Node

    operator = run(["users", "add", "olga", "--role", "operator"], ready).stdout.strip().splitlines()[-1]
    approver = run(["users", "add", "artem", "--role", "approver"], ready).stdout.strip().splitlines()[-1]
    with Node(ready, tmp_path / "node.log") as node:
        env = ready | {"AIRWARN_URL": node.url}
        as_olga = env | {"AIRWARN_TOKEN": operator}
        declared = run(["report", "regime_declared", "RU-PNZ", "--regime", "drone_hazard",
                        "--text", "Drone Hazard regime declared"], as_olga)
        assert declared.returncode == 0, declared.stderr
        for alert in json.loads(declared.stdout)["alerts"]:
            if alert["state"] == "pending_approval":
                approved = run(["alerts", "approve", alert["identifier"]], env | {"AIRWARN_TOKEN": approver})
                assert approved.returncode == 0, approved.stderr
        listed = [json.loads(line) for line in run(["measures", "list"], as_olga).stdout.splitlines()]
        assert {m["kind"] for m in listed} == {"mobile_internet_restricted", "stay_indoors"}
        internet = next(m["id"] for m in listed if m["kind"] == "mobile_internet_restricted")

        kept = run(["measures", "keep", internet, "--reason", "still needed"], as_olga)
        assert kept.returncode == 0, kept.stderr
        assert json.loads(kept.stdout) == {"id": internet, "keep": True}
        no_reason = run(["measures", "end", internet], as_olga)
        assert no_reason.returncode == 2 and no_reason.stderr.startswith("Error: ") and "reason" in no_reason.stderr
        ended = run(["measures", "end", internet, "--reason", "mobile internet restored"], as_olga)
        assert ended.returncode == 0, ended.stderr
        assert json.loads(ended.stdout)["measures_ended"] == [internet]
        again = run(["measures", "end", internet, "--reason", "again"], as_olga)
        assert again.returncode == 1 and "ended at" in again.stderr
        remaining = [json.loads(line)["kind"] for line in run(["measures", "list"], as_olga).stdout.splitlines()]
        assert remaining == ["stay_indoors"]
