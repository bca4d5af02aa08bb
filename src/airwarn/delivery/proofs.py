"""Proof that a subscriber owns what they gave before anything is sent there: a numeric code sent to a phone
through the SMS gateway, and a challenge a webhook endpoint must echo (checked like any outbound request)."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from airwarn.delivery.channels.base import DeliveryError
from airwarn.delivery.channels.http import HttpPoster
from airwarn.delivery.channels.sms import SmsChannel
from airwarn.delivery.channels.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, sign, subscriber_secret
from airwarn.delivery.outbound import OutboundPolicy

CODE_DIGITS = 6
CODE_TTL_S = 15 * 60
CODE_TRIES = 5
CHALLENGE_HEADER = "X-Airwarn-Challenge"

CODE_TEXT = {
    "en": "airwarn code {code}: it confirms alerts to this number. Ignore it if you did not ask.",
    "ru": "Код airwarn {code}: подтверждает оповещения на этот номер. Если вы не просили, не отвечайте.",
    "uk": "Код airwarn {code}: підтверджує сповіщення на цей номер. Якщо ви не просили, не відповідайте.",
}


@dataclass(frozen=True)
class Code:
    """A code to send to `phone` for subscription `sub_id` (never returned by the API)."""

    sub_id: str
    phone: str
    code: str
    language: str = "en"


@dataclass(frozen=True)
class Handshake:
    """A webhook of subscription `sub_id` that must echo a challenge; `key` derives its secret."""

    sub_id: str
    url: str
    key: str


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(sub_id: str, code: str) -> str:
    return hashlib.sha256(f"{sub_id}:{code}".encode()).hexdigest()


def public_pending(entry: dict[str, Any]) -> dict[str, Any]:
    """A waiting channel as its owner may see it: what it needs, never the code's hash or the key."""
    view = {"channel": entry["channel"], "address": entry["address"]}
    if entry["channel"] == "sms":
        view |= {"needs": "code", "code_sent_at": entry.get("code_sent_at")}
    else:
        view |= {"needs": "challenge", "last_error": entry.get("last_error")}
    return view


def echoed(body: bytes, challenge: str) -> bool:
    """The answer is the challenge itself, or JSON whose "challenge" is it."""
    text = body.decode("utf-8", "replace").strip()
    if secrets.compare_digest(text.encode(), challenge.encode()):
        return True
    try:
        got = json.loads(text)
    except ValueError:
        return False
    return isinstance(got, dict) and isinstance(got.get("challenge"), str) \
        and secrets.compare_digest(got["challenge"].encode(), challenge.encode())


class Prover:
    """Sends codes and challenges. Each call opens and closes its own connections: they are rare."""

    def __init__(self, policy: OutboundPolicy, *, sms_url: str = "", sms_token: str = "",
                 webhook_key: bytes | None = None, timeout_s: float = 5.0) -> None:
        self.policy = policy
        self.sms_url, self.sms_token = sms_url, sms_token
        self.webhook_key = webhook_key
        self.timeout_s = timeout_s

    async def send_code(self, code: Code) -> str | None:
        """None once the gateway took the code, else why not."""
        if not self.sms_url:
            return "no SMS gateway is configured on this server (AIRWARN_SMS_URL); ask for a new code later"
        sms = SmsChannel(self.sms_url, self.sms_token, timeout_s=self.timeout_s, connections=4)
        try:
            await sms.send_code(code.phone, CODE_TEXT.get(code.language, CODE_TEXT["en"]).format(code=code.code))
        except (DeliveryError, OSError) as exc:
            return f"the SMS gateway did not take the code: {exc}"
        finally:
            await sms.aclose()
        return None

    async def handshake(self, hs: Handshake) -> str | None:
        """POST a fresh challenge (signed with the subscriber's secret); None if the endpoint echoed it."""
        if not self.webhook_key:
            return "webhooks are not enabled on this server (AIRWARN_WEBHOOK_SECRET)"
        challenge = secrets.token_urlsafe(24)
        body = json.dumps({"type": "verification", "subscription": hs.sub_id, "challenge": challenge}).encode()
        secret = subscriber_secret(self.webhook_key, hs.sub_id, hs.key).encode()
        headers = {"Content-Type": "application/json", CHALLENGE_HEADER: challenge,
                   SIGNATURE_HEADER: sign(secret, body), DELIVERY_HEADER: f"verify-{secrets.token_hex(8)}"}
        http = HttpPoster(self.timeout_s, 4, policy=self.policy)
        try:
            answer = await http.exchange(hs.url, body, headers)
        except DeliveryError as exc:
            return f"the webhook could not be reached: {exc}"
        finally:
            await http.aclose()
        if not 200 <= answer.status < 300:
            return f"the webhook answered {answer.status} to the challenge"
        if not echoed(answer.body, challenge):
            return "the webhook did not echo the challenge (answer it with the challenge as the body)"
        return None
