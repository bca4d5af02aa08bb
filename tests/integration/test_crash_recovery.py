"""kill -9 a serving node while 500 webhook deliveries are in flight; after a restart every target has the
alert, and none has it under two different identifiers (repeats of the same identifier are at-least-once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.crash import crash_and_recover

TARGETS = 500


@pytest.mark.timeout(180)
def test_kill_9_during_webhook_delivery_loses_nothing_and_sends_under_one_identifier(tmp_path: Path) -> None:
    result = crash_and_recover(f"sqlite:///{tmp_path / 'crash.db'}", tmp_path, TARGETS)
    assert 0 < result.received_before_kill < TARGETS and result.pending_after_kill > 0  # killed mid-flight
    assert len(result.per_target) == TARGETS  # every target has the alert
    assert all(ids == {result.identifier} for ids in result.per_target.values())  # under one identifier
    assert result.requests == TARGETS + result.duplicates
    print(f"\ncrash: {result}")
