"""A composed drone-hazard alert for delivery tests."""

from __future__ import annotations

from datetime import UTC, datetime

from airwarn.domain.alerts import Alert, Authority
from airwarn.domain.composing import compose_regime_alert
from airwarn.domain.regimes import Regime
from airwarn.domain.reports import Certainty, RegimeKind, Status
from tests.fixtures.territory import small_territory

SENT = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)


def drone_alert(identifier: str = "airwarn-test-1", district: str = "RU-ROS-MILLEROVSKY") -> Alert:
    regime = Regime(id="reg-1", kind=RegimeKind.DRONE_HAZARD, region="RU-ROS", district=district,
                    declared_at=SENT, declared_by="olga", reason="test", status=Status.ACTUAL)
    return compose_regime_alert(identifier=identifier, authority=Authority(), sent=SENT,
                                territory=small_territory(), regimes=[regime], certainty=Certainty.OBSERVED)
