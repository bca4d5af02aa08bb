"""Request bodies. Shapes and types are checked here (422 naming the field); meaning is checked by services."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from airwarn.api.bounds import Instant
from airwarn.domain.reports import Certainty, Qualifier, RegimeKind, ReportKind, SourceType, Status
from airwarn.service_layer.intake import ReportDraft


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PointIn(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class CountIn(Strict):
    value: int = Field(ge=0, le=1_000_000)
    qualifier: Qualifier = Qualifier.EXACT


class SourceIn(Strict):
    type: SourceType
    name: str | None = Field(None, max_length=200)


class ReportIn(Strict):
    kind: ReportKind
    region: str = Field(min_length=2, max_length=100)
    districts: list[str] = Field(default_factory=list, max_length=100)
    point: PointIn | None = None
    count: CountIn | None = None
    time: Instant | None = None
    source: SourceIn
    certainty: Certainty | None = None
    casualties: int | None = Field(None, ge=0, le=1_000_000)
    damage: bool | None = None
    regime: RegimeKind | None = None
    plan: str | None = Field(None, max_length=100)
    airport: str | None = Field(None, max_length=100)
    text: str = Field("", max_length=20_000)
    status: Status = Status.ACTUAL
    threat: str | None = Field(None, max_length=40, description="an air-raid alert's threat (alert_declared, "
                               "alert_lifted): drones, ballistic_missiles, cruise_missiles, guided_bombs, aircraft")

    def draft(self) -> ReportDraft:
        return ReportDraft(
            kind=self.kind.value, region=self.region, source_type=self.source.type.value,
            source_name=self.source.name, time=self.time, districts=list(self.districts),
            point=(self.point.lat, self.point.lon) if self.point else None,
            count_value=self.count.value if self.count else None,
            count_qualifier=self.count.qualifier.value if self.count else "exact",
            certainty=self.certainty.value if self.certainty else None, casualties=self.casualties,
            damage=self.damage, regime=self.regime.value if self.regime else None, plan=self.plan,
            airport=self.airport, text=self.text, status=self.status.value, threat=self.threat,
        )


class ConfirmIn(Strict):
    certainty: Certainty = Certainty.LIKELY


class ReasonIn(Strict):
    reason: str = Field("", max_length=2000)


class CancelIn(Strict):
    note: str = Field("False alarm", min_length=1, max_length=2000)


class DeclareIn(Strict):
    kind: RegimeKind
    region: str = Field(min_length=2, max_length=100)
    districts: list[str] = Field(default_factory=list, max_length=100)
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S",
                        description="why it is declared (required: it goes to the audit and the alert's record)")
    status: Status = Status.ACTUAL


class RejectIn(Strict):
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S", description="why the alert is refused")


class PlanIn(Strict):
    region: str = Field(min_length=2, max_length=100)
    plan: str = Field(min_length=1, max_length=100)
    status: Status = Status.ACTUAL
