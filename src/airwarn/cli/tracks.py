"""Sensor networks and raids: `airwarn sensors import`, `airwarn simulate raid`."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress

from airwarn.errors import InvalidInput, Unavailable

console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    sensors = typer.Typer(help="The sensor registry (acoustic, radar, observer posts).", no_args_is_help=True)
    sensors.command("import")(sensors_import)
    app.add_typer(sensors, name="sensors")
    simulate = typer.Typer(help="Simulated raids: detections with their ground truth.", no_args_is_help=True)
    simulate.command("raid")(simulate_raid)
    app.add_typer(simulate, name="simulate")


def _node() -> tuple[str, str]:
    url, token = os.environ.get("AIRWARN_URL", ""), os.environ.get("AIRWARN_TOKEN", "")
    if not url or not token:
        raise InvalidInput("set AIRWARN_URL (the node, e.g. http://127.0.0.1:8000) and AIRWARN_TOKEN",
                           field="AIRWARN_URL")
    return url.rstrip("/"), token


def _post(url: str, token: str, path: str, **kwargs: Any) -> Any:
    import httpx

    try:
        response = httpx.post(f"{url}{path}", headers={"Authorization": f"Bearer {token}",
                                                       **kwargs.pop("headers", {})}, timeout=30, **kwargs)
    except httpx.HTTPError as e:
        raise Unavailable(f"cannot reach {url}: {e}") from None
    if response.status_code >= 400:
        try:
            body = response.json()
            message, field = body.get("message", response.text), body.get("field")
        except ValueError:
            message, field = response.text, None
        raise InvalidInput(f"the node answered {response.status_code}: {message}", field=field)
    return response.json()


def sensors_import(file: Annotated[Path, typer.Argument(help="CSV (id,kind,lat,lon[,range_m,…]) or GeoJSON")]) -> None:
    """Register sensors with the running node (AIRWARN_URL, operator's AIRWARN_TOKEN); known ids are replaced."""
    from airwarn.tracks.sensors import parse_registry

    text = file.read_text(encoding="utf-8")
    sensors = parse_registry(text)  # checked here first, so a bad row is named before anything is sent
    url, token = _node()
    kind = "application/geo+json" if text.lstrip().startswith("{") else "text/csv"
    answer = _post(url, token, "/api/v1/sensors", content=text.encode(), headers={"content-type": kind})
    console.print(f"registered {answer['registered']} of {len(sensors)} sensors")


def simulate_raid(
    scenario: Annotated[str, typer.Argument(help="a YAML/JSON scenario, or 'seed-night' for the bundled one")],
    out: Annotated[Path | None, typer.Option("--out", help="write detections and ground truth as NDJSON")] = None,
    to: Annotated[str | None, typer.Option("--to", help="a node's URL: send detections there as they happen")] = None,
    speed: Annotated[float, typer.Option(help="with --out: N× faster than real time; 0 = at once")] = 0.0,
    status: Annotated[str | None, typer.Option(help="Actual, Exercise or Test (default: the scenario's)")] = None,
    batch_s: Annotated[float, typer.Option(help="seconds of detections per request with --to")] = 2.0,
) -> None:
    """Fly a raid past a sensor network. `--out FILE` writes FILE (detections and truth) and FILE.sensors.csv;
    `--to URL` sends detections to a running node in real time with AIRWARN_TOKEN (a sensor's)."""
    from airwarn.tracks.scenario import bundled, load_scenario
    from airwarn.tracks.simulate import simulate

    if (out is None) == (to is None):
        raise InvalidInput("give exactly one of --out FILE or --to URL", field="--out")
    if speed < 0:
        raise InvalidInput("0 (as fast as possible) or more", field="--speed")
    path = bundled() if scenario == "seed-night" else Path(scenario)
    if not path.exists():
        raise InvalidInput(f"no such scenario file: {path}", field="SCENARIO")
    spec = load_scenario(path)
    if status is not None and status not in ("Actual", "Exercise", "Test"):
        raise InvalidInput("Actual, Exercise or Test", field="--status")
    status = status or spec.status
    if to is not None:
        import dataclasses
        from datetime import UTC, datetime

        spec = dataclasses.replace(spec, start=datetime.now(UTC))  # a node checks times against its own clock
    with console.status("simulating the raid"):
        raid = simulate(spec)
    console.print(f"{len(raid.threats)} threats, {len(raid.sensors)} sensors, {raid.detection_count} detections "
                  f"over {raid.steps[-1][0] / 60:.0f} min ({status})")
    if out is not None:
        _write(raid, out, status, speed)
    else:
        assert to is not None
        os.environ["AIRWARN_URL"] = to
        _send(raid, status, batch_s)


def _write(raid: Any, out: Path, status: str, speed: float) -> None:
    sensors = out.with_suffix(out.suffix + ".sensors.csv")
    sensors.write_text("id,kind,lat,lon,range_m,bearing_sd_deg\n" + "".join(
        f"{s.id},{s.kind.value},{s.lat},{s.lon},{s.range_m},{s.bearing_sd_deg}\n" for s in raid.sensors),
        encoding="utf-8")
    started = time.monotonic()
    with out.open("w", encoding="utf-8") as f, Progress(console=console) as progress:
        task = progress.add_task("writing", total=len(raid.steps))
        for threat in raid.threats:
            f.write(json.dumps({"truth": {"threat": threat.id, "group": threat.group,
                                          "class": threat.threat_class.value, "launch": raid.iso(threat.launch_s),
                                          "end": raid.iso(threat.end_s), "intercepted": threat.intercepted,
                                          "speed_mps": round(threat.speed_mps, 1),
                                          "path": [list(raid.frame.point_latlon(x, y)) for x, y in threat.path]}})
                    + "\n")
        for t, items in raid.steps:
            if speed > 0:
                time.sleep(max(0.0, started + t / speed - time.monotonic()))
            for item in items:
                f.write(json.dumps({"detection": item, "status": status}) + "\n")
            progress.advance(task)
    console.print(f"wrote {out} and {sensors}")


def _send(raid: Any, status: str, batch_s: float) -> None:
    url, token = _node()
    started = time.monotonic()
    batch: list[dict[str, Any]] = []
    sent = rejected = 0
    with Progress(console=console) as progress:
        task = progress.add_task("sending detections", total=raid.detection_count)
        for t, items in raid.steps:
            batch += items
            if batch and (len(batch) >= 5_000 or t - _t0(batch, raid) >= batch_s):
                time.sleep(max(0.0, started + t - time.monotonic()))
                answer = _post(url, token, f"/api/v1/detections?status={status}", json=batch)
                sent += answer["accepted"]
                rejected += len(answer["rejected"])
                progress.advance(task, len(batch))
                batch = []
    console.print(f"sent {sent} detections, {rejected} rejected")


def _t0(batch: list[dict[str, Any]], raid: Any) -> float:
    from datetime import datetime

    first: datetime = datetime.fromisoformat(str(batch[0]["time"]))
    return float((first - raid.scenario.start).total_seconds())
