"""Commands that change the public picture: report, alerts approve/cancel/reject, regimes lift, measures end,
review confirm/dismiss. Each one is the node's API call (AIRWARN_URL + AIRWARN_TOKEN); there is no
direct-database path, so a command line can never issue what the node would not, or announce it later."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Optional
from urllib.parse import quote

import typer

from airwarn.cli.remote import call, require_node, token_of
from airwarn.errors import InvalidInput

TokenOpt = Annotated[Optional[str], typer.Option(help="API token (or $AIRWARN_TOKEN)")]  # noqa: UP045


def _act(command: str, path: str, token: str | None, body: dict[str, Any] | None = None) -> None:
    url = require_node(command)
    result = call("POST", path, token=token_of(token), json=body, url=url)
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))


def _id(value: str) -> str:
    return quote(value, safe="")


def register(app: typer.Typer, alerts: typer.Typer) -> None:
    app.command()(report)
    alerts.command("approve")(alerts_approve)
    alerts.command("cancel")(alerts_cancel)
    alerts.command("reject")(alerts_reject)
    regimes = typer.Typer(help="Threat regimes in force.", no_args_is_help=True)
    regimes.command("lift")(regimes_lift)
    app.add_typer(regimes, name="regimes")
    measures = typer.Typer(help="Measures in force (airport suspensions, internet restrictions, …).",
                           no_args_is_help=True)
    measures.command("end")(measures_end)
    from airwarn.cli.measures import add_commands  # list and keep

    add_commands(measures)
    app.add_typer(measures, name="measures")
    review = typer.Typer(help="The review queue of unconfirmed claims.", no_args_is_help=True)
    review.command("confirm")(review_confirm)
    review.command("dismiss")(review_dismiss)
    app.add_typer(review, name="review")


THREAT_HELP = ("an air-raid alert's threat (alert_declared, alert_lifted): drones | ballistic_missiles | "
               "cruise_missiles | guided_bombs | aircraft")


def report(
    kind: Annotated[str, typer.Argument(help="report kind, e.g. interception, regime_declared")],
    region: Annotated[str, typer.Argument(help="region ISO 3166-2 code or name")],
    district: Annotated[list[str], typer.Option("--district", "-d", help="district name (repeatable)")] = [],  # noqa: B006
    source: Annotated[str, typer.Option(help="official | media | witness | sensor")] = "official",
    source_name: Annotated[Optional[str], typer.Option(help="who says so")] = None,  # noqa: UP045
    certainty: Annotated[Optional[str], typer.Option(help="Observed | Likely | Possible | Unlikely | Unknown")] = None,  # noqa: UP045
    regime: Annotated[Optional[str], typer.Option(help="drone_hazard | missile_hazard | airspace_closed")] = None,  # noqa: UP045
    plan: Annotated[Optional[str], typer.Option(help="plan name, e.g. Carpet")] = None,  # noqa: UP045
    threat: Annotated[Optional[str], typer.Option(help=THREAT_HELP)] = None,  # noqa: UP045
    time: Annotated[Optional[str], typer.Option(help="ISO 8601 time (default now)")] = None,  # noqa: UP045
    text: Annotated[str, typer.Option(help="free text / evidence")] = "",
    status: Annotated[str, typer.Option(help="Actual | Exercise | Test")] = "Actual",
    token: TokenOpt = None,
) -> None:
    """Submit a report through the node (POST /api/v1/reports) and print what it changed (JSON)."""
    if time is not None:
        try:
            datetime.fromisoformat(time)
        except ValueError:
            raise InvalidInput(f"not an ISO 8601 time: {time!r}", field="--time") from None
    body: dict[str, Any] = {"kind": kind, "region": region, "districts": list(district),
                            "source": {"type": source, "name": source_name}, "text": text, "status": status}
    for key, value in (("certainty", certainty), ("regime", regime), ("plan", plan), ("time", time),
                       ("threat", threat)):
        if value is not None:
            body[key] = value
    _act("report", "/api/v1/reports", token, body)


def alerts_approve(identifier: str, token: TokenOpt = None) -> None:
    """Approve a held alert as the second person (POST /api/v1/alerts/{id}/approve)."""
    _act("alerts approve", f"/api/v1/alerts/{_id(identifier)}/approve", token)


def alerts_cancel(
    identifier: str,
    note: Annotated[str, typer.Option(help="why")] = "False alarm",
    token: TokenOpt = None,
) -> None:
    """False alarm: issue the CAP Cancel for an alert (POST /api/v1/alerts/{id}/cancel)."""
    _act("alerts cancel", f"/api/v1/alerts/{_id(identifier)}/cancel", token, {"note": note})


def alerts_reject(
    identifier: str,
    reason: Annotated[str, typer.Option(help="why the alert must not go out")],
    token: TokenOpt = None,
) -> None:
    """Reject a pending alert; what it proposed is dropped (POST /api/v1/alerts/{id}/reject)."""
    _act("alerts reject", f"/api/v1/alerts/{_id(identifier)}/reject", token, {"reason": reason})


def regimes_lift(
    regime_id: str,
    reason: Annotated[str, typer.Option(help="why")] = "",
    token: TokenOpt = None,
) -> None:
    """Lift a regime; its alert gets an all-clear (POST /api/v1/regimes/{id}/lift)."""
    _act("regimes lift", f"/api/v1/regimes/{_id(regime_id)}/lift", token, {"reason": reason})


def measures_end(
    measure_id: str,
    reason: Annotated[str, typer.Option(help="why")] = "",
    token: TokenOpt = None,
) -> None:
    """End a measure (POST /api/v1/measures/{id}/end)."""
    _act("measures end", f"/api/v1/measures/{_id(measure_id)}/end", token, {"reason": reason})


def review_confirm(
    report_id: str,
    certainty: Annotated[str, typer.Option(help="Observed | Likely")] = "Likely",
    token: TokenOpt = None,
) -> None:
    """Vouch for a queued claim (POST /api/v1/review/{id}/confirm)."""
    _act("review confirm", f"/api/v1/review/{_id(report_id)}/confirm", token, {"certainty": certainty})


def review_dismiss(
    report_id: str,
    reason: Annotated[str, typer.Option(help="why")] = "",
    token: TokenOpt = None,
) -> None:
    """Dismiss a queued claim (POST /api/v1/review/{id}/dismiss)."""
    _act("review dismiss", f"/api/v1/review/{_id(report_id)}/dismiss", token, {"reason": reason})
