"""Web Push (RFC 8030) with VAPID (RFC 8292): the payload is encrypted for the browser per RFC 8291
(aes128gcm, pywebpush/http_ece) and POSTed to the subscription's push-service endpoint.

The address is the browser's PushSubscription: ``{"endpoint": URL, "keys": {"p256dh": …, "auth": …}}``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from pywebpush import WebPusher

from airwarn.delivery.channels.base import DeliveryError, Gone, Message, Refused, drill_prefix
from airwarn.delivery.channels.http import HttpPoster
from airwarn.delivery.outbound import OutboundPolicy

#: What the encrypted record may carry: 4096 bytes minus the aes128gcm header (86) and tag/padding (17).
MAX_PLAINTEXT = 3993
JWT_LIFETIME_S = 12 * 3600
JWT_RENEW_S = 3600  # sign a new token when the cached one has less than this left


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_vapid(key: str) -> Vapid02:
    """A VAPID key from a PEM/DER file path, or from the base64url raw (32-byte) or DER string."""
    from airwarn.errors import ConfigError

    try:
        if os.path.isfile(key):
            return Vapid02.from_file(key)
        return Vapid02.from_string(key.strip())
    except Exception as exc:
        raise ConfigError(f"AIRWARN_VAPID_PRIVATE_KEY is not a usable P-256 key: {exc}") from None


def generate_vapid() -> tuple[str, str]:
    """A new key pair: (private key as base64url raw 32 bytes, public key as the browser's
    ``applicationServerKey``, base64url of the uncompressed point)."""
    vapid = Vapid02()
    vapid.generate_keys()
    number = vapid.private_key.private_numbers().private_value
    return b64url(number.to_bytes(32, "big")), public_key(vapid)


def public_key(vapid: Vapid02) -> str:
    point = vapid.public_key.public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.UncompressedPoint)
    return b64url(point)


def push_payload(message: Message, public_url: str = "") -> bytes:
    """The JSON the service worker shows: headline and instruction in the subscriber's language; a drill's
    headline begins with its marker ("EXERCISE — " …)."""
    a = message.alert
    info = a.get("texts", {}).get(message.language) or {}
    body: dict[str, Any] = {
        "identifier": message.identifier, "delivery": message.delivery_id, "status": message.status,
        "msg_type": a.get("msg_type"), "severity": a.get("severity"),
        "urgency": a.get("urgency"), "region": a.get("region"), "districts": a.get("districts", []),
        "sent": a.get("sent"), "headline": drill_prefix(message.status, message.language) + message.headline(),
        "instruction": info.get("instruction") or "", "language": message.language,
        "warning_s": a.get("warning_s"), "warning": info.get("warning") or "",
    }
    if public_url:
        body["url"] = f"{public_url.rstrip('/')}/api/v1/alerts/{message.identifier}.xml"
    data = json.dumps(body, ensure_ascii=False).encode()
    while len(data) > MAX_PLAINTEXT and body["instruction"]:  # keep the headline whole, cut the rest
        body["instruction"] = body["instruction"][: len(body["instruction"]) // 2] + "…"
        data = json.dumps(body, ensure_ascii=False).encode()
    return data


def push_urgency(alert: dict[str, Any]) -> str:
    """RFC 8030 Urgency: `high` wakes the device for Immediate/Extreme alerts and all-clears."""
    if alert.get("msg_type") in ("Update", "Cancel") or alert.get("urgency") == "Immediate" \
            or alert.get("severity") == "Extreme":
        return "high"
    return "normal"


def push_topic(identifier: str) -> str:
    """RFC 8030 Topic (≤ 32 base64url chars): a re-sent copy of one alert replaces the queued one."""
    return b64url(hashlib.sha256(identifier.encode()).digest())[:32]


class WebPushChannel:
    name = "webpush"

    def __init__(self, private_key: str, subject: str, *, public_url: str = "", ttl_s: int = 3600,
                 policy: OutboundPolicy | None = None, timeout_s: float = 5.0, connections: int = 256) -> None:
        self.vapid = load_vapid(private_key)
        self.public_key = public_key(self.vapid)
        self.subject = subject
        self.public_url = public_url
        self.ttl_s = ttl_s
        self.policy = policy or OutboundPolicy()
        self.http = HttpPoster(timeout_s, connections, policy=self.policy)
        self._tokens: dict[str, tuple[float, str]] = {}  # audience → (expires, Authorization)

    def authorization(self, endpoint: str) -> str:
        """``vapid t=<JWT>,k=<public key>`` for the endpoint's origin, signed once per ~11 hours."""
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        cached = self._tokens.get(audience)
        if cached and cached[0] - now > JWT_RENEW_S:
            return cached[1]
        expires = int(now) + JWT_LIFETIME_S
        header = self.vapid.sign({"aud": audience, "exp": expires, "sub": self.subject})["Authorization"]
        self._tokens[audience] = (expires, header)
        return str(header)

    async def send(self, message: Message) -> None:
        sub = message.address
        if not isinstance(sub, dict) or not isinstance(sub.get("endpoint"), str):
            raise Gone("webpush target has no PushSubscription: the subscription no longer has this channel")
        refused = self.policy.why_not(sub["endpoint"], push=True)
        if refused is not None:
            raise Refused(refused)
        try:
            body = WebPusher(sub).encode(push_payload(message, self.public_url), "aes128gcm")["body"]
        except Exception as exc:  # bad keys in the stored subscription: retrying will not help
            raise Gone(f"cannot encrypt for this subscription: {exc}") from None
        headers = {
            "Authorization": self.authorization(sub["endpoint"]),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(self.ttl_s),
            "Urgency": push_urgency(message.alert),
            "Topic": push_topic(message.identifier),
        }
        status = await self.http.post(sub["endpoint"], body, headers)
        if status in (404, 410):
            raise Gone(f"push subscription expired ({status})")
        if status >= 300:
            raise DeliveryError(f"push service answered {status}")

    async def aclose(self) -> None:
        await self.http.aclose()
