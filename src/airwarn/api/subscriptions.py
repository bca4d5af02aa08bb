"""Public subscriptions: sign up with a point or districts and channels; confirm, read or cancel with the token."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ConfigDict, Field

from airwarn.api.auth import DepsDep
from airwarn.delivery import subscriptions as service
from airwarn.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["subscriptions"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChannelIn(Strict):
    channel: Literal["sms", "webhook", "webpush"]
    address: str | dict[str, Any] = Field(description="phone (E.164), URL, or a Web Push PushSubscription")


class SubscriptionIn(Strict):
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    districts: list[str] = Field(default_factory=list, max_length=100)
    language: Literal["en", "ru"] = "en"
    channels: list[ChannelIn] = Field(min_length=1, max_length=10)
    threat_kinds: list[str] = Field(default_factory=list, max_length=10)
    min_severity: Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"] = "Minor"
    quiet_start: str | None = Field(None, max_length=5, description="HH:MM local time")
    quiet_end: str | None = Field(None, max_length=5)
    timezone: str | None = Field(None, max_length=64, description="IANA zone; default: the area's")


class TokenIn(Strict):
    token: str = Field(min_length=8, max_length=200)


@router.post("/subscriptions", status_code=201)
def create_subscription(body: SubscriptionIn, deps: DepsDep) -> dict[str, Any]:
    """A pending subscription; keep the token to confirm (start deliveries) or unsubscribe."""
    draft = service.SubscriptionDraft(**body.model_dump(exclude={"channels"}),
                                      channels=[c.model_dump() for c in body.channels])
    return service.subscribe(deps, draft)


@router.post("/subscriptions/{sub_id}/confirm")
def confirm_subscription(sub_id: str, body: TokenIn, deps: DepsDep) -> dict[str, Any]:
    return service.confirm(deps, sub_id, body.token)


@router.post("/subscriptions/{sub_id}/unsubscribe")
def unsubscribe(sub_id: str, body: TokenIn, deps: DepsDep) -> dict[str, Any]:
    return service.unsubscribe(deps, sub_id, body.token)


@lru_cache(maxsize=4)
def _public_key(private_key: str) -> str:
    from airwarn.delivery.channels.webpush import load_vapid, public_key

    return public_key(load_vapid(private_key))


@router.get("/subscriptions/webpush-key")
def webpush_key(request: Request) -> dict[str, str]:
    """The VAPID public key browsers pass to `PushManager.subscribe` as `applicationServerKey`."""
    private_key = request.app.state.settings.vapid_private_key
    if not private_key:
        raise NotFound("Web Push is not configured on this server (AIRWARN_VAPID_PRIVATE_KEY)", field="webpush")
    return {"public_key": _public_key(private_key)}


TokenHeader = Annotated[str, Header(alias="X-Subscription-Token", min_length=8, max_length=200,
                                    description="the token given at sign-up")]


@router.get("/subscriptions/{sub_id}")
def get_subscription(sub_id: str, deps: DepsDep, token: TokenHeader) -> dict[str, Any]:
    """The subscription as stored, for its owner: state (`pending`, `active`, `unsubscribed`, or `expired`
    once every channel is gone), channels, and `removed_channels` — each with the receiver's reason."""
    return service.subscription(deps, sub_id, token)
