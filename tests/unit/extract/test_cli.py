"""`airwarn extract`: JSON lines out, line numbers, --whole, --date, and clear failures."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from airwarn.cli.extract import register

KEYS = [
    "line",
    "kind",
    "region",
    "districts",
    "place",
    "count",
    "time",
    "regime",
    "source",
    "certainty",
    "casualties",
    "damage",
    "evidence",
    # the extended contract (issue 14), after DESIGN.md's keys
    "threat",
    "weapon",
    "counts",
    "casualties_detail",
    "damage_detail",
    "published",
    "airport",
]


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:  # a second command keeps typer from collapsing the group
        pass

    return app


def _run(args: list[str], stdin: str | None = None):  # noqa: ANN202
    return CliRunner().invoke(_app(), ["extract", *args], input=stdin)


def test_lines_in_json_lines_out(tmp_path: Path) -> None:
    src = tmp_path / "msgs.txt"
    src.write_text(
        "Нет новостей.\n"
        "The Volgograd airport suspended all operations at 00:49 AM.\n"
        "В Пензенской области в 01:41 по мск введён режим «Беспилотная опасность».\n",
        encoding="utf-8",
    )
    result = _run(["--date", "2026-11-24", str(src)])
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [list(e) for e in events] == [KEYS, KEYS]
    assert events[0]["line"] == 2 and events[0]["kind"] == "airport_suspended"
    assert events[0]["time"] == "2026-11-24T00:49:00+03:00"
    assert events[1]["line"] == 3 and events[1]["regime"] == "drone_hazard"
    assert events[1]["time"] == "2026-11-24T01:41:00+03:00"


def test_whole_file_is_one_message_on_line_1(tmp_path: Path) -> None:
    src = tmp_path / "post.txt"
    src.write_text("В Миллеровском районе Ростовской области\nсбиты три беспилотника.\n", encoding="utf-8")
    result = _run(["--whole", "--date", "2026-11-24", str(src)])
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(events) == 1
    assert events[0]["line"] == 1 and events[0]["districts"] == ["Millerovsky"]


def test_each_line_is_a_message_of_its_own(tmp_path: Path) -> None:
    """A line that names no place, count or time takes none from the line before it (issue 14)."""
    src = tmp_path / "msgs.txt"
    src.write_text(
        "В 02:10 над Миллеровским районом Ростовской области сбиты 12 беспилотников, сообщил губернатор.\n"
        "Пострадавших нет, повреждений нет.\n"
        "Также сбиты беспилотники, сообщили в ведомстве.\n"
        "Over the Bryansk region a drone was shot down.\n",
        encoding="utf-8",
    )
    lines = _run(["--date", "2026-11-24", str(src)])
    assert lines.exit_code == 0, lines.output
    events = [json.loads(line) for line in lines.stdout.splitlines()]
    assert [(e["line"], e["region"]) for e in events] == [(1, "RU-ROS"), (4, "RU-BRY")]
    assert events[0]["count"] == {"value": 12, "qualifier": "exact"}
    assert events[1]["count"] == {"value": 1, "qualifier": "exact"}
    assert events[1]["districts"] == [] and events[1]["time"] is None
    assert events[1]["source"]["type"] != "official"
    whole = _run(["--whole", "--date", "2026-11-24", str(src)])
    merged = [json.loads(line) for line in whole.stdout.splitlines()]
    rostov = [e for e in merged if e["region"] == "RU-ROS"]
    assert len(rostov) == 1 and rostov[0]["casualties"] == 0  # --whole keeps one text's context


def test_stdin_and_dash() -> None:
    result = _run(["-", "--date", "2026-11-24"], stdin="Над Курской областью сбиты 4 беспилотника.\n")
    assert result.exit_code == 0, result.output
    event = json.loads(result.stdout)
    assert event["region"] == "RU-KRS" and event["count"] == {"value": 4, "qualifier": "exact"}


def test_bad_date_is_exit_2_with_error_on_stderr(tmp_path: Path) -> None:
    src = tmp_path / "m.txt"
    src.write_text("x\n", encoding="utf-8")
    result = _run(["--date", "24.11.2026", str(src)])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
    assert result.stdout == ""


def test_unreadable_file_is_exit_1(tmp_path: Path) -> None:
    result = _run(["--date", "2026-11-24", str(tmp_path / "missing.txt")])
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "missing.txt" in result.stderr
    result = _run(["--date", "2026-11-24", str(tmp_path)])  # a directory
    assert result.exit_code == 1


def test_binary_input_does_not_crash(tmp_path: Path) -> None:
    src = tmp_path / "bin"
    src.write_bytes(bytes(range(256)) * 20 + "\nНад Курском сбит беспилотник.\n".encode())
    result = _run(["--date", "2026-11-24", str(src)])
    assert result.exit_code == 0, result.output
    assert any(json.loads(line)["region"] == "RU-KRS" for line in result.stdout.splitlines())


def test_source_hint_options(tmp_path: Path) -> None:
    result = _run(
        ["--date", "2026-11-24", "--source-type", "official", "--source-name", "Governor", "-"],
        stdin="Над Миллеровским районом Ростовской области сбиты два беспилотника.\n",
    )
    event = json.loads(result.stdout)
    assert event["source"] == {"type": "official", "name": "Governor"}
    assert event["certainty"] == "Observed"
    bad = _run(["--source-type", "rumour", "-"], stdin="x\n")
    assert bad.exit_code == 2
