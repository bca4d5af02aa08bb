"""The order an expanded shard's rows are written in: channels take turns in runs, each keeping its order."""

from __future__ import annotations

import pytest

from airwarn.delivery import expansion
from airwarn.service_layer.deps import TargetColumn


def test_channels_take_turns_in_runs_and_each_keeps_its_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(expansion, "INTERLEAVE_ROWS", 2)
    sms = TargetColumn("sms", "r", ["a", "b", "c", "d", "e"])
    hook = TargetColumn("webhook", "r", ["x"])
    push = TargetColumn("webpush", "r", [])
    got = expansion.interleaved([sms, hook, push])
    assert [(c, list(t)) for c, _, t in got] == [("sms", ["a", "b"]), ("webhook", ["x"]), ("sms", ["c", "d"]),
                                                  ("sms", ["e"])]
    assert expansion.interleaved([]) == []
