"""The stacked track filter (batch_ekf) against filterpy's ExtendedKalmanFilter on the same inputs: the hot path
replaced filterpy's per-track update, so it must give filterpy's numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from filterpy.kalman import ExtendedKalmanFilter

from airwarn.tracks import batch_ekf
from airwarn.tracks.measurements import angle_residual, bearings_hx, bearings_jacobian, q_continuous


def _random_tracks(rng: np.random.Generator, k: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.column_stack([rng.uniform(-300_000, 300_000, (k, 2)), rng.uniform(-60, 60, (k, 2))])
    a = rng.normal(0, 1, (k, 4, 4)) * np.array([2_000.0, 2_000.0, 20.0, 20.0])[None, :, None]
    p = a @ a.transpose(0, 2, 1) + np.diag([1e4, 1e4, 10.0, 10.0])[None]  # symmetric positive definite
    return x, p


def _close(ours: np.ndarray, theirs: np.ndarray) -> None:
    scale = np.maximum(np.abs(theirs), 1.0)
    assert np.max(np.abs(ours - theirs) / scale) < 1e-9


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_stacked_update_gives_filterpys_numbers_track_by_track(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = 12
    x, p = _random_tracks(rng, k)
    dt = rng.uniform(0, 30, k)
    dt[0] = 0.0  # a track already at the slice's time
    q = rng.choice([0.05, 0.5, 1.0, 50.0], k)
    counts = rng.integers(1, 7, k)  # bearings per track: the stack is padded to the most
    m = int(counts.max())
    used = np.arange(m)[None, :] < counts[:, None]
    sensors = x[:, None, :2] + rng.uniform(-4_000, 4_000, (k, m, 2))
    true = np.arctan2(x[:, None, 0] - sensors[:, :, 0], x[:, None, 1] - sensors[:, :, 1])
    z = (true + rng.normal(0, 0.1, (k, m)) + math.pi) % (2 * math.pi)  # compass-like, wrapping around 0
    sigma = rng.uniform(0.02, 0.2, (k, m))

    xs, ps = batch_ekf.predict(x, p, dt, q)
    xs, ps = batch_ekf.update_bearings(xs, ps, sensors, z, sigma, used)

    for i in range(k):
        kf = ExtendedKalmanFilter(dim_x=4, dim_z=1)
        kf.x, kf.P = x[i].reshape(4, 1).copy(), p[i].copy()
        if dt[i] > 0:  # as the tracker does: no predict at dt 0
            kf.F = np.array([[1, 0, dt[i], 0], [0, 1, 0, dt[i]], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=float)
            kf.Q = q_continuous(float(dt[i]), float(q[i]))
            kf.predict()
        n = int(counts[i])
        s = sensors[i, :n]
        kf.update(z[i, :n, None], bearings_jacobian, bearings_hx, R=np.diag(sigma[i, :n] ** 2), args=(s,),
                  hx_args=(s,), residual=angle_residual)
        _close(xs[i], kf.x[:, 0])
        _close(ps[i], kf.P)


def test_padding_groups_bearings_by_track() -> None:
    rows = np.array([4, 1, 4, 4, 2, 1])
    tracks, where, used = batch_ekf.pad_groups(rows)
    assert tracks.tolist() == [1, 2, 4]
    assert [sorted(where[j, used[j]].tolist()) for j in range(3)] == [[1, 5], [4], [0, 2, 3]]
    assert used.sum() == len(rows)
