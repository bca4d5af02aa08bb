"""Security headers on every HTTP response: a strict Content-Security-Policy, no framing, no sniffing.

The pages load only their own scripts (`script-src 'self'`, no inline script, no eval); their configuration is
a `<script type="application/json">` block, which a browser never executes. Map tiles come from the server
itself or from the one tile server an administrator configures (`AIRWARN_TILE_URL`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Headers that do not depend on configuration (also sent with the last-resort 500).
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"),
)


def tile_source(tile_url: str) -> str | None:
    """The CSP source that admits a Leaflet tile URL template (`{s}` subdomains become `*`); None if unusable."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return None
    host = parts.netloc.replace("{s}", "*")
    if "{" in host or "}" in host or any(c in host for c in " ;,'\""):
        return None
    return f"{parts.scheme}://{host}"


def content_security_policy(tile_url: str = "") -> str:
    """The policy every page is served with; only a configured tile server is added to `img-src`."""
    images = ["'self'", "data:"]
    tiles = tile_source(tile_url)
    if tiles:
        images.append(tiles)
    directives = [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "connect-src 'self'",  # CSP 3: 'self' also admits ws:/wss: to this host (the live stream)
        f"img-src {' '.join(images)}",
        # stylesheets only from the server; style="" attributes (the pages' layout, Leaflet) are allowed —
        # they cannot run script
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "worker-src 'self'",
        "manifest-src 'self'",
    ]
    return "; ".join(directives)


def header_list(public_url: str, tile_url: str | None = None) -> list[tuple[bytes, bytes]]:
    """Every security header as raw ASGI pairs; HSTS only when the public URL is https."""
    tiles = os.environ.get("AIRWARN_TILE_URL", "") if tile_url is None else tile_url
    pairs: list[tuple[str, str]] = [("Content-Security-Policy", content_security_policy(tiles)), *SECURITY_HEADERS]
    if public_url.startswith("https://"):
        pairs.append(("Strict-Transport-Security", "max-age=31536000"))
    return [(k.lower().encode(), v.encode()) for k, v in pairs]


class SecurityHeaders:
    """ASGI middleware: adds the security headers to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp, headers: Iterable[tuple[bytes, bytes]]) -> None:
        self.app = app
        self.headers = list(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
