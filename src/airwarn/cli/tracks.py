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
from airwarn.tracks.detections import MAX_DRILL_SPEED

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
    speed: Annotated[float, typer.Option(help="with --out: N× faster than real time (0 = at once); with --to: a "
                                              "drill N× faster (up to 100, Exercise or Test only; 0 or 1 = real time)")
                     ] = 0.0,
    status: Annotated[str | None, typer.Option(help="Actual, Exercise or Test (default: the scenario's)")] = None,
    batch_s: Annotated[float, typer.Option(help="with --to: a request every this many seconds (wall clock)")] = 2.0,
) -> None:
    """Fly a raid past a sensor network. `--out FILE` writes FILE (detections and truth) and FILE.sensors.csv;
    `--to URL` sends detections to a running node with AIRWARN_TOKEN (a sensor's), in real time or, for an
    Exercise or Test, as a drill `--speed N` times faster on the node's drill clock for that picture."""
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
    if to is not None and speed > MAX_DRILL_SPEED:
        raise InvalidInput(f"a drill runs at most {MAX_DRILL_SPEED:g}× real time", field="--speed")
    if to is not None and speed > 1 and status == "Actual":
        raise InvalidInput("only an Exercise or Test may run faster than real time", field="--speed")
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
        _send(raid, status, batch_s, max(speed, 1.0))


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


def _send(raid: Any, status: str, batch_s: float, speed: float = 1.0) -> None:
    """Detections as they happen: at `speed` > 1 on the node's drill clock (the scenario starts now and runs
    `speed` times faster there), one request about every `batch_s` seconds of wall time."""
    url, token = _node()
    query = f"/api/v1/detections?status={status}" + (f"&speed={speed:g}" if speed > 1 else "")
    if speed > 1:  # an empty batch starts the node's drill clock for this picture now, as our clock starts
        _post(url, token, query, json=[])
    started = time.monotonic()
    batch: list[dict[str, Any]] = []
    sent = rejected = 0
    last_wall = 0.0
    with Progress(console=console) as progress:
        task = progress.add_task("sending detections", total=raid.detection_count)
        for n, (t, items) in enumerate(raid.steps):
            batch += items
            wall = t / speed  # when these detections happen, in seconds of our wall clock from the start
            last = n == len(raid.steps) - 1
            if not last and len(batch) < 5_000 and raid.steps[n + 1][0] / speed - last_wall < batch_s:
                continue
            time.sleep(max(0.0, started + wall - time.monotonic()))
            answer = _post(url, token, query, json=batch)
            sent += answer["accepted"]
            rejected += len(answer["rejected"])
            progress.advance(task, len(batch))
            batch, last_wall = [], wall
    console.print(f"sent {sent} detections, {rejected} rejected")
