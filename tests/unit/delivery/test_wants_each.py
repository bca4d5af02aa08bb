"""The per-subscriber form of the preference rule gives exactly what `wants` gives, subscriber by subscriber."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from airwarn.domain.alerts import Alert, MsgType, Severity, Urgency
from airwarn.domain.reports import Status
from airwarn.domain.targeting import Preferences, wants, wants_each
from tests.unit.delivery.alerts import drone_alert

ZONES = ("UTC", "Europe/Moscow", "Asia/Yekaterinburg", "America/New_York")
KINDS = ("drone_hazard", "missile_hazard", "airspace_closed", "airport")

preferences = st.builds(
    Preferences,
    threat_kinds=st.lists(st.sampled_from(KINDS), max_size=3, unique=True).map(tuple),
    min_severity=st.sampled_from(list(Severity)),
    quiet_start=st.none() | st.times().map(lambda t: time(t.hour, t.minute)),
    quiet_end=st.none() | st.times().map(lambda t: time(t.hour, t.minute)),
    timezone=st.sampled_from(ZONES),
)


@st.composite
def alerts(draw: st.DrawFn) -> Alert:
    """The drone alert varied in everything the rule reads: status, type, severity, urgency, time."""
    base = drone_alert()
    severity = draw(st.sampled_from(list(Severity)))
    urgency = draw(st.sampled_from(list(Urgency)))
    infos = tuple(replace(i, severity=severity, urgency=urgency) for i in base.infos)
    sent = datetime(2026, 11, 23, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 2 * 24 * 60)),
                                                           seconds=draw(st.integers(0, 59)))
    return replace(base, infos=infos, sent=sent, status=draw(st.sampled_from(list(Status))),
                   msg_type=draw(st.sampled_from([MsgType.ALERT, MsgType.UPDATE, MsgType.CANCEL])))


@settings(max_examples=200, deadline=None)
@given(profiles=st.lists(preferences, min_size=1, max_size=12), alert=alerts(), data=st.data())
def test_wants_each_agrees_with_wants_for_every_subscriber(profiles: list[Preferences], alert: Alert,
                                                           data: st.DataObject) -> None:
    profile_of = np.array(data.draw(st.lists(st.integers(0, len(profiles) - 1), max_size=50)), dtype=np.int64)
    got = wants_each(profiles, profile_of, alert, alert.sent)
    assert got.tolist() == [wants(profiles[p], alert, alert.sent) for p in profile_of.tolist()]


def test_an_empty_population_wants_nothing() -> None:
    alert = drone_alert()
    assert wants_each([Preferences()], np.empty(0, dtype=np.int64), alert, alert.sent).tolist() == []
