"""The track filter for many tracks at once: the constant-velocity predict and the stacked bearing update of
every track that heard something in a time slice, in a handful of NumPy calls.

It is the arithmetic of filterpy's ExtendedKalmanFilter (`predict`, then `update` with the bearing Jacobian,
the angle residual and the Joseph-form covariance), only over a stack of tracks: at one Python call per track
and slice, filterpy's update was most of the ingest time. `tests/unit/tracks/test_batch_ekf.py` holds it to
filterpy's result on the same inputs.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I4 = np.eye(4)


def transition(dt_s: F64) -> F64:
    """F for each dt: (k, 4, 4), state ordered [x, y, vx, vy]."""
    f = np.broadcast_to(I4, (len(dt_s), 4, 4)).copy()
    f[:, 0, 2] = dt_s
    f[:, 1, 3] = dt_s
    return f


def process_noise(dt_s: F64, q: F64) -> F64:
    """Continuous white-noise acceleration Q for each (dt, q): (k, 4, 4), as `measurements.q_continuous`."""
    a, b, c = q * dt_s**3 / 3, q * dt_s**2 / 2, q * dt_s
    out = np.zeros((len(dt_s), 4, 4))
    out[:, 0, 0] = out[:, 1, 1] = a
    out[:, 0, 2] = out[:, 2, 0] = out[:, 1, 3] = out[:, 3, 1] = b
    out[:, 2, 2] = out[:, 3, 3] = c
    return out


def predict(x: F64, p: F64, dt_s: F64, q: F64) -> tuple[F64, F64]:
    """x (k, 4) and P (k, 4, 4) moved on by dt_s (k,); dt 0 leaves a track as it is."""
    f = transition(dt_s)
    x_new = np.einsum("kij,kj->ki", f, x)
    p_new = f @ p @ f.transpose(0, 2, 1) + process_noise(dt_s, q)
    return x_new, p_new


def update_bearings(x: F64, p: F64, sensors_xy: F64, z_rad: F64, sigma_rad: F64, used: NDArray[np.bool_],
                    ) -> tuple[F64, F64]:
    """One stacked update per track with its bearings: x (k, 4), P (k, 4, 4); sensors_xy (k, m, 2), z_rad and
    sigma_rad (k, m), padded to the most bearings any track got; `used` (k, m) marks the real ones. A padding
    slot has a zero Jacobian row, zero residual and unit variance, so it changes nothing."""
    dx = x[:, None, 0] - sensors_xy[:, :, 0]
    dy = x[:, None, 1] - sensors_xy[:, :, 1]
    r2 = np.maximum(dx * dx + dy * dy, 1.0)
    k, m = z_rad.shape
    h = np.zeros((k, m, 4))
    h[:, :, 0] = np.where(used, dy / r2, 0.0)
    h[:, :, 1] = np.where(used, -dx / r2, 0.0)
    r = np.zeros((k, m, m))
    idx = np.arange(m)
    r[:, idx, idx] = np.where(used, sigma_rad, 1.0) ** 2
    pht = p @ h.transpose(0, 2, 1)
    s = h @ pht + r
    gain = pht @ np.linalg.inv(s)
    y = np.where(used, (z_rad - np.arctan2(dx, dy) + math.pi) % (2 * math.pi) - math.pi, 0.0)
    x_new = x + np.einsum("kim,km->ki", gain, y)
    i_kh = I4 - gain @ h
    p_new = i_kh @ p @ i_kh.transpose(0, 2, 1) + gain @ r @ gain.transpose(0, 2, 1)
    return x_new, p_new


def pad_groups(rows: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
    """Bearings grouped by the track row they were gated to: the distinct rows (k,), and a (k, m) matrix of
    bearing indices per row (padded with the row's first bearing) with the mask of the real ones."""
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    tracks, starts, counts = np.unique(sorted_rows, return_index=True, return_counts=True)
    m = int(counts.max())
    slot = np.arange(m)
    used = slot[None, :] < counts[:, None]
    where = starts[:, None] + np.where(used, slot[None, :], 0)
    return tracks, order[where], used
