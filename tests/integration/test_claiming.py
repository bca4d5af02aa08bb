"""A dispatcher's claims turn due rows into messages with their alert's signed CAP document, and it keeps only
the most recently used alerts' documents (a node used to keep every alert it ever sent)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from airwarn.delivery import claiming
from airwarn.delivery.claiming import Claimer
from airwarn.delivery.dispatcher import RetryPolicy
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from tests.fixtures.policies import IssueAlone


def test_claimed_rows_carry_their_alerts_document_and_only_the_newest_documents_are_kept(
    deps: Deps, operator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(claiming, "ALERTS_KEPT", 2)
    deps.approval = IssueAlone()
    alerts = []
    for kind in ("regime_declared", "regime_lifted", "regime_declared"):
        draft = ReportDraft(kind=kind, region="RU-ROS", source_type="official", regime="drone_hazard",
                            districts=["Millerovsky"])
        alerts.append(str(services.submit_report(deps, draft, operator).alerts[0]["identifier"]))
    now = datetime.now(UTC)
    with deps.uow.write() as repo:
        for i, alert_id in enumerate(alerts):
            repo.add_outbox(alert_id=alert_id, channel="test-claim", target=f"t{i}", reason="claim test", now=now)
        documents = {a: found[1] for a in alerts if (found := repo.alert(a))}

    claimer = Claimer(deps.uow.engine, {"test-claim": object()}, RetryPolicy(), lambda: datetime.now(UTC))
    messages = claimer.claim(10)

    assert sorted((m.identifier, m.target) for m in messages) == sorted((a, f"t{i}") for i, a in enumerate(alerts))
    assert all(m.xml == documents[m.identifier] and m.alert["identifier"] == m.identifier for m in messages)
    assert len(claimer._alerts) == 2
