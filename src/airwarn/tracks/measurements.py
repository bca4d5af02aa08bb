"""Measurement models of the track filter: bearings (non-linear) and positions (linear), and the process
noise of the constant-velocity model."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from airwarn.tracks.track import Track

F64 = NDArray[np.float64]


def bearing_fits(track: Track, sx: float, sy: float, z: float, sigma: float, gate_sigma: float) -> bool:
    dx, dy = track.kf.x[0, 0] - sx, track.kf.x[1, 0] - sy
    r2 = max(dx * dx + dy * dy, 1.0)
    h = np.array([dy / r2, -dx / r2])
    s = float(h @ track.kf.P[:2, :2] @ h) + sigma**2
    nu = (z - math.atan2(dx, dy) + math.pi) % (2 * math.pi) - math.pi
    return nu * nu / s <= gate_sigma**2


def bearings_hx(x: F64, sensors: F64) -> F64:
    angles: F64 = np.arctan2(x[0, 0] - sensors[:, 0], x[1, 0] - sensors[:, 1])
    return angles[:, None]


def bearings_jacobian(x: F64, sensors: F64) -> F64:
    dx, dy = x[0, 0] - sensors[:, 0], x[1, 0] - sensors[:, 1]
    r2 = np.maximum(dx * dx + dy * dy, 1.0)
    h = np.zeros((len(sensors), 4))
    h[:, 0], h[:, 1] = dy / r2, -dx / r2
    return h


def angle_residual(a: F64, b: F64) -> F64:
    return (a - b + math.pi) % (2 * math.pi) - math.pi


def q_continuous(dt: float, q: float) -> F64:
    """Process noise of the continuous white-noise-acceleration model, state ordered [x, y, vx, vy]
    (what filterpy's Q_continuous_white_noise gives with block_size=2, order_by_dim=False, built directly)."""
    a, b, c = q * dt**3 / 3, q * dt**2 / 2, q * dt
    return np.array([[a, 0, b, 0], [0, a, 0, b], [b, 0, c, 0], [0, b, 0, c]])


_H_POS = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0]])
_H_ALL = np.eye(4)


def position_jacobian(x: F64) -> F64:
    return _H_POS


def position_hx(x: F64) -> F64:
    return _H_POS @ x


def identity4(x: F64) -> F64:
    return _H_ALL


def state4(x: F64) -> F64:
    return x
