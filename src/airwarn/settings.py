"""Settings from the environment (AIRWARN_*), with defaults that run on one machine with nothing installed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from airwarn.errors import ConfigError

#: Shortest webhook secret accepted: receivers trust an HMAC only as far as its key is unguessable.
MIN_WEBHOOK_SECRET = 16


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AIRWARN_", extra="ignore")

    db: str = Field("sqlite:///airwarn.db", description="SQLAlchemy URL of the database")
    keys_dir: Path = Field(Path("airwarn-keys"), description="where the authority's signing key and the audit "
                           "key live; `airwarn keys init` creates them, nothing else does")
    sender: str = "airwarn@authority.example"
    sender_name_en: str = "Emergency Warning Authority"
    sender_name_ru: str = "Служба оповещения"
    approval_severity: str = Field("Severe", description="Actual and Exercise messages at or above (issue, "
                                   "update, cancel, all-clear) need a second person")
    auto_confirm_kinds: str = Field("", description="report kinds (comma-separated, e.g. explosion) that the "
                                    "opt-in auto-confirm policy confirms; empty (default): off")
    auto_confirm_min_reports: int = Field(3, ge=2, le=100, description="independent witness reports needed")
    auto_confirm_window_s: int = Field(600, ge=60, le=86_400, description="…within this many seconds, one district")
    sensor_solo_threats: str = Field("", description="regime kinds (comma-separated, e.g. missile_hazard) whose "
                                     "alerts a sensor account may issue without a second person; empty: none")
    future_tolerance_s: int = 300
    max_body_bytes: int = 1_048_576
    bus: str = Field("memory://", description="memory:// or nats://host:port")
    public_url: str = "http://127.0.0.1:8000"
    # delivery (issue 5)
    dispatch: bool = Field(True, description="run the outbox dispatcher inside `airwarn serve`")
    dispatch_concurrency: int = Field(256, ge=1, description="deliveries in flight per node")
    dispatch_timeout_s: float = Field(10.0, gt=0, description="one delivery attempt's time limit")
    dispatch_lease_s: float = Field(30.0, gt=0, description="a claimed delivery is sent again after this if "
                                    "its node died; keep it above the attempt timeout")
    webhook_secret: str = Field("", description="HMAC-SHA256 key for webhook signatures (at least 16 "
                                "characters); empty: webhook rows wait until it is set")
    sms_url: str = Field("", description="HTTP SMS gateway; empty: SMS rows wait until configured")
    sms_token: str = ""
    mqtt_host: str = Field("", description="MQTT broker for sirens; empty: siren rows wait")
    mqtt_port: int = 1883
    vapid_private_key: str = Field("", description="Web Push VAPID private key (base64url raw, or a PEM file "
                                   "path); make one with `airwarn keys vapid`; empty: Web Push rows wait")
    vapid_subject: str = Field("mailto:alerts@authority.example", description="VAPID contact (mailto: or https:)")
    webpush_ttl_s: int = Field(3600, ge=0, description="how long a push service keeps an alert for an offline device")
    # audit (issue 10 item 9)
    audit_head_interval_s: float = Field(30.0, gt=0, le=60, description="how often a serving node signs the "
                                         "audit chain's head (seconds, at most 60)")

    @field_validator("webhook_secret")
    @classmethod
    def _secret_long_enough(cls, value: str) -> str:
        if value and len(value) < MIN_WEBHOOK_SECRET:
            raise ValueError(f"must be at least {MIN_WEBHOOK_SECRET} characters (or empty to send no webhooks)")
        return value


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment; a bad value is a ConfigError that names its variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [f"AIRWARN_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg'].removeprefix('Value error, ')}"
                    for e in exc.errors()]
        raise ConfigError("; ".join(problems)) from None
