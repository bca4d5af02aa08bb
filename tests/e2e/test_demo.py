"""`airwarn demo` end to end: the seed night through the real server, exported CAP files that verify."""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console

from airwarn.cap.validate import validate
from airwarn.cap.xml import alert_from_xml
from airwarn.demo import run_demo
from airwarn.keyring import load_authority


def test_the_seed_night_replays_into_regimes_alerts_and_a_review_queue(tmp_path: Path) -> None:
    console = Console(record=True, width=120)
    result = run_demo(speed=0, serve=False, export_cap=tmp_path / "cap", console=console,
                      workdir=tmp_path / "work")

    regimes = {(r["region"], r["kind"], r["district"]) for r in result.summary["regimes"]}
    assert ("RU-ROS", "drone_hazard", "RU-ROS-MILLEROVSKY") in regimes
    assert ("RU-VGG", "drone_hazard", "RU-VGG-KUMYLZHENSKY") in regimes
    assert ("RU-PNZ", "drone_hazard", None) in regimes and ("RU-PNZ", "airspace_closed", None) in regimes
    assert not any(region == "RU-SAR" for region, _, _ in regimes), "a media rumour must not declare a regime"

    measures = {(m["kind"], m["target"]) for m in result.summary["measures"]}
    assert ("airport_suspended", "URWW") in measures and ("mobile_internet_restricted", None) in measures
    suspended = next(m for m in result.summary["measures"] if m["target"] == "URWW")
    assert suspended["started_at"].startswith("2026-11-23T21:49")  # 00:49 Moscow time

    queue = {(q["region"], q["kind"]) for q in result.summary["review_queue"]}
    assert queue == {("RU-SAR", "drones_en_route"), ("UA-65", "shelter_incident")}

    signer = load_authority(result.workdir / "keys")
    assert len(result.exported) == len([a for a in result.summary["alerts"] if a["state"] == "issued"]) >= 5
    for path in result.exported:
        xml = path.read_bytes()
        assert path.name == f"{alert_from_xml(signer.verify(xml)).identifier}.xml"
        validate(xml)
    text = console.export_text()
    assert "Review queue" in text
    # names, not codes, in what a reader sees: the night's timeline and every table
    assert re.search(r"Saratov Region +drones en route +Mash", text)
    assert "Gumrak (URWW)" in text and "Kherson Oblast" in text
    assert not re.search(r"\bRU-[A-Z]{2,3}\b|\bUA-\d\d\b|drones_en_route|shelter_incident|drone_hazard", text)
    assert_audit_intact(result.workdir)


def assert_audit_intact(workdir: Path) -> None:
    """The demo's night, through the real server, leaves a MAC chain that binds every covered row."""
    from airwarn.service_layer import services
    from airwarn.service_layer.bootstrap import build_deps
    from airwarn.settings import Settings

    deps = build_deps(Settings(db=f"sqlite:///{workdir / 'airwarn.db'}", keys_dir=workdir / "keys"), create_db=False)
    check = services.verify_audit(deps)
    assert check.ok and check.records > 20, check.problems
    deps.uow.engine.dispose()
