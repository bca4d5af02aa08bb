"""Live stream over WebSocket and SSE, delivery statistics and /metrics, through the real app."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from airwarn.api.app import create_app
from airwarn.bus import MemoryBus
from airwarn.delivery.channels.base import MemoryChannel
from airwarn.delivery.channels.live import LiveChannel
from airwarn.delivery.dispatcher import Dispatcher
from airwarn.delivery.fanout import make_fanout
from airwarn.domain.alerts import Severity
from airwarn.domain.approval_policy import ApprovalPolicy
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft


@pytest.fixture
def client(deps: Deps, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("AIRWARN_DISPATCH", "false")
    deps.fanout = make_fanout(deps.territory)
    deps.events = MemoryBus(first_id=1)
    return TestClient(create_app(deps))


def rostov(district: str = "Millerovsky") -> ReportDraft:
    return ReportDraft(kind="interception", region="RU-ROS", source_type="official", districts=[district])


def signed_in(deps: Deps) -> dict[str, str]:
    """An observer's token: the console's view of the stream (reports, reviews, held alerts)."""
    return {"Authorization": f"Bearer {services.add_user(deps, 'console-watch', 'observer')}"}


def test_websocket_gets_the_alert_for_its_district_only_and_resumes_after_an_id(
    client: TestClient, deps: Deps, operator: User, approver: User
) -> None:
    headers = signed_in(deps)
    with client, client.websocket_connect("/api/v1/live?district=RU-ROS-MILLEROVSKY", headers=headers) as ws:
        services.submit_report(deps, rostov("Sholokhovsky"), operator)  # not this client's district
        outcome = services.submit_report(deps, rostov(), operator)
        message = json.loads(ws.receive_text())
        assert set(message) == {"id", "topic", "payload"} and message["topic"] == "report"
        assert message["payload"]["alerts"][0]["districts"] == ["RU-ROS-MILLEROVSKY"]
        services.approve_alert(deps, outcome.alerts[0]["identifier"], approver)
        approved = json.loads(ws.receive_text())
        assert approved["topic"] == "alert" and approved["id"] > message["id"]
    with client, client.websocket_connect(f"/api/v1/live?after={message['id']}", headers=headers) as again:
        assert json.loads(again.receive_text())["id"] == approved["id"]


def test_without_a_token_the_stream_carries_issued_alerts_only(
    client: TestClient, deps: Deps, operator: User, approver: User
) -> None:
    """Issue 10: the public live stream showed held alerts, who made them and review-queue source names."""
    token = services.add_user(deps, "console-browser", "observer")
    with client, client.websocket_connect("/api/v1/live") as public, \
            client.websocket_connect("/api/v1/live", subprotocols=["airwarn", f"bearer.{token}"]) as console:
        rumour = ReportDraft(kind="drones_en_route", region="RU-SAR", source_type="media", source_name="Mash")
        services.submit_report(deps, rumour, operator)  # queued: the console hears of it, the public never
        outcome = services.submit_report(deps, rostov(), operator)  # held for a second person
        assert json.loads(console.receive_text())["topic"] == "report"
        held = json.loads(console.receive_text())
        assert held["topic"] == "report" and held["payload"]["alerts"][0]["state"] == "pending_approval"
        identifier = services.approve_alert(deps, outcome.alerts[0]["identifier"], approver)["identifier"]
        first = json.loads(public.receive_text())
    assert first["topic"] == "alert" and first["payload"]["identifier"] == identifier
    assert first["payload"]["state"] == "issued" and "Mash" not in json.dumps(first)
    assert not {"created_by", "approved_by", "authors"} & set(first["payload"])


def test_a_bad_token_on_the_stream_is_refused_not_downgraded(client: TestClient) -> None:
    with client, client.websocket_connect("/api/v1/live", headers={"Authorization": "Bearer aw_nope"}) as ws:
        assert json.loads(ws.receive_text())["error"] == "unauthenticated"


def test_websocket_with_a_bad_filter_is_told_why(client: TestClient) -> None:
    with client, client.websocket_connect("/api/v1/live?district=RU-XX-NOWHERE") as ws:
        assert json.loads(ws.receive_text())["field"] == "district"
    with client, client.websocket_connect("/api/v1/live?topics=alert,gossip") as ws:
        assert json.loads(ws.receive_text())["field"] == "topics"
    assert client.get("/api/v1/live/sse?topics=").json()["field"] == "topics"


def test_a_client_may_ask_for_alerts_only(client: TestClient, deps: Deps, operator: User, approver: User) -> None:
    with client, client.websocket_connect("/api/v1/live?topics=alert", headers=signed_in(deps)) as ws:
        outcome = services.submit_report(deps, rostov(), operator)  # a report event: not for this client
        identifier = services.approve_alert(deps, outcome.alerts[0]["identifier"], approver)["identifier"]
        deps.events.publish("alert", {"end": "of this test"})  # the next alert event after the issued one
        first, second = json.loads(ws.receive_text()), json.loads(ws.receive_text())
    assert first["payload"] == {**first["payload"], "identifier": identifier, "delivery": "issued"}
    assert second["payload"] == {"end": "of this test"}  # no report or review event came in between


def test_the_issuing_node_hands_the_alert_to_live_clients_before_announcing_the_report(
    client: TestClient, deps: Deps, operator: User
) -> None:
    deps.approval = ApprovalPolicy(min_severity=Severity.EXTREME)  # this authority lets Severe go at once
    with client, client.websocket_connect("/api/v1/live", headers=signed_in(deps)) as ws:
        outcome = services.submit_report(deps, rostov(), operator)
        [alert] = [a for a in outcome.alerts if a["state"] == "issued"]
        first, second = json.loads(ws.receive_text()), json.loads(ws.receive_text())
    assert (first["topic"], first["payload"]["identifier"], first["payload"]["delivery"]) == \
        ("alert", alert["identifier"], "issued")
    assert second["topic"] == "report"
    with deps.uow.read() as repo:
        [live] = [r for r in repo.outbox_rows(alert["identifier"]) if r["channel"] == "live"]
    assert (live["state"], live["attempts"]) == ("delivered", 1)  # no dispatcher ran
    [broadcasts] = [line for line in client.get("/metrics").text.splitlines()
                    if line.startswith("airwarn_live_broadcast_seconds_count")]
    assert float(broadcasts.split()[-1]) >= 2  # the alert and the report, each written to the sockets once


class AckLostBus(MemoryBus):
    """A bus whose store never acknowledges alerts (a NATS outage): the hand-off must not mark them sent."""

    def publish(self, topic: str, payload: dict[str, object]) -> bool:
        return False if topic == "alert" else super().publish(topic, payload)


def test_an_alert_whose_hand_off_fails_is_sent_by_the_dispatcher_after_the_lease(
    deps: Deps, operator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRWARN_DISPATCH", "false")
    deps.events = AckLostBus()
    deps.approval = ApprovalPolicy(min_severity=Severity.EXTREME)
    with TestClient(create_app(deps)):  # started: this node serves live clients and tries the hand-off
        outcome = services.submit_report(deps, rostov(), operator)
    [alert] = [a for a in outcome.alerts if a["state"] == "issued"]
    with deps.uow.read() as repo:
        [live] = [r for r in repo.outbox_rows(alert["identifier"]) if r["channel"] == "live"]
    assert live["state"] == "pending" and live["next_attempt_at"] > deps.clock()
    channels = {"live": LiveChannel(MemoryBus())}
    asyncio.run(Dispatcher(deps.uow.engine, channels).drain())  # inside the lease: not due yet
    with deps.uow.read() as repo:
        assert [r["state"] for r in repo.outbox_rows(alert["identifier"]) if r["channel"] == "live"] == ["pending"]
    later = Dispatcher(deps.uow.engine, channels, clock=lambda: live["next_attempt_at"] + timedelta(seconds=1))
    asyncio.run(later.drain())
    with deps.uow.read() as repo:
        [live] = [r for r in repo.outbox_rows(alert["identifier"]) if r["channel"] == "live"]
    assert (live["state"], live["attempts"]) == ("delivered", 1)


def sse_lines(client: TestClient, last_event_id: str) -> list[str]:
    """The SSE stream's lines up to its first data line, resuming from `last_event_id`."""

    async def read() -> list[str]:
        from starlette.requests import Request

        from airwarn.api.live import live_sse

        scope = {"type": "http", "app": client.app, "headers": [(b"last-event-id", last_event_id.encode())],
                 "method": "GET", "path": "/api/v1/live/sse", "query_string": b""}
        response = await live_sse(Request(scope), None, None, None, None)
        lines: list[str] = []
        async for chunk in response.body_iterator:
            lines += str(chunk).splitlines()
            if any(x.startswith("data:") for x in lines):
                break
        return lines

    return asyncio.run(asyncio.wait_for(read(), 5))


