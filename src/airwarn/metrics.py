"""Prometheus metrics for delivery (served at /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

DELIVERIES = Counter("airwarn_delivery_attempts_total", "Delivery attempts by channel and result",
                     ["channel", "result"])
LATENCY = Histogram("airwarn_delivery_attempt_seconds", "Time one delivery attempt took", ["channel"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
LIVE_BROADCAST = Histogram("airwarn_live_broadcast_seconds",
                           "Time to write one event to every live socket that could take it at once",
                           buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
LIVE_CLIENTS = Gauge("airwarn_live_clients", "Connected live-stream clients (WebSocket and SSE)")
EVENTS = Counter("airwarn_bus_events_total", "Events published to the bus", ["topic"])


def observe(channel: str, ok: bool, seconds: float) -> None:
    DELIVERIES.labels(channel=channel, result="ok" if ok else "error").inc()
    LATENCY.labels(channel=channel).observe(seconds)
