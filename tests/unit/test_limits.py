"""The building blocks of issue 11's limits, with a fake clock: rates, token buckets, the lockout, the
connection budget, and masking secrets in printed URLs."""

from __future__ import annotations

import pytest

from airwarn.api.connguard import ConnectionBudget, ConnectionLimits
from airwarn.api.headers import content_security_policy, tile_source
from airwarn.api.limits import Lockout, RateLimiter
from airwarn.errors import InvalidInput, RateLimited
from airwarn.rates import Rate
from airwarn.redact import mask_secrets, mask_url


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("text", "count", "period_s"), [
    ("120/minute", 120, 60), ("30/10min", 30, 600), ("5/s", 5, 1), ("1000/hour", 1000, 3600), ("2/1.5s", 2, 1.5)])
def test_rates_read_as_written(text: str, count: int, period_s: float) -> None:
    assert Rate.parse(text) == Rate(count, period_s)


@pytest.mark.parametrize("text", ["", "lots", "0/minute", "5/fortnight", "5/0s", "./s", "-1/s"])
def test_bad_rates_name_the_setting(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Rate.parse(text, field="AIRWARN_RATE_TOKEN")
    assert caught.value.field == "AIRWARN_RATE_TOKEN"


def test_unlimited_is_no_rate() -> None:
    assert Rate.parse("unlimited") is None


def test_a_bucket_allows_its_burst_then_refills_evenly() -> None:
    clock = Clock()
    limiter = RateLimiter(Rate(3, 60), clock=clock)
    assert [limiter.hit("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.hit("a") == pytest.approx(20.0)  # one token every 20 s
    assert limiter.hit("b") == 0.0  # keys are apart
    clock.now += 20
    assert limiter.hit("a") == 0.0
    assert limiter.hit("a") > 0
    with pytest.raises(RateLimited) as caught:
        limiter.check("a", "reports")
    assert caught.value.retry_after_s == 20 and caught.value.status_code == 429


def test_a_limiter_forgets_the_oldest_keys_beyond_its_bound() -> None:
    limiter = RateLimiter(Rate(1, 60), max_keys=2, clock=Clock())
    for key in ("a", "b", "c"):
        limiter.hit(key)
    assert limiter.hit("a") == 0.0  # forgotten: starts full again
    assert limiter.hit("c") > 0


def test_the_lockout_begins_once_and_ends_by_itself() -> None:
    clock = Clock()
    lockout = Lockout(failures=3, window_s=60, lock_s=300, clock=clock)
    assert [lockout.fail("x") for _ in range(3)] == [False, False, True]
    assert lockout.locked_for("x") == pytest.approx(300)
    assert lockout.fail("x") is False  # already locked: no second start, no second audit record
    assert lockout.locked_for("y") == 0.0
    clock.now += 301
    assert lockout.locked_for("x") == 0.0


def test_failures_outside_the_window_do_not_add_up() -> None:
    clock = Clock()
    lockout = Lockout(failures=3, window_s=60, lock_s=300, clock=clock)
    for _ in range(10):
        assert lockout.fail("x") is False
        clock.now += 31  # two in any minute, never three
    assert lockout.locked_for("x") == 0.0


def test_the_connection_budget_keeps_live_clients_apart() -> None:
    budget = ConnectionBudget(ConnectionLimits(per_address=2, total=3, live_per_address=2, live_total=3,
                                               header_timeout_s=10))
    assert budget.admit(1, "a") is None and budget.admit(2, "a") is None
    assert "from a" in (budget.admit(3, "a") or "")
    assert budget.to_live(1) is None  # a live client frees its place among ordinary connections
    assert budget.admit(4, "a") is None
    assert budget.admit(5, "b") is None
    assert "on this node" in (budget.admit(6, "c") or "")
    assert budget.to_live(2) is None
    assert "live-stream" in (budget.to_live(4) or "")  # two live from a already
    budget.release(1)
    budget.release(1)  # twice is harmless
    assert budget.to_live(4) is None
    assert budget.counts() == {"open": 1, "live": 2, "refused": 3}


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql+psycopg://airwarn:s3cret@db:5432/aw", "postgresql+psycopg://airwarn:***@db:5432/aw"),
    ("nats://user:pw@bus:4222?stream=AIRWARN", "nats://user:***@bus:4222?stream=AIRWARN"),
    ("postgresql://db/aw?password=s3cret&sslmode=require", "postgresql://db/aw?password=***&sslmode=require"),
    ("sqlite:///airwarn.db", "sqlite:///airwarn.db"),
    ("http://user@host/", "http://user@host/"),
])
def test_urls_are_printed_without_their_password(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_secrets_inside_free_text_are_masked() -> None:
    text = "connection to postgresql://a:hunter2@db failed: password=hunter2 host=db"
    assert "hunter2" not in mask_secrets(text)
    assert "postgresql://a:***@db" in mask_secrets(text)


def test_only_a_usable_tile_url_widens_the_policy() -> None:
    assert tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    for bad in ("", "javascript:alert(1)", "https://a.example;script-src *", "https://u:p@a.example/{z}"):
        assert tile_source(bad) is None, bad
    assert "script-src *" not in content_security_policy("https://a.example;script-src *")
