"""Whatever an edge hands to intake, it returns a resolved report or raises InvalidInput naming a field."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from airwarn.domain.reports import RegimeKind, ReportKind, SourceType
from airwarn.errors import InvalidInput
from airwarn.service_layer.intake import ReportDraft, resolve
from tests.fixtures.territory import small_territory

TERRITORY = small_territory()
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)

names = st.one_of(st.text(max_size=30), st.sampled_from(["RU-ROS", "Миллеровский", "Upper Don", "RU-PNZ", "Carpet"]))
drafts = st.builds(
    ReportDraft,
    kind=st.one_of(st.sampled_from([k.value for k in ReportKind]), st.text(max_size=12)),
    region=names,
    source_type=st.one_of(st.sampled_from([s.value for s in SourceType]), st.text(max_size=8)),
    time=st.one_of(st.none(), st.datetimes(timezones=st.just(UTC)), st.datetimes()),
    districts=st.lists(names, max_size=4),
    point=st.one_of(st.none(), st.tuples(st.floats(allow_nan=True), st.floats(allow_nan=True))),
    count_value=st.one_of(st.none(), st.integers()),
    count_qualifier=st.text(max_size=10),
    certainty=st.one_of(st.none(), st.sampled_from(["Observed", "Likely", "Possible"]), st.text(max_size=8)),
    casualties=st.one_of(st.none(), st.integers()),
    regime=st.one_of(st.none(), st.sampled_from([r.value for r in RegimeKind]), st.text(max_size=8)),
    plan=st.one_of(st.none(), names),
    airport=st.one_of(st.none(), st.sampled_from(["URWW", "PEZ", "Volgograd airport"]), st.text(max_size=8)),
    status=st.one_of(st.sampled_from(["Actual", "Exercise", "Test"]), st.text(max_size=8)),
)


@settings(max_examples=400, deadline=None)
@given(drafts)
def test_intake_resolves_or_names_the_field(draft: ReportDraft) -> None:
    try:
        report = resolve(draft, TERRITORY, now=NOW, reported_by="fuzz")
    except InvalidInput as err:
        assert err.field, f"error without a field: {err.message}"
        return
    assert report.region in TERRITORY.regions
    assert all(code in TERRITORY.districts for code in report.districts)
    assert report.time.tzinfo is not None
