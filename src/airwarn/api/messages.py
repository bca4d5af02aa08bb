"""Free-text messages in: extracted events go through the report pipeline; unconfirmed claims are queued."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field

from airwarn.api.auth import DepsDep, Operator
from airwarn.api.bounds import AwareInstant
from airwarn.api.schemas import SourceIn, Strict
from airwarn.errors import InvalidInput
from airwarn.extract.drafts import draft
from airwarn.extract.pipeline import Extractor
from airwarn.extract.sources import SourceHint
from airwarn.extract.times import MOSCOW, zone
from airwarn.service_layer import services

router = APIRouter(prefix="/api/v1", tags=["messages"])


class MessageIn(Strict):
    text: str = Field(min_length=1, max_length=20_000)
    source: SourceIn
    received_at: AwareInstant | None = None


def _extractor(request: Request, deps: Any) -> Extractor:
    """One extractor per territory, built on first use and kept on the app."""
    cached = getattr(request.app.state, "extractor", None)
    if cached is None or cached.territory is not deps.territory:
        cached = Extractor(deps.territory)
        request.app.state.extractor = cached
    return cached


@router.post("/messages", status_code=201)
def post_message(body: MessageIn, request: Request, deps: DepsDep, user: Operator) -> dict[str, Any]:
    """Read a message (English or Russian) and submit each event it reports as a report with its evidence.

    Each event's answer is what the pipeline did with it (regimes, alerts, or queued for review), or why
    it could not be placed in the territory.
    """
    received_at = body.received_at or deps.clock()
    hint = SourceHint(body.source.type, body.source.name)
    local_day = received_at.astimezone(zone(MOSCOW)).date()  # clock times in the text are read on this day
    events = _extractor(request, deps).extract(body.text, date=local_day, source=hint)
    results: list[dict[str, Any]] = []
    for event in events:
        item: dict[str, Any] = {"event": event.to_json()}
        try:
            item["outcome"] = services.submit_report(deps, draft(event, received_at, body.text), user).to_dict()
        except InvalidInput as exc:
            item["skipped"] = exc.to_dict()
        results.append(item)
    return {"received_at": received_at.isoformat(), "events": results}
