"""Where subscriber-supplied URLs (webhooks, push endpoints) may point: public addresses over https only,
unless an administrator allow-lists an integrator's origin (AIRWARN_OUTBOUND_ALLOW).

Checked three times: when the URL is given (422 naming the field), when a connection is made (the
resolver hands aiohttp only addresses it has checked, and aiohttp connects to exactly those, so a DNS
answer that changes between check and connect cannot slip a private address in), and on every redirect.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from airwarn.errors import InvalidInput

#: Web Push services browsers use (FCM/Chrome, Mozilla, Apple, Windows): a host equal to or under these.
PUSH_HOSTS = ("fcm.googleapis.com", "android.googleapis.com", "push.services.mozilla.com",
              "push.apple.com", "notify.windows.com")
MAX_REDIRECTS = 3
MAX_URL_CHARS = 400

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(OSError):
    """A host resolved to an address outbound requests may not reach (raised inside the resolver)."""


def is_public(ip: IpAddress) -> bool:
    """A globally routable unicast address; an IPv6 address that embeds an IPv4 one (mapped, 6to4, Teredo,
    NAT64) is public only if that IPv4 address is too."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in ipaddress.IPv6Network("64:ff9b::/96"):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public(embedded):
            return False
        if ip.ipv4_mapped is not None:
            return True
    return bool(ip.is_global and not (ip.is_multicast or ip.is_private or ip.is_loopback or ip.is_link_local
                                      or ip.is_reserved or ip.is_unspecified))


def _ip(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return None


def _numeric(host: str) -> bool:
    """Legacy IPv4 spellings (127.1, 0x7f.1, 2130706433) that resolvers turn into addresses: a real host
    name's last label is never all digits nor hex."""
    last = host.rsplit(".", 1)[-1].lower()
    return last.isdigit() or last.startswith("0x")


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> Origin:
        parts = urlsplit(text.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/") \
                or parts.username or parts.query:
            raise ValueError(f"{text!r} is not an origin like https://hooks.example.org or http://10.0.0.5:8080")
        return cls(parts.scheme, parts.hostname.lower(), parts.port or _default_port(parts.scheme))


@dataclass(frozen=True)
class OutboundPolicy:
    """What outbound requests to subscriber URLs may reach: public https, plus allow-listed origins."""

    allow: tuple[Origin, ...] = ()
    push_hosts: tuple[str, ...] = PUSH_HOSTS

    @classmethod
    def from_settings(cls, allow: str = "", push_hosts: str = "") -> OutboundPolicy:
        """From AIRWARN_OUTBOUND_ALLOW (comma-separated origins) and AIRWARN_PUSH_HOSTS (extra hosts)."""
        origins = tuple(Origin.parse(a) for a in allow.split(",") if a.strip())
        extra = tuple(h.strip().lower().strip(".") for h in push_hosts.split(",") if h.strip())
        return cls(origins, PUSH_HOSTS + extra)

    def allowed(self, scheme: str, host: str, port: int) -> bool:
        """The administrator allow-listed this origin (it may use http and non-public addresses)."""
        return Origin(scheme, host.lower(), port) in self.allow

    def host_allowed(self, host: str, port: int) -> bool:
        return any(o.host == host.lower().rstrip(".") and o.port == port for o in self.allow)

    def check_url(self, url: object, where: str, *, push: bool = False) -> str:
        """The URL if outbound requests may go there (by its form and, for an IP literal, its address);
        else InvalidInput naming `where`. Host names are checked again, resolved, at connect time."""
        reason = self.why_not(url, push=push)
        if reason is not None:
            raise InvalidInput(reason, field=where)
        assert isinstance(url, str)
        return url

    def why_not(self, url: object, *, push: bool = False) -> str | None:
        """Why `url` may not be requested, or None when it may."""
        what = "push endpoint" if push else "webhook address"
        if not isinstance(url, str) or len(url) > (1000 if push else MAX_URL_CHARS):
            return f"{what} must be an https URL up to {1000 if push else MAX_URL_CHARS} characters"
        if not url.isascii() or any(c.isspace() or ord(c) < 32 or c == "\\" for c in url):
            return f"{what} must be plain ASCII without spaces or backslashes (use the punycode form of a name)"
        try:
            parts = urlsplit(url)
            port = parts.port or _default_port(parts.scheme)
        except ValueError as exc:
            return f"{what} is not a valid URL: {exc}"
        host = (parts.hostname or "").rstrip(".")
        if parts.scheme not in ("http", "https") or not host:
            return f"{what} must be an https URL with a host name"
        if "@" in parts.netloc or parts.username is not None:
            return f"{what} must not contain user information (user@host)"
        listed = self.allowed(parts.scheme, host, port)
        if parts.scheme != "https" and not listed:
            return f"{what} must use https (an administrator can allow-list an http origin: AIRWARN_OUTBOUND_ALLOW)"
        ip = _ip(host)
        if ip is not None and not listed and not is_public(ip):
            return f"{what} points to a non-public address ({ip}); only public addresses are reached"
        if ip is None and _numeric(host):
            return f"{what} host {host!r} is neither a canonical IP address nor a host name"
        if ip is None and not listed and (host == "localhost" or host.endswith(".localhost") or "." not in host):
            return f"{what} must name a public host, not {host!r}"
        if push and not listed and not any(host == h or host.endswith("." + h) for h in self.push_hosts):
            return (f"push endpoint host {host!r} is not a known push service "
                    f"({', '.join(self.push_hosts)}; more with AIRWARN_PUSH_HOSTS)")
        return None


class GuardedResolver(AbstractResolver):
    """Resolves like the system does, then refuses a host if any address it got is not public (unless the
    host is allow-listed): aiohttp connects only to the addresses returned here."""

    def __init__(self, policy: OutboundPolicy, inner: AbstractResolver | None = None) -> None:
        self.policy = policy
        self._inner = inner  # the system's resolver unless given; made on first use, inside the running loop

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        if self._inner is None:
            self._inner = ThreadedResolver()
        found = await self._inner.resolve(host, port, family)
        if self.policy.host_allowed(host, port):
            return found
        for entry in found:
            ip = _ip(entry["host"])
            if ip is None or not is_public(ip):
                raise BlockedAddress(f"{host} resolves to {entry['host']}, which is not a public address")
        return found

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()


async def check_resolved(policy: OutboundPolicy, url: object, where: str, *, push: bool = False,
                         timeout_s: float = 3.0, inner: AbstractResolver | None = None) -> None:
    """At subscription: InvalidInput naming `where` if the URL's host resolves to an address that is not
    public. A name that does not resolve now passes here; every connection checks it again anyway."""
    if not isinstance(url, str) or policy.why_not(url, push=push) is not None:
        return  # the form is wrong: the subscription's own checks say so
    parts = urlsplit(url)
    host, port = (parts.hostname or "").rstrip("."), parts.port or _default_port(parts.scheme)
    if _ip(host) is not None or policy.allowed(parts.scheme, host, port):
        return
    resolver = GuardedResolver(policy, inner)
    try:
        await asyncio.wait_for(resolver.resolve(host, port, socket.AF_UNSPEC), timeout_s)
    except BlockedAddress as exc:
        raise InvalidInput(f"{'push endpoint' if push else 'webhook address'}: {exc}", field=where) from None
    except (OSError, TimeoutError):
        return
    finally:
        await resolver.close()
