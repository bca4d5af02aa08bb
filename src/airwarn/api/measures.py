"""Ending measures and keeping them in force past their regimes (the list is GET /api/v1/measures)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from airwarn import lifecycle
from airwarn.api.auth import DepsDep, Operator
from airwarn.api.schemas import Strict

router = APIRouter(prefix="/api/v1", tags=["measures"])


class EndMeasureIn(Strict):
    reason: str = Field(min_length=1, max_length=2000, description="why it ends, e.g. 'mobile internet restored'")


class KeepMeasureIn(Strict):
    keep: bool = Field(description="true: stays in force after its regimes are lifted; false: ends with them")
    reason: str = Field("", max_length=2000)


@router.post("/measures/{measure_id}/end")
def end_measure(measure_id: str, body: EndMeasureIn, deps: DepsDep, user: Operator) -> dict[str, Any]:
    """End a measure in force (internet restored, stay-indoors lifted, airport resumed); audited."""
    return lifecycle.end_measure(deps, measure_id, user, body.reason).to_dict()


@router.post("/measures/{measure_id}/keep")
def keep_measure(measure_id: str, body: KeepMeasureIn, deps: DepsDep, user: Operator) -> dict[str, Any]:
    """Keep a measure in force when the regimes it came with end (or let it end with them again); audited."""
    return lifecycle.keep_measure(deps, measure_id, user, body.keep, body.reason)
