"""What every channel and live client gets of an alert: its summary, and per language the headline,
instruction, event and warning sentence. Built from the alert alone, so issuing and the dispatcher share it."""

from __future__ import annotations

from typing import Any

from airwarn.domain.alerts import Alert
from airwarn.domain.warning_time import warning_sentence


def live_payload(alert: Alert) -> dict[str, Any]:
    """The alert summary every channel gets, with headline and instruction per language."""
    texts = {i.language[:2]: {"headline": i.headline, "instruction": i.instruction, "event": i.event,
                              "warning": warning_sentence(i.language, alert.area.warning_s, i.response_types)}
             for i in alert.infos}
    return {**summary(alert), "urgency": alert.infos[0].urgency.value if alert.infos else None,
            "texts": texts, "warning_s": alert.area.warning_s}


def summary(alert: Alert) -> dict[str, Any]:
    return {
        "identifier": alert.identifier,
        "msg_type": alert.msg_type.value,
        "status": alert.status.value,
        "state": alert.state.value,
        "severity": alert.severity.value,
        "headline": alert.headline,
        "region": alert.region,
        "districts": list(alert.districts),
        "sent": alert.sent.isoformat(),
        "references": [r.identifier for r in alert.references],
        "level": alert.level,
        "urgency": alert.infos[0].urgency.value if alert.infos else None,
        "expires": alert.expires.isoformat() if alert.expires else None,
    }
