from __future__ import annotations

import json
from pathlib import Path

import pytest

from airwarn.errors import InvalidInput
from airwarn.shelters.registry import load_registry, parse_csv

HEADER = "# synthetic\nid,name,lat,lon,capacity,open,opening\n"


def test_reads_csv_with_comments_and_quoted_fields() -> None:
    sites = parse_csv(HEADER + 'A,Alpha,60.1,24.9,120,yes,"on alert, by the manager"\nB,,60.2,24.8,,no,\n')
    assert [s.id for s in sites] == ["A", "B"]
    assert sites[0].opening == "on alert, by the manager" and sites[0].capacity == 120
    assert sites[1].name == "B" and sites[1].capacity is None and sites[1].open is False


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("C,Gamma,91,24.9,10,yes,", "row 4, lat"),
        ("C,Gamma,60.1,east,10,yes,", "row 4, lon"),
        ("C,Gamma,60.1,24.9,many,yes,", "row 4, capacity"),
        ("C,Gamma,60.1,24.9,-3,yes,", "row 4, capacity"),
        ("C,Gamma,60.1,24.9,10,maybe,", "row 4, open"),
        (",Gamma,60.1,24.9,10,yes,", "row 4, id"),
        ("A,Again,60.1,24.9,10,yes,", "row 4, id"),
    ],
)
def test_broken_rows_are_named_with_row_and_field(row: str, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_csv(HEADER + "A,Alpha,60.1,24.9,120,yes,\n" + row + "\n")
    assert err.value.field == field
    assert field.split(", ")[0] in err.value.message


def test_geojson_registry(tmp_path: Path) -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "G1",
                "geometry": {"type": "Point", "coordinates": [24.9, 60.1]},
                "properties": {"name": "Gee", "capacity": 40, "open": True},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [24.9, 60.1]},
                "properties": {"id": "G2", "capacity": "x"},
            },
        ],
    }
    path = tmp_path / "r.geojson"
    path.write_text(json.dumps(doc))
    with pytest.raises(InvalidInput) as err:
        load_registry(path)
    assert err.value.field == "features[1], capacity"
    doc["features"].pop()
    path.write_text(json.dumps(doc))
    assert load_registry(path)[0].lon == 24.9


def test_bundled_helsinki_registry_is_valid_and_says_synthetic() -> None:
    path = Path(__file__).parents[2] / "data" / "helsinki_shelters.csv"
    assert "SYNTHETIC" in path.read_text().splitlines()[0]
    sites = load_registry(path)
    assert len(sites) >= 20 and any(not s.open for s in sites)