def test_sse_resumes_from_last_event_id(client: TestClient, deps: Deps) -> None:
    bus = deps.events
    assert isinstance(bus, MemoryBus)
    # issued alerts: what a client without a token may see (issue 10)
    bus.publish("alert", {"region": "RU-ROS", "districts": [], "delivery": "issued"})
    bus.publish("alert", {"region": "RU-ROS", "districts": ["RU-ROS-MILLEROVSKY"], "delivery": "issued"})
    lines = sse_lines(client, "1")
    assert "id: 2" in lines and "event: alert" in lines


def test_sse_from_an_id_this_node_never_issued_starts_with_a_gap(client: TestClient, deps: Deps) -> None:
    deps.events.publish("regime", {"region": "RU-ROS", "districts": []})
    lines = sse_lines(client, "99")  # e.g. from before a restart of a node whose ids did not rise
    assert lines[2:4] == ["id: 99", "event: gap"] and '"reload": "/api/v1/status"' in lines[4]


def test_delivery_stats_and_metrics(client: TestClient, deps: Deps, operator: User, approver: User) -> None:
    outcome = services.submit_report(deps, rostov(), operator)
    identifier = services.approve_alert(deps, outcome.alerts[0]["identifier"], approver)["identifier"]
    channels = {"live": LiveChannel(deps.events), "cap": MemoryChannel("cap")}
    asyncio.run(Dispatcher(deps.uow.engine, channels).drain())  # mqtt (sirens) not configured: pending
    stats = client.get(f"/api/v1/alerts/{identifier}/deliveries").json()
    assert stats["targets"] == 3 and stats["delivered"] == 2 and stats["pending"] == 1
    assert stats["by_channel"]["mqtt"]["pending"] == 1 and stats["by_channel"]["live"]["delivered"] == 1
    assert stats["time_to_s"]["p50"] is not None and stats["time_to_s"]["p100"] is None
    assert client.get("/api/v1/alerts/nope/deliveries").status_code == 404
    metrics = client.get("/metrics").text
    assert 'airwarn_delivery_attempts_total{channel="live",result="ok"}' in metrics
