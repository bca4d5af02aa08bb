"""Geotargeting benchmark: 1,000,000 subscribers, district- and region-sized alert areas of the demo territory.

Subscribers: uniform over the Rostov region's bounding box (the worst case for a region alert: about half
of all of them are inside), 2 % with only a chosen district. Compares the grid method (cells wholly inside
the polygon are accepted without testing their points) with testing every point in the polygon's bbox.
Run: python bench/targeting.py [--n 1000000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import shapely
from shapely.geometry import Polygon

from airwarn.domain.targeting import IntArray, SubscriberIndex, target
from airwarn.domain.territory import Rings
from airwarn.territory.io import demo_territory


def bbox_then_test(index: SubscriberIndex, rings: Rings) -> IntArray:
    """The previous method: bbox prefilter, then contains_xy on every candidate."""
    hits = []
    for ring in rings:
        poly = Polygon(ring)
        shapely.prepare(poly)
        x0, y0, x1, y1 = poly.bounds
        cand = np.flatnonzero((index.lon >= x0) & (index.lon <= x1) & (index.lat >= y0) & (index.lat <= y1))
        hits.append(cand[shapely.contains_xy(poly, index.lon[cand], index.lat[cand])])
    return np.unique(np.concatenate(hits))


def timed(fn: Callable[[], IntArray], repeat: int) -> tuple[float, float, int]:
    """(median ms, min ms, rows) over `repeat` runs."""
    runs, rows = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        rows = len(fn())
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs), min(runs), rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    territory = demo_territory()
    region = territory.regions["RU-ROS"].polygon
    district = territory.districts["RU-ROS-MILLEROVSKY"].polygon
    x0, y0, x1, y1 = Polygon(region[0]).bounds
    rng = np.random.default_rng(2026)
    lat, lon = rng.uniform(y0, y1, args.n), rng.uniform(x0, x1, args.n)
    by_district = rng.random(args.n) < 0.02
    lat[by_district] = np.nan
    lon[by_district] = np.nan
    codes = [d.code for d in territory.districts_of("RU-ROS")]
    choices = rng.integers(0, len(codes), int(by_district.sum()))
    index = SubscriberIndex(lat, lon, {
        c: np.flatnonzero(by_district)[choices == i].astype(np.int64) for i, c in enumerate(codes)})

    t0 = time.perf_counter()
    index.grid()
    grid_ms = (time.perf_counter() - t0) * 1000
    print(f"{args.n:,} subscribers; grid build (one sort, once per index): {grid_ms:.0f} ms")
    print("| area | rows | grid method, median (min) | every point in bbox, median (min) |")
    print("| --- | --- | --- | --- |")
    for name, rings, code in (("district (Millerovsky, ~0.26 deg^2)", district, "RU-ROS-MILLEROVSKY"),
                              ("region (Rostov, ~12.6 deg^2)", region, None)):
        districts = [code] if code else codes
        new = timed(lambda r=rings, d=districts: target(index, polygons=r, districts=d), args.repeat)
        old = timed(lambda r=rings: bbox_then_test(index, r), args.repeat)
        same = np.array_equal(target(index, polygons=rings), bbox_then_test(index, rings))
        print(f"| {name} | {new[2]:,} | {new[0]:.1f} ms ({new[1]:.1f}) | {old[0]:.1f} ms ({old[1]:.1f}) "
              f"{'same rows' if same else 'DIFFERENT ROWS'} |")


if __name__ == "__main__":
    main()
