"""Public subscriptions: sign up with a point or districts and channels; prove each channel (an SMS code, a
webhook's echo of a challenge); read or cancel with the token. Rate-limited per client address."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from airwarn.api.auth import DepsDep
from airwarn.delivery import confirming
from airwarn.delivery import subscriptions as service
from airwarn.delivery.outbound import check_resolved
from airwarn.delivery.proofs import Code, Prover
from airwarn.delivery.ratelimit import RateLimiter
from airwarn.delivery.wiring import http_timeout_s, outbound_policy
from airwarn.errors import NotFound, Unavailable
from airwarn.service_layer.deps import Deps
from airwarn.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["subscriptions"])
HOUR_S, DAY_S = 3600, 86400


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChannelIn(Strict):
    channel: Literal["sms", "webhook", "webpush"]
    address: str | dict[str, Any] = Field(description="phone (E.164), https URL, or a Web Push PushSubscription")


class SubscriptionIn(Strict):
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    districts: list[str] = Field(default_factory=list, max_length=100)
    language: Literal["en", "ru", "uk"] = "en"
    channels: list[ChannelIn] = Field(min_length=1, max_length=3)
    threat_kinds: list[str] = Field(default_factory=list, max_length=10)
    min_severity: Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"] = "Minor"
    quiet_start: str | None = Field(None, max_length=5, description="HH:MM local time")
    quiet_end: str | None = Field(None, max_length=5)
    timezone: str | None = Field(None, max_length=64, description="IANA zone; default: the area's")
    accept_tests: bool = Field(False, description="also receive Test alerts (status Test)")


class TokenIn(Strict):
    token: str = Field(min_length=8, max_length=200)


class ConfirmIn(TokenIn):
    code: str | None = Field(None, max_length=16, description="the 4–8 digit code sent to the phone by SMS")


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _limiter(request: Request) -> RateLimiter:
    state = request.app.state
    if getattr(state, "subscription_limiter", None) is None:
        state.subscription_limiter = RateLimiter()
    return state.subscription_limiter  # type: ignore[no-any-return]


def _too_many(request: Request, key: str, limit: int, window_s: int, what: str) -> JSONResponse | None:
    """429 with Retry-After once `key` (an address, a phone) used up `limit` per `window_s`."""
    wait = _limiter(request).hit(key, limit, window_s)
    if wait is None:
        return None
    return JSONResponse({"error": "rate_limited", "message": f"too many {what}; try again in {wait} s"},
                        status_code=429, headers={"Retry-After": str(wait)})


def _client(request: Request, what: str) -> str:
    return f"{what}:{request.client.host if request.client else 'unknown'}"


def _prover(settings: Settings) -> Prover:
    return Prover(outbound_policy(settings), sms_url=settings.sms_url, sms_token=settings.sms_token,
                  webhook_key=settings.webhook_secret.encode() or None, timeout_s=http_timeout_s(settings))


async def _send_code(request: Request, prover: Prover, code: Code) -> str | None:
    settings = _settings(request)
    if _limiter(request).hit(f"phone:{code.phone}", settings.codes_per_phone_per_day, DAY_S) is not None:
        return "this number got as many codes as it may today; ask again tomorrow"
    return await prover.send_code(code)


async def _handshakes(deps: Deps, prover: Prover, sub_id: str, token: str) -> None:
    for hs in await run_in_threadpool(confirming.waiting_webhooks, deps, sub_id, token):
        await run_in_threadpool(confirming.handshake_done, deps, hs, await prover.handshake(hs))


@router.post("/subscriptions", status_code=201, response_model=None)
async def create_subscription(body: SubscriptionIn, deps: DepsDep, request: Request) -> dict[str, Any] | JSONResponse:
    """A subscription whose channels wait for proof: the code sent by SMS (confirm with it), a webhook's
    echo of the challenge POSTed to it now. Keep the token to read or cancel it; a webhook's secret is
    shown here only."""
    settings = _settings(request)
    limited = _too_many(request, _client(request, "subscribe"), settings.subscribe_per_hour, HOUR_S, "subscriptions")
    if limited is not None:
        return limited
    draft = service.SubscriptionDraft(**body.model_dump(exclude={"channels"}),
                                      channels=[c.model_dump() for c in body.channels])
    policy = outbound_policy(settings)
    for i, c in enumerate(body.channels):  # a name that resolves to a private address is refused now
        if c.channel == "webhook":
            await check_resolved(policy, c.address, f"channels[{i}].address")
        elif c.channel == "webpush" and isinstance(c.address, dict):
            await check_resolved(policy, c.address.get("endpoint"), f"channels[{i}].address.endpoint", push=True)
    created = await run_in_threadpool(service.subscribe, deps, draft, policy=policy,
                                      webhook_key=settings.webhook_secret.encode() or None)
    prover = _prover(settings)
    unsent = {code.phone: await _send_code(request, prover, code) for code in created.codes}
    token = created.view["token"]
    await _handshakes(deps, prover, created.view["id"], token)
    now = await run_in_threadpool(confirming.confirm_state, deps, created.view["id"], token)
    for entry in now["pending"]:
        if entry["channel"] == "sms":
            entry["code_sent"] = unsent.get(entry["address"]) is None
            if unsent.get(entry["address"]):
                entry["reason"] = unsent[entry["address"]]
    return {**created.view, **now}


@router.post("/subscriptions/{sub_id}/confirm", response_model=None)
async def confirm_subscription(sub_id: str, body: ConfirmIn, deps: DepsDep,
                               request: Request) -> dict[str, Any] | JSONResponse:
    """Prove the channels: `code` for the phone; each waiting webhook gets a new challenge."""
    limited = _too_many(request, _client(request, "verify"), _settings(request).verify_per_hour, HOUR_S,
                        "confirmations")
    if limited is not None:
        return limited
    await _handshakes(deps, _prover(_settings(request)), sub_id, body.token)
    return await run_in_threadpool(confirming.confirm, deps, sub_id, body.token, body.code)


@router.post("/subscriptions/{sub_id}/resend-code", response_model=None)
async def resend_code(sub_id: str, body: TokenIn, deps: DepsDep, request: Request) -> dict[str, Any] | JSONResponse:
    """A new code for the phone that waits (the earlier one stops working)."""
    limited = _too_many(request, _client(request, "verify"), _settings(request).verify_per_hour, HOUR_S,
                        "code requests")
    if limited is not None:
        return limited
    code = await run_in_threadpool(confirming.reissue_code, deps, sub_id, body.token)
    reason = await _send_code(request, _prover(_settings(request)), code)
    if reason is not None:
        raise Unavailable(reason, field="channels")
    return {"id": sub_id, "code_sent": True}


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
    """The subscription as stored, for its owner: state (`pending` until a channel is proven, `active`,
    `unsubscribed`, or `expired` once every channel is gone), channels, the channels still waiting for
    proof (`pending`), and `removed_channels` — each with the receiver's reason."""
    return service.subscription(deps, sub_id, token)
