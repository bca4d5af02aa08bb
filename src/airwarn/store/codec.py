"""Domain objects to JSON-able dicts and back, for the alert body column and API responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airwarn.domain.alerts import Alert, AlertState, Area, Info, MsgType, Reference, Severity, Urgency
from airwarn.domain.reports import Certainty, Status
from airwarn.domain.territory import AreaFit, AreaPart


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _pdt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def info_to_dict(info: Info) -> dict[str, Any]:
    return {
        "language": info.language,
        "categories": list(info.categories),
        "event": info.event,
        "response_types": list(info.response_types),
        "urgency": info.urgency.value,
        "severity": info.severity.value,
        "certainty": info.certainty.value,
        "event_codes": [list(p) for p in info.event_codes],
        "effective": _dt(info.effective),
        "expires": _dt(info.expires),
        "sender_name": info.sender_name,
        "headline": info.headline,
        "description": info.description,
        "instruction": info.instruction,
        "parameters": [list(p) for p in info.parameters],
        "area_desc": info.area_desc,
    }


def info_from_dict(d: dict[str, Any]) -> Info:
    return Info(
        language=d["language"],
        categories=tuple(d["categories"]),
        event=d["event"],
        response_types=tuple(d["response_types"]),
        urgency=Urgency(d["urgency"]),
        severity=Severity(d["severity"]),
        certainty=Certainty(d["certainty"]),
        event_codes=tuple((a, b) for a, b in d["event_codes"]),
        effective=_pdt(d["effective"]),
        expires=_pdt(d["expires"]),
        sender_name=d["sender_name"],
        headline=d["headline"],
        description=d["description"],
        instruction=d["instruction"],
        parameters=tuple((a, b) for a, b in d["parameters"]),
        area_desc=d["area_desc"],
    )


def alert_to_dict(alert: Alert) -> dict[str, Any]:
    return {
        "identifier": alert.identifier,
        "sender": alert.sender,
        "sent": _dt(alert.sent),
        "status": alert.status.value,
        "msg_type": alert.msg_type.value,
        "scope": alert.scope,
        "references": [
            {"sender": r.sender, "identifier": r.identifier, "sent": _dt(r.sent)} for r in alert.references
        ],
        "note": alert.note,
        "state": alert.state.value,
        "region": alert.region,
        "districts": list(alert.districts),
        "created_by": alert.created_by,
        "approved_by": alert.approved_by,
        "authors": list(alert.authors),
        "regime_ids": list(alert.regime_ids),
        "report_id": alert.report_id,
        "level": alert.level,  # pre_alert | alert | all_clear (derived; read back from the infos)
        "infos": [info_to_dict(i) for i in alert.infos],
        "area": area_to_dict(alert.area),
        "warning_s": alert.area.warning_s,
        "territory_version": alert.area.territory_version or None,
        "area_fit": fit_to_dict(alert.area.fit),
    }


def fit_to_dict(fit: AreaFit | None) -> dict[str, Any] | None:
    """How far the CAP polygons stray from the districts (m), for the console."""
    if fit is None:
        return None
    return {
        "overshoot_m": fit.overshoot_m,
        "undershoot_m": fit.undershoot_m,
        "bound_m": fit.bound_m,
        "within_bound": fit.within_bound,
        "max_points": fit.max_points,
        "polygons": fit.polygons,
        "decimals": fit.decimals,
    }


def area_to_dict(area: Area) -> dict[str, Any]:
    return {
        "polygons": [[list(p) for p in ring] for ring in area.polygons],
        "geocodes": [list(g) for g in area.geocodes],
        "warning_s": area.warning_s,
        "territory_version": area.territory_version,
        "parts": [
            {
                "polygons": [[list(p) for p in ring] for ring in part.polygons],
                "districts": list(part.districts),
                "names": dict(part.names),
            }
            for part in area.parts
        ],
        "fit": fit_to_dict(area.fit),
    }


def area_from_dict(d: dict[str, Any]) -> Area:
    """Inverse of :func:`area_to_dict`; bodies stored before these fields existed read as before."""

    def rings(raw: list[Any]) -> tuple[tuple[tuple[float, float], ...], ...]:
        return tuple(tuple((p[0], p[1]) for p in ring) for ring in raw)

    fit = d.get("fit")
    return Area(
        polygons=rings(d["polygons"]),
        geocodes=tuple((a, b) for a, b in d["geocodes"]),
        warning_s=d.get("warning_s"),
        territory_version=d.get("territory_version") or "",
        parts=tuple(
            AreaPart(rings(p["polygons"]), tuple(p["districts"]), tuple((p.get("names") or {}).items()))
            for p in d.get("parts") or ()
        ),
        fit=AreaFit(
            overshoot_m=fit["overshoot_m"],
            undershoot_m=fit["undershoot_m"],
            bound_m=fit["bound_m"],
            max_points=fit["max_points"],
            polygons=fit["polygons"],
            decimals=fit["decimals"],
        )
        if fit
        else None,
    )


def alert_from_dict(d: dict[str, Any]) -> Alert:
    sent = _pdt(d["sent"])
    assert sent is not None
    return Alert(
        identifier=d["identifier"],
        sender=d["sender"],
        sent=sent,
        status=Status(d["status"]),
        msg_type=MsgType(d["msg_type"]),
        scope=d["scope"],
        references=tuple(
            Reference(r["sender"], r["identifier"], _pdt(r["sent"]) or sent) for r in d["references"]
        ),
        note=d["note"],
        state=AlertState(d["state"]),
        region=d["region"],
        districts=tuple(d["districts"]),
        created_by=d["created_by"],
        approved_by=d["approved_by"],
        authors=tuple(d.get("authors", ())),
        regime_ids=tuple(d["regime_ids"]),
        report_id=d["report_id"],
        infos=tuple(info_from_dict(i) for i in d["infos"]),
        area=area_from_dict(d["area"]),
    )
