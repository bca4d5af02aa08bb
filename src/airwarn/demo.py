"""The seed-night replay: starts the real server, feeds the scenario over HTTP, shows a timeline and summary."""

from __future__ import annotations

import json
import re
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import uvicorn
from rich.console import Console
from rich.table import Table

from airwarn.api.app import create_app
from airwarn.api.ws_protocol import FrameWriterProtocol
from airwarn.errors import ConfigError
from airwarn.keyring import init_keys
from airwarn.service_layer import services
from airwarn.service_layer.bootstrap import build_deps
from airwarn.service_layer.deps import Deps
from airwarn.settings import load_settings

OPERATOR, APPROVER = "duty-officer", "duty-approver"


@dataclass
class DemoResult:
    base_url: str
    workdir: Path
    alerts: list[dict[str, Any]] = field(default_factory=list)
    exported: list[Path] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


def scenario_lines() -> list[dict[str, Any]]:
    text = resources.files("airwarn.data").joinpath("scenarios/seed_night.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the main thread keeps Ctrl-C
        return None


def _start(app: Any, host: str, port: int) -> tuple[_Server, threading.Thread, str]:
    if port:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                raise ConfigError(f"port {port} on {host} is in use: stop what uses it or pass --port") from None
    server = _Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on",
                                    ws_per_message_deflate=False, ws=FrameWriterProtocol))
    thread = threading.Thread(target=server.run, name="airwarn-demo-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise ConfigError("the demo server did not start")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://{host}:{bound}"


def import_streets(deps: Deps) -> str:
    """Import the bundled SYNTHETIC street sample into the demo database; the timeline line to show."""
    from airwarn.shelters.sample import import_sample

    summary = import_sample(deps.uow.engine, deps.territory)
    return f"streets: synthetic sample of central Millerovo ({summary['nodes']} nodes, {summary['shelters']} shelters)"


def run_demo(
    *, speed: float = 60.0, serve: bool = True, export_cap: Path | None = None, host: str = "127.0.0.1",
    port: int = 8000, console: Console | None = None, workdir: Path | None = None,
) -> DemoResult:
    console = console or Console()
    workdir = workdir or Path(tempfile.mkdtemp(prefix="airwarn-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    settings = load_settings(db=f"sqlite:///{workdir / 'airwarn.db'}", keys_dir=workdir / "keys")
    with console.status("Preparing a fresh database, territory and signing key…"):
        init_keys(settings.keys_dir)  # the demo's own authority, in its own directory (`airwarn keys init`)
        deps = build_deps(settings)
        tokens = {OPERATOR: services.add_user(deps, OPERATOR, "operator", actor="demo"),
                  APPROVER: services.add_user(deps, APPROVER, "approver", actor="demo")}
        streets = import_streets(deps)
    app = create_app(deps, settings=settings)
    app.state.shelters.warm()  # the first click on the public page answers at once
    server, thread, base = _start(app, host, port if serve else 0)
    result = DemoResult(base_url=base, workdir=workdir, tokens=tokens)
    console.rule("[bold]airwarn — the seed night[/]")
    console.print(f"API {base}/api/v1   database {settings.db}")
    console.print(f"[dim]{streets} — made up for the demo, not real OpenStreetMap data[/]")
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            _replay(http, tokens, speed, console, result)
            result.summary = http.get("/api/v1/status").raise_for_status().json()
            result.summary["review_queue"] = http.get(
                "/api/v1/review", headers={"Authorization": f"Bearer {tokens[OPERATOR]}"}
            ).raise_for_status().json()
            if export_cap is not None:
                result.exported = _export(http, result.summary["alerts"], export_cap)
        _print_summary(console, result, deps.territory)
        if export_cap is not None:
            console.print(f"Wrote {len(result.exported)} CAP files to {export_cap}")
        if serve:
            console.print(f"\nServing {base} — CAP feed {base}/api/v1/alerts.atom, API docs {base}/docs")
            console.print(f"Public page {base}/#map=15/48.92/40.39 — click a street in Millerovo for the nearest "
                          f"shelter, or GET {base}/api/v1/shelters/nearest?lat=48.92&lon=40.39")
            console.print(f"Operator token ({OPERATOR}): {tokens[OPERATOR]}")
            console.print(f"Approver token ({APPROVER}): {tokens[APPROVER]}")
            console.print("Press Ctrl-C to stop.")
            while thread.is_alive():
                thread.join(0.5)
    finally:
        server.should_exit = True
        thread.join(10)
    return result


def _replay(http: httpx.Client, tokens: dict[str, str], speed: float, console: Console,
            result: DemoResult) -> None:
    operator = {"Authorization": f"Bearer {tokens[OPERATOR]}"}
    approver = {"Authorization": f"Bearer {tokens[APPROVER]}"}
    names = _place_names(http)
    previous: datetime | None = None
    for line in scenario_lines():
        if "meta" in line:
            console.print(f"[dim]{line['meta'].get('note', '')}[/]")
            continue
        at = datetime.fromisoformat(line["at"])
        if previous is not None and speed > 0:
            time.sleep(max(0.0, (at - previous).total_seconds() / speed))
        previous = at
        if "message" in line:
            response = http.post("/api/v1/messages", json=line["message"] | {"received_at": line["at"]},
                                 headers=operator)
        else:
            response = http.post("/api/v1/reports", json={"time": line["at"], **line["report"]},
                                 headers=operator)
        if response.status_code >= 400:
            console.print(f"[red]{at:%H:%M} rejected: {response.text}[/]")
            continue
        body = response.json()
        if "message" in line:
            console.print(f"[bold]{at:%H:%M}[/] [dim]message from {line['message']['source'].get('name')}: "
                          f"{len(body['events'])} event(s) read[/]")
            outcomes = []
            for item in body["events"]:
                if "skipped" in item:
                    console.print(f"      [red]not placed: {item['skipped']['message']}[/]")
                else:
                    outcomes.append(item["outcome"] | {"kind": item["event"]["kind"],
                                                       "region": item["event"]["region"],
                                                       "who": item["event"]["source"]["name"]})
        else:
            outcomes = [body]
        for outcome in outcomes:
            _timeline(console, at, line, outcome, names)
            if outcome.get("queued") and "review" in line:  # a person checks the claim and vouches for it
                confirmed = http.post(f"/api/v1/review/{outcome['report_id']}/confirm", headers=operator,
                                      json={"certainty": line["review"]["confirm"]})
                confirmed.raise_for_status()
                console.print(f"      [green]✔ confirmed by {OPERATOR}[/]: {line['review']['note']}")
                outcome = confirmed.json() | {k: outcome[k] for k in ("kind", "region", "who") if k in outcome}
                _timeline(console, at, line, outcome, names)
            for alert in outcome.get("alerts", []):
                if alert["state"] == "pending_approval":
                    approved = http.post(f"/api/v1/alerts/{alert['identifier']}/approve", headers=approver)
                    approved.raise_for_status()
                    alert = approved.json()
                    console.print(f"      [green]✔ approved by {APPROVER}[/] (two-person rule) → issued; "
                                  "its regimes and measures are now in force and public")
                result.alerts.append(alert)


def _place_names(http: httpx.Client) -> dict[str, str]:
    """English names of regions, districts and airports by code, for the printed night (names, not codes)."""
    names: dict[str, str] = {}
    for f in http.get("/api/v1/territory").raise_for_status().json()["features"]:
        p = f["properties"]
        code = p.get("code") or p.get("icao")
        if code and p.get("name_en"):
            names[code] = p["name_en"]
    return names


def _human(code: str) -> str:
    """`drones_en_route` → `drones en route`: kinds in words."""
    return code.replace("_", " ")


def _words(text: str, names: dict[str, str]) -> str:
    """A server note for a reader: place codes become names, `snake_case` kinds become words."""
    text = re.sub(r"\b[A-Z]{2}-[A-Z0-9]{1,3}(?:-[A-Z0-9-]+)?\b", lambda m: names.get(m.group(0), m.group(0)), text)
    return re.sub(r"\b[a-z]+(?:_[a-z]+)+\b", lambda m: _human(m.group(0)), text)


def _timeline(console: Console, at: datetime, line: dict[str, Any], outcome: dict[str, Any],
              names: dict[str, str] | None = None) -> None:
    report = line.get("report") or {}
    who = outcome.get("who") or (report.get("source") or {}).get("name") or "?"
    what = _human(outcome.get("kind") or report.get("kind", "message"))
    region = outcome.get("region") or report.get("region", "")
    console.print(f"[bold]{at:%H:%M}[/] {(names or {}).get(region, region):18} {what:20} [dim]{who}[/]")
    if outcome.get("queued"):
        console.print("      [yellow]? held for review[/] — unconfirmed claim, no public alert")
    for note in outcome.get("notes", []):
        if not outcome.get("queued"):
            console.print(f"      [dim]{_words(note, names or {})}[/]")
    held = any(a["state"] == "pending_approval" for a in outcome.get("alerts", []))
    if outcome.get("regimes_declared"):
        verb = "proposed (not public until approved)" if held else "declared"
        console.print(f"      [red]● {len(outcome['regimes_declared'])} regime(s) {verb}[/]")
    if outcome.get("measures_started"):
        verb = "proposed" if held else "in force"
        console.print(f"      [magenta]■ {len(outcome['measures_started'])} measure(s) {verb}[/]")
    for alert in outcome.get("alerts", []):
        console.print(f"      [cyan]✉ CAP {alert['msg_type']} {alert['severity']}[/]: {alert['headline']}")


def _export(http: httpx.Client, alerts: list[dict[str, Any]], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for alert in alerts:
        if alert["state"] != "issued":
            continue
        xml = http.get(f"/api/v1/alerts/{alert['identifier']}.xml").raise_for_status().content
        path = directory / f"{alert['identifier']}.xml"
        path.write_bytes(xml)
        written.append(path)
    return written


def _local(territory: Any, region: str, iso: str) -> str:
    """HH:MM in the region's own time zone, as the night's reports give it."""
    tz = territory.regions[region].timezone if region in territory.regions else "UTC"
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(tz)).strftime("%H:%M")


def _print_summary(console: Console, result: DemoResult, territory: Any) -> None:
    summary = result.summary
    console.rule("[bold]Summary[/]")
    regimes = Table(title="Regimes in force")
    for col in ("region", "regime", "area", "since (local)"):
        regimes.add_column(col)
    for r in summary["regimes"]:
        region = territory.regions.get(r["region"])
        area = territory.districts[r["district"]].name_en if r["district"] else "whole region"
        regimes.add_row(region.name_en if region else r["region"], _human(r["kind"]), area,
                        _local(territory, r["region"], r["declared_at"]))
    console.print(regimes)
    airports = Table(title="Measures in force")
    for col in ("region", "measure", "target", "since (local)"):
        airports.add_column(col)
    for m in summary["measures"]:
        region = territory.regions.get(m["region"])
        airport = next((a for a in territory.airports.values() if a.icao == m["target"]), None) if m["target"] else None
        target = f"{airport.name_en} ({airport.icao})" if airport else (m["target"] or "")
        airports.add_row(region.name_en if region else m["region"], _human(m["kind"]), target,
                         _local(territory, m["region"], m["started_at"]))
    console.print(airports)
    alerts = Table(title=f"Alerts ({len(summary['alerts'])})")
    for col in ("type", "state", "severity", "headline"):
        alerts.add_column(col)
    for a in reversed(summary["alerts"]):
        alerts.add_row(a["msg_type"], _human(a["state"]), a["severity"], a["headline"])
    console.print(alerts)
    queue = summary["review_queue"]
    table = Table(title=f"Review queue ({len(queue)} unconfirmed claims — nobody alerted)")
    for col in ("region", "kind", "source", "certainty", "evidence"):
        table.add_column(col)
    for q in queue:
        region = territory.regions.get(q["region"])
        table.add_row(region.name_en if region else q["region"], _human(q["kind"]),
                      q["source"]["name"] or q["source"]["type"], q["certainty"],
                      (q["text"][:70] + "…") if len(q["text"]) > 70 else q["text"])
    console.print(table)
