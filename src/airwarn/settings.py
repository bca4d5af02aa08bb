"""Settings from the environment (AIRWARN_*), with defaults that run on one machine with nothing installed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from airwarn.errors import ConfigError, InvalidInput
from airwarn.rates import Rate

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
    sensor_solo_threats: str = Field("", description="regime kinds (comma-separated, e.g. missile_hazard,"
                                     "air_raid_ballistic_missiles) whose "
                                     "alerts a sensor account may issue without a second person; empty: none")
    future_tolerance_s: int = 300
    max_body_bytes: int = 1_048_576
    bus: str = Field("memory://", description="memory:// or nats://host:port")
    public_url: str = Field("http://127.0.0.1:8000", description="the base URL residents and receivers use; "
                            "links in the Atom feed are built from it, never from the Host header")
    # lifecycle (issue 10): alerts whose regime stays in force are renewed before their <expires>
    renew_every_s: float = Field(60.0, ge=0, description="how often `serve` renews alerts near expiry; 0: never")
    alert_lifetimes: str = Field("", description="CAP <expires> lifetimes in seconds that differ from the "
                                 "defaults, e.g. 'drone_hazard=7200,pre_alert=1800' (docs/lifecycle.md)")
    renew_before_s: float = Field(900.0, gt=0, description="renew an alert this long before it expires")
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
    sms_batch: int = Field(1, ge=1, le=500, description="SMS per request to the gateway's bulk form "
                           "({\"messages\": […]}, per-recipient results); 1: one request per SMS")
    mqtt_host: str = Field("", description="MQTT broker for sirens; empty: siren rows wait")
    mqtt_port: int = 1883
    vapid_private_key: str = Field("", description="Web Push VAPID private key (base64url raw, or a PEM file "
                                   "path); make one with `airwarn keys vapid`; empty: Web Push rows wait")
    vapid_subject: str = Field("mailto:alerts@authority.example", description="VAPID contact (mailto: or https:)")
    webpush_ttl_s: int = Field(3600, ge=0, description="how long a push service keeps an alert for an offline device")
    # audit (issue 10 item 9)
    audit_head_interval_s: float = Field(30.0, gt=0, le=60, description="how often a serving node signs the "
                                         "audit chain's head (seconds, at most 60)")
    region_hot_ms: float = Field(1000.0, ge=0, description="PostgreSQL: after two writes about one region "
                                 "conflicted, its writes wait for each other from the start for this long "
                                 "instead of deciding without a lock first (0: always try without)")
    audit_chain_every_ms: float = Field(0.0, ge=0, le=1000, description="PostgreSQL: a serving node links the "
                                        "audit records its writes committed at most this often, in one chainer "
                                        "run per batch (0, the default: one run after every commit, so a write's "
                                        "records are linked when it returns)")
    # outbound requests and subscriptions (issue 11)
    outbound_allow: str = Field("", description="comma-separated origins (http://10.0.0.5:8080) that webhooks "
                                "and push endpoints may use although they are http or not public")
    push_hosts: str = Field("", description="comma-separated push service hosts accepted besides FCM, Mozilla, "
                            "Apple and Windows")
    subscribe_per_hour: int = Field(10, ge=1, description="new subscriptions per client address per hour")
    verify_per_hour: int = Field(30, ge=1, description="confirm/resend attempts per client address per hour")
    codes_per_phone_per_day: int = Field(5, ge=1, description="verification SMS one phone number gets per day")
    siren_tests: bool = Field(False, description="send Test alerts to the sirens (their controllers opted in)")

    # threat tracks (issue 16)
    detections_nats: str = Field("", description="NATS JetStream URL to take sensor detections from "
                                 "(airwarn.detections.<region>); empty: HTTP only")
    detections_mqtt: str = Field("", description="MQTT broker host[:port] to take detections from "
                                 "(airwarn/detections/<region>); empty: none")
    track_regions: str = Field("", description="comma-separated regions this node tracks (empty: all)")

    @field_validator("detections_mqtt")
    @classmethod
    def _host_port(cls, value: str) -> str:
        _, _, port = value.partition(":")
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise ValueError("host or host:port, with a port from 1 to 65535")
        return value

    # hardening (issue 11): rates are COUNT/UNIT ("120/minute", "30/10min") or "unlimited"
    rate_address: str = Field("1200/minute", description="requests per client address (all routes)")
    rate_token: str = Field("600/minute", description="requests per API token (all routes)")
    rate_reports_address: str = Field("240/minute", description="POST /reports and /detections per address")
    rate_reports_token: str = Field("120/minute", description="POST /reports and /detections per token")
    rate_messages_address: str = Field("120/minute", description="POST /messages per address")
    rate_messages_token: str = Field("60/minute", description="POST /messages per token")
    rate_subscriptions_address: str = Field("30/10min", description="POST /subscriptions… per address")
    lockout_failures: int = Field(20, ge=1, description="bad tokens from one address within the window that "
                                  "lock it out")
    lockout_window_s: float = Field(60.0, gt=0, description="window in which bad tokens are counted")
    lockout_s: float = Field(300.0, gt=0, description="how long a locked address's token requests get 429")
    conn_per_address: int = Field(64, ge=1, description="open HTTP connections per client address")
    conn_total: int = Field(4096, ge=1, description="open HTTP connections in all")
    live_per_address: int = Field(2000, ge=1, description="open live-stream connections (WebSocket, SSE) per "
                                  "address (residents behind one carrier NAT share one)")
    live_total: int = Field(20000, ge=1, description="open live-stream connections in all")
    header_timeout_s: float = Field(10.0, gt=0, description="time to send a request's headers (Slowloris)")
    keepalive_timeout_s: float = Field(5.0, gt=0, description="idle time before a kept-alive connection closes")
    startup_timeout_s: float = Field(15.0, gt=0, description="a node that cannot reach its database or bus "
                                     "within this exits non-zero")
    shutdown_timeout_s: float = Field(8.0, gt=0, description="SIGTERM: time to drain requests before exit")
    health_timeout_s: float = Field(2.0, gt=0, description="/healthz: time a dependency has to answer")
    forwarded_allow_ips: str = Field("127.0.0.1", description="proxies whose X-Forwarded-For names the client "
                                     "(rate limits and lockout count that address); empty: trust none")

    @field_validator("rate_address", "rate_token", "rate_reports_address", "rate_reports_token",
                     "rate_messages_address", "rate_messages_token", "rate_subscriptions_address")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        try:
            Rate.parse(value)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_long_enough(cls, value: str) -> str:
        if value and len(value) < MIN_WEBHOOK_SECRET:
            raise ValueError(f"must be at least {MIN_WEBHOOK_SECRET} characters (or empty to send no webhooks)")
        return value


    @field_validator("outbound_allow")
    @classmethod
    def _origins(cls, value: str) -> str:
        """Each entry an origin (scheme://host[:port]), so a typo stops the node at start, not a subscriber."""
        from urllib.parse import urlsplit

        for entry in (e.strip() for e in value.split(",") if e.strip()):
            parts = urlsplit(entry)
            _ = parts.port  # a port that is not a number raises here
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/") \
                    or parts.query or parts.username:
                raise ValueError(f"{entry!r} is not an origin like https://hooks.example.org or http://10.0.0.5:8080")
        return value


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment; a bad value is a ConfigError that names its variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [f"AIRWARN_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg'].removeprefix('Value error, ')}"
                    for e in exc.errors()]
        raise ConfigError("; ".join(problems)) from None
