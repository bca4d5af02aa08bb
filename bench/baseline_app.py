"""The FastAPI baseline for bench/ingest.py: the same HTTP stack (uvicorn, FastAPI, a JSON body validated by
Pydantic, a sync endpoint on the thread pool) writing one row per request in its own transaction, on the
database named by BASELINE_DB. What airwarn's ingest costs is measured against this floor."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, MetaData, String, Table, create_engine, insert

metadata = MetaData()
rows = Table("baseline_reports", metadata, Column("id", String(40), primary_key=True),
             Column("kind", String(40), nullable=False), Column("region", String(16), nullable=False),
             Column("at", DateTime(timezone=True), nullable=False))
engine = create_engine(os.environ["BASELINE_DB"], pool_size=20, max_overflow=20)
metadata.create_all(engine, checkfirst=True)
app = FastAPI()


class Body(BaseModel):
    kind: str
    region: str
    districts: list[str] = []
    regime: str | None = None
    source: dict[str, Any] = {}


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/api/v1/reports", status_code=201)
def report(body: Body) -> dict[str, Any]:
    report_id = uuid.uuid4().hex
    with engine.begin() as conn:
        conn.execute(insert(rows), {"id": report_id, "kind": body.kind, "region": body.region,
                                    "at": datetime.now(UTC)})
    return {"report_id": report_id, "alerts": []}
