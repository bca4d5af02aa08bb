"""A local metric frame (azimuthal equidistant) so the tracker works in metres east/north of one point."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer


@dataclass(frozen=True)
class LocalFrame:
    """Metres east (x) and north (y) of (lat0, lon0); distances and bearings within ~1,000 km stay within 1 %."""

    lat0: float
    lon0: float
    _fwd: Any = field(init=False, repr=False, compare=False)
    _inv: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        proj = f"+proj=aeqd +lat_0={self.lat0} +lon_0={self.lon0} +datum=WGS84 +units=m"
        object.__setattr__(self, "_fwd", Transformer.from_crs("EPSG:4326", proj, always_xy=True))
        object.__setattr__(self, "_inv", Transformer.from_crs(proj, "EPSG:4326", always_xy=True))

    def to_xy(self, lat: ArrayLike, lon: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        x, y = self._fwd.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def point_xy(self, lat: float, lon: float) -> tuple[float, float]:
        x, y = self._fwd.transform(lon, lat)
        return float(x), float(y)

    def to_latlon(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        lon, lat = self._inv.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)

    def point_latlon(self, x: float, y: float) -> tuple[float, float]:
        lon, lat = self._inv.transform(x, y)
        return float(lat), float(lon)


def bearing_deg(dx: ArrayLike, dy: ArrayLike) -> NDArray[np.float64]:
    """Compass bearing (0 = north, clockwise) of the vector (dx east, dy north)."""
    compass: NDArray[np.float64] = np.degrees(np.arctan2(dx, dy)) % 360.0
    return compass


def angle_diff_deg(a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """Signed smallest difference a - b in degrees, in [-180, 180)."""
    diff: NDArray[np.float64] = (np.asarray(a, dtype=float) - np.asarray(b, dtype=float) + 180.0) % 360.0 - 180.0
    return diff
