"""Detections as sensors send them, checked one by one: a bad one is rejected with its reason, the rest taken."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from airwarn.errors import InvalidInput
from airwarn.tracks.classes import ThreatClass
from airwarn.tracks.sensors import Sensor, SensorKind

#: The most detections one request (or one bus message) may carry.
MAX_BATCH = 10_000
#: How far ahead of our clock a detection's time may be (clock skew), and how old it may be and still count.
FUTURE_TOLERANCE = timedelta(seconds=5)
MAX_AGE = timedelta(hours=1)
MAX_SPEED_MPS = 4_000.0  # nothing we track is faster
#: The fastest a drill's clock may run (detections sent with `speed`): at 100× a 4-hour raid takes 2.4 minutes.
MAX_DRILL_SPEED = 100.0


@dataclass(frozen=True)
class Detection:
    """One sensor's observation at one instant; which fields are set depends on `kind`."""

    sensor: Sensor
    t_s: float  # POSIX seconds
    kind: SensorKind
    threat_class: ThreatClass = ThreatClass.UNKNOWN
    confidence: float = 0.5
    bearing_deg: float | None = None  # acoustic
    bearing_sd_deg: float | None = None
    lat: float | None = None  # radar plot or observer sighting
    lon: float | None = None
    alt_m: float | None = None
    east_mps: float | None = None
    north_mps: float | None = None
    heading_deg: float | None = None  # observer
    destroyed: bool = False  # the sensor saw the threat destroyed here


@dataclass(frozen=True)
class Rejection:
    index: int
    field: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "reason": self.reason}


def parse_body(body: bytes, content_type: str = "") -> list[Any]:
    """A JSON array, or NDJSON (one object per line); the batch as raw items, each checked later."""
    if "ndjson" not in content_type and body[:1] == b"[":
        try:  # the common case, parsed by orjson (several times faster); anything it refuses (NaN, huge
            doc = orjson.loads(body)  # integers, bad UTF-8) goes the standard way below, same answers as before
        except orjson.JSONDecodeError:
            pass
        else:
            if len(doc) > MAX_BATCH:
                raise InvalidInput(f"at most {MAX_BATCH} detections per batch", field="body")
            return doc  # type: ignore[no-any-return]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the body is not UTF-8", field="body") from None
    if "ndjson" in content_type or (text.lstrip()[:1] == "{"):
        items: list[Any] = []
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                if len(items) >= MAX_BATCH:
                    raise InvalidInput(f"at most {MAX_BATCH} detections per batch", field="body")
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise InvalidInput(f"line {n} is not JSON: {e.msg}", field=f"line {n}") from None
        return items
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInput(f"not JSON: {e.msg} at line {e.lineno}", field="body") from None
    if not isinstance(doc, list):
        raise InvalidInput("expected a JSON array of detections (or NDJSON)", field="body")
    if len(doc) > MAX_BATCH:
        raise InvalidInput(f"at most {MAX_BATCH} detections per batch", field="body")
    return doc


def check_batch(items: list[Any], sensors: Mapping[str, Sensor], now: datetime,
                future: timedelta = FUTURE_TOLERANCE) -> tuple[list[Detection], list[Rejection]]:
    """Every item checked on its own: the good ones, and a reason for each bad one. `future` is how far ahead
    of `now` a time may be (a drill's clock runs faster, and so does its tolerance)."""
    good: list[Detection] = []
    bad: list[Rejection] = []
    times: dict[str, float] = {}  # a batch repeats the same few timestamps: parse each once
    for index, item in enumerate(items):
        try:
            good.append(check(item, sensors, now, times, future))
        except InvalidInput as e:
            bad.append(Rejection(index, e.field or "", e.message))
    return good, bad


