"""Which subscriber URLs the outbound policy accepts, by their form (the address checks after resolution are
in tests/integration/test_outbound_guard.py), and the subscription endpoints' rate limiter."""

from __future__ import annotations

import ipaddress

import pytest

from airwarn.delivery.outbound import OutboundPolicy, is_public
from airwarn.delivery.ratelimit import RateLimiter
from airwarn.errors import InvalidInput


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
    "224.0.0.1", "255.255.255.255", "192.0.2.1", "::1", "::", "fe80::1", "fc00::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::", "64:ff9b::a00:1", "2001:db8::1",
])
def test_non_public_addresses(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(("url", "why"), [
    ("http://hooks.example.org/x", "https"),
    ("https://user@hooks.example.org/x", "user information"),
    ("https://hooks.example.org@127.0.0.1/", "user information"),
    ("https://localhost/", "public host"),
    ("https://intranet/", "public host"),
    ("https://127.1/", "canonical"),
    ("https://0x7f000001/", "canonical"),
    ("https://2130706433/", "canonical"),
    ("https://[::ffff:7f00:1]/", "non-public"),
    ("https://hooks.example.org\\@evil/", "backslashes"),
    ("https://hööks.example.org/", "ASCII"),
    ("https://hooks.example.org/" + "a" * 400, "400"),
    ("ftp://hooks.example.org/", "https"),
    (12, "https URL"),
])
def test_refused_urls_say_why(url: object, why: str) -> None:
    reason = OutboundPolicy().why_not(url)
    assert reason is not None and why in reason
    with pytest.raises(InvalidInput) as caught:
        OutboundPolicy().check_url(url, "channels[0].address")
    assert caught.value.field == "channels[0].address"


def test_an_allow_listed_origin_may_use_http_and_a_private_address_but_only_that_origin() -> None:
    policy = OutboundPolicy.from_settings("http://10.0.0.5:8080, https://hooks.partner.example")
    assert policy.why_not("http://10.0.0.5:8080/alerts") is None
    assert policy.why_not("http://10.0.0.5:8081/alerts") is not None  # another port
    assert policy.why_not("https://10.0.0.5:8080/alerts") is not None  # another scheme
    assert policy.why_not("https://hooks.partner.example/x") is None
    with pytest.raises(ValueError, match="origin"):
        OutboundPolicy.from_settings("http://10.0.0.5/some/path")


def test_push_endpoints_only_at_push_services() -> None:
    policy = OutboundPolicy.from_settings(push_hosts="push.example.org")
    assert policy.why_not("https://fcm.googleapis.com/fcm/send/x", push=True) is None
    assert policy.why_not("https://sub.push.example.org/x", push=True) is None
    assert "not a known push service" in (policy.why_not("https://evilpush.example.org/x", push=True) or "")
    assert "not a known push service" in (policy.why_not("https://fcm.googleapis.com.evil.example/", push=True)
                                          or "")


def test_the_limiter_allows_the_limit_then_says_how_long_to_wait() -> None:
    now = [1000.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert [limiter.hit("a", 2, 60) for _ in range(2)] == [None, None]
    assert limiter.hit("a", 2, 60) == 60 and limiter.hit("b", 2, 60) is None
    now[0] += 30
    assert limiter.hit("a", 2, 60) == 30
    now[0] += 31
    assert limiter.hit("a", 2, 60) is None
