"""Two nodes on one database and one NATS stream: an import on one switches the other through the bus."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from airwarn.api.app import create_app
from airwarn.bus import make_bus
from airwarn.cap.signing import Signer
from airwarn.service_layer import services
from airwarn.service_layer.bootstrap import cap_renderer, ensure_territory
from airwarn.service_layer.deps import Deps
from airwarn.settings import Settings
from airwarn.store.engine import make_engine
from airwarn.store.migrate import upgrade
from airwarn.store.uow import UnitOfWork
from airwarn.territory import live as territory_live
from airwarn.territory.io import dump_territory
from tests.integration.nodes import drop_stream
from tests.integration.test_bus_nats import NATS_URL, needs_nats


@needs_nats
def test_an_import_on_one_node_switches_the_other_through_the_bus(
    tmp_path: Path, signer: Signer, audit_key: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(territory_live, "WATCH_INTERVAL_S", 300.0)  # only the bus can switch node b in time
    stream = f"AWTEST_{uuid.uuid4().hex[:10]}"
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    upgrade(make_engine(url))
    uow = UnitOfWork(make_engine(url))
    territory = ensure_territory(uow)

    def node() -> Deps:
        return Deps(uow=UnitOfWork(make_engine(url), audit_key), territory=territory, render=cap_renderer(signer),
                    events=make_bus(f"{NATS_URL}?stream={stream}"))

    a, b = node(), node()
    token = services.add_user(a, "artem", "approver")
    settings = Settings(dispatch=False)
    try:
        with TestClient(create_app(a, settings=settings)) as on_a, TestClient(create_app(b, settings=settings)) as on_b:
            time.sleep(0.5)  # both nodes listening
            doc = dump_territory(territory)
            for f in doc["features"]:
                if f["properties"].get("code") == "RU-ROS-CHERTKOVSKY":
                    f["properties"]["warning_s"] = 40
            done = on_a.post("/api/v1/territory", json=doc, headers={"Authorization": f"Bearer {token}"})
            assert done.status_code == 200, done.text
            version = done.json()["version"]
            deadline = time.monotonic() + 5
            while on_b.get("/api/v1/territory/version").json()["version"] != version:
                assert time.monotonic() < deadline, "node b never heard of the new version"
                time.sleep(0.1)
            assert b.territory.districts["RU-ROS-CHERTKOVSKY"].warning_s == 40
    finally:
        asyncio.run(drop_stream(stream))