def check(item: Any, sensors: Mapping[str, Sensor], now: datetime, times: dict[str, float] | None = None,
          future: timedelta = FUTURE_TOLERANCE) -> Detection:
    if not isinstance(item, dict):
        raise InvalidInput("a detection is a JSON object", field="")
    sensor = sensors.get(str(item.get("sensor", "")))
    if sensor is None:
        raise InvalidInput("unknown sensor (register it first)", field="sensor")
    raw_time = item.get("time")
    t_s = times.get(raw_time) if times is not None and isinstance(raw_time, str) else None
    if t_s is None:
        t_s = _time(raw_time, now, future)
        if times is not None and isinstance(raw_time, str):
            times[raw_time] = t_s
    kind = _enum(SensorKind, item.get("kind", sensor.kind.value), "kind")
    if kind is not sensor.kind:
        raise InvalidInput(f"sensor {sensor.id} is {sensor.kind.value}, not {kind.value}", field="kind")
    cls = _enum(ThreatClass, item.get("class", "unknown"), "class")
    confidence = _num(item.get("confidence", 0.5), "confidence", 0, 1)
    destroyed = item.get("destroyed", False)
    if not isinstance(destroyed, bool):
        raise InvalidInput("must be true or false", field="destroyed")
    if kind is SensorKind.ACOUSTIC:
        bearing = _num(item.get("bearing_deg"), "bearing_deg", 0, 360)
        sd = _num(item.get("bearing_sd_deg", sensor.bearing_sd_deg), "bearing_sd_deg", 0.1, 45)
        return Detection(sensor, t_s, kind, cls, confidence, bearing_deg=bearing % 360, bearing_sd_deg=sd)
    lat = _num(item.get("lat"), "lat", -90, 90)
    lon = _num(item.get("lon"), "lon", -180, 180)
    if _distance_m(sensor.lat, sensor.lon, lat, lon) > sensor.range_m * 1.5:
        raise InvalidInput(f"{kind.value} position is beyond the sensor's range", field="lat")
    if kind is SensorKind.RADAR:
        alt = _num(item.get("alt_m", 0), "alt_m", -500, 150_000)
        east = _opt(item.get("east_mps"), "east_mps")
        north = _opt(item.get("north_mps"), "north_mps")
        if (east is None) != (north is None):
            raise InvalidInput("give both east_mps and north_mps, or neither", field="east_mps")
        if east is not None and north is not None and math.hypot(east, north) > MAX_SPEED_MPS:
            raise InvalidInput(f"speed above {MAX_SPEED_MPS:g} m/s is impossible", field="east_mps")
        return Detection(sensor, t_s, kind, cls, confidence, lat=lat, lon=lon, alt_m=alt, east_mps=east,
                         north_mps=north, destroyed=destroyed)
    heading = item.get("heading_deg")
    return Detection(sensor, t_s, kind, cls, confidence, lat=lat, lon=lon,
                     heading_deg=None if heading is None else _num(heading, "heading_deg", 0, 360),
                     destroyed=destroyed)


def _time(value: Any, now: datetime, future: timedelta = FUTURE_TOLERANCE) -> float:
    if not isinstance(value, str):
        raise InvalidInput("an ISO 8601 time with its offset", field="time")
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("not an ISO 8601 time", field="time") from None
    if at.tzinfo is None:
        raise InvalidInput("the time needs its UTC offset", field="time")
    try:
        if at > now + future:
            raise InvalidInput("the time is in the future", field="time")
        if at < now - MAX_AGE:
            raise InvalidInput(f"older than {int(MAX_AGE.total_seconds() // 60)} minutes", field="time")
    except OverflowError:
        raise InvalidInput("the time is out of range", field="time") from None
    return at.timestamp()


def _enum(cls: type, value: Any, where: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        raise InvalidInput(f"must be one of: {', '.join(m.value for m in cls)}",  # type: ignore[attr-defined]
                           field=where) from None


def _num(value: Any, where: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput("must be a number", field=where)
    number = float(value)
    if not math.isfinite(number) or not lo <= number <= hi:
        raise InvalidInput(f"must be between {lo:g} and {hi:g}", field=where)
    return number


def _opt(value: Any, where: str) -> float | None:
    return None if value is None else _num(value, where, -MAX_SPEED_MPS, MAX_SPEED_MPS)


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000.0 * math.asin(min(1.0, math.sqrt(a)))
