"""Two `airwarn serve` processes on one PostgreSQL schema and one NATS JetStream stream: an alert issued
through node A reaches a WebSocket client connected to node B, and a client resumes on B by event id."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.integration.nodes import (
    NATS_URL,
    POSTGRES_URL,
    Node,
    add_users,
    answers,
    drop_stream,
    pg_schema,
    prepare,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL not configured: set AIRWARN_TEST_POSTGRES_URL"),
    pytest.mark.skipif(not answers(NATS_URL, 4222), reason=f"no NATS server at {NATS_URL} (AIRWARN_TEST_NATS_URL)"),
    pytest.mark.timeout(120),
]



async def next_message(ws: Any, topic: str, timeout_s: float, **payload: Any) -> dict[str, Any]:
    """The next live message of `topic` whose payload has the given items (others are skipped)."""
    async def wait() -> dict[str, Any]:
        while True:
            message = json.loads(await ws.recv())
            if message["topic"] == topic and all(message["payload"].get(k) == v for k, v in payload.items()):
                return dict(message)

    return await asyncio.wait_for(wait(), timeout_s)


def test_alert_issued_through_node_a_reaches_a_websocket_client_on_node_b(tmp_path: Path) -> None:
    stream = f"AWTWO_{uuid.uuid4().hex[:10]}"
    with pg_schema() as db:
        env = {"AIRWARN_DB": db, "AIRWARN_KEYS_DIR": str(tmp_path / "keys"),
               "AIRWARN_BUS": f"{NATS_URL}?stream={stream}", "AIRWARN_PUBLIC_URL": "http://127.0.0.1"}
        prepare(env)
        a, b = Node(env, tmp_path / "a.log"), Node(env, tmp_path / "b.log")
        try:
            a.launch()
            b.launch()
            operator, approver = add_users(env, ("olga", "operator"), ("artem", "approver"))
            a.wait()
            b.wait()
            asyncio.run(asyncio.wait_for(_scenario(a, b, operator, approver), 60))
        except BaseException:
            print("node A log:\n", a.log(), "\nnode B log:\n", b.log())
            raise
        finally:
            a.kill()
            b.kill()
            asyncio.run(drop_stream(stream))


async def _scenario(a: Node, b: Node, operator: str, approver: str) -> None:
    ws_b = b.url.replace("http://", "ws://") + "/api/v1/live"
    console = {"Authorization": f"Bearer {approver}"}  # a signed-in client also hears reports (issue 10)
    async with websockets.connect(f"{ws_b}?district=RU-ROS-MILLEROVSKY", additional_headers=console) as ws, \
            httpx.AsyncClient(base_url=a.url, timeout=30) as node_a:
        report = {"kind": "interception", "region": "RU-ROS", "districts": ["Millerovsky"],
                  "source": {"type": "official", "name": "Governor of Rostov Region"}}
        posted = await node_a.post("/api/v1/reports", json=report,
                                   headers={"Authorization": f"Bearer {operator}"})
        assert posted.status_code == 201, posted.text
        pending = posted.json()["alerts"][0]["identifier"]
        seen_report = await next_message(ws, "report", 15)  # published by A's use case, read on B
        assert seen_report["payload"]["alerts"][0]["identifier"] == pending

        approved = await node_a.post(f"/api/v1/alerts/{pending}/approve",
                                     headers={"Authorization": f"Bearer {approver}"})
        assert approved.status_code == 200, approved.text
        identifier = approved.json()["identifier"]
        # the outbox's live row, sent by either node's dispatcher through JetStream
        alert = await next_message(ws, "alert", 15, delivery="issued")
        assert alert["payload"]["identifier"] == identifier and alert["payload"]["severity"] == "Severe"
        assert alert["payload"]["districts"] == ["RU-ROS-MILLEROVSKY"] and alert["id"] > seen_report["id"]

    async with websockets.connect(f"{ws_b}?after={seen_report['id']}") as again:  # resume on B by id
        resumed = await next_message(again, "alert", 10, delivery="issued")
        assert resumed["id"] == alert["id"] and resumed["payload"]["identifier"] == identifier
    async with httpx.AsyncClient(base_url=b.url, timeout=30) as node_b:  # B sees the delivery record too
        stats = (await node_b.get(f"/api/v1/alerts/{identifier}/deliveries")).json()
    assert stats["by_channel"]["live"]["targets"] == 1 and stats["targets"] >= 1
