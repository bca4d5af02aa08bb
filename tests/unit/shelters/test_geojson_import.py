"""GeoJSON street files: the same pipeline as a PBF, bad features named, nothing half-imported."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from airwarn.errors import AirwarnError, ConfigError, InvalidInput
from airwarn.shelters.geojson_import import extract, parse_features
from airwarn.shelters.sample import SAMPLE, import_sample, sample_metadata
from airwarn.shelters.service import ShelterService, import_data
from airwarn.store.engine import make_engine
from airwarn.store.shelter_tables import shelter_buildings, shelter_graph, shelter_sites
from airwarn.territory.io import demo_territory

SAMPLE_FILE = Path(__file__).resolve().parents[3] / "src" / "airwarn" / "data" / SAMPLE


def _line(coords: list[list[float]], **tags: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": tags, "geometry": {"type": "LineString", "coordinates": coords}}


def _square(lon: float, lat: float, d: float = 0.0002, **tags: Any) -> dict[str, Any]:
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    return {"type": "Feature", "properties": tags, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _point(lon: float, lat: float, **tags: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": tags, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def town() -> dict[str, Any]:
    """Two crossing streets (sharing their middle vertex), a footway, a motorway, a river, buildings, shelters."""
    return {
        "type": "FeatureCollection",
        "features": [
            _line([[40.0, 48.0], [40.001, 48.0], [40.002, 48.0]], highway="residential"),
            _line([[40.001, 47.999], [40.001, 48.0], [40.001, 48.001]], highway="residential"),
            _line([[40.002, 48.0], [40.002, 48.001]], highway="footway"),
            _line([[40.0, 48.002], [40.003, 48.002]], highway="motorway"),  # not walkable: ignored
            _line([[40.0, 48.003], [40.003, 48.003]], waterway="river"),  # not a street: ignored
            _square(40.0003, 48.0002, **{"building": "apartments", "building:levels": "5"}),
            _square(40.0013, 48.0002, building="garage"),
            _point(40.0005, 48.0001, id="S1", name="Basement 1", amenity="shelter", shelter_type="basement",
                   capacity=100),
            _point(40.0015, 48.0001, id="S2", amenity="shelter", shelter_type="civil_defence", open="no"),
            _point(40.0009, 48.0001, amenity="shelter", shelter_type="public_transport"),  # a bus stop
        ],
    }


def test_a_feature_collection_becomes_graph_buildings_and_shelters() -> None:
    ext = extract(town())
    assert ext.graph.node_count == 6  # the crossing is one node: vertices merge by coordinate
    assert int(ext.graph.seg_a.size) == 5
    assert [b.floors for b in ext.buildings] == [5.0, 3.0]
    assert ext.buildings[0].population > 0 and ext.buildings[1].population == 0  # garages hold nobody
    sites = {s.id: s for s in ext.shelters}
    assert set(sites) == {"S1", "S2"}
    assert sites["S1"].capacity == 100 and sites["S1"].open and sites["S1"].name == "Basement 1"
    assert not sites["S2"].open and sites["S2"].source == "geojson"


BAD = [
    (lambda d: d.update(type="Feature"), "type"),
    (lambda d: d.update(features={"a": 1}), "features"),
    (lambda d: d["features"].__setitem__(3, "not a feature"), "features[3]"),
    (lambda d: d["features"][1].__setitem__("properties", [1, 2]), "features[1].properties"),
    (lambda d: d["features"][2]["geometry"].__setitem__("coordinates", [[40.0, 48.0]]), "features[2].geometry"),
    (lambda d: d["features"][0]["geometry"]["coordinates"].__setitem__(1, [400.0, 48.0]), "features[0].geometry"),
    (lambda d: d["features"][0]["geometry"]["coordinates"].__setitem__(1, ["x", 48.0]), "features[0].geometry"),
    (lambda d: d["features"][5]["geometry"]["coordinates"][0].pop(), "features[5].geometry"),
    (lambda d: d["features"][5].__setitem__("geometry", None), "features[5].geometry"),
    (lambda d: d["features"][6]["geometry"].__setitem__("type", "Circle"), "features[6].geometry"),
    (lambda d: d["features"][7]["properties"].__setitem__("capacity", "many"), "features[7].properties.capacity"),
    (lambda d: d["features"][7]["properties"].__setitem__("capacity", -3), "features[7].properties.capacity"),
    (lambda d: d["features"][8]["properties"].__setitem__("open", "perhaps"), "features[8].properties.open"),
    (lambda d: d["features"][8]["properties"].__setitem__("id", "S1"), "features[8].properties.id"),
    (lambda d: d.__setitem__("features", [f for f in d["features"] if "highway" not in f["properties"]]), "features"),
]


@pytest.mark.parametrize(("spoil", "field"), BAD, ids=[b[1] + f"#{i}" for i, b in enumerate(BAD)])
def test_a_bad_feature_is_named(spoil: Any, field: str) -> None:
    doc = copy.deepcopy(town())
    spoil(doc)
    with pytest.raises(InvalidInput) as err:
        extract(doc)
    assert err.value.field == field
    assert err.value.message.startswith(field)


def _counts(engine: Any) -> tuple[Any, ...]:
    with engine.connect() as conn:
        return (
            conn.execute(select(shelter_graph.c.import_id)).scalar(),
            *(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (shelter_sites, shelter_buildings)),
        )


def test_a_bad_file_leaves_the_previous_import_in_place(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    good = tmp_path / "town.geojson"
    good.write_text(json.dumps(town()))
    summary = import_data(engine, good)
    assert summary["format"] == "geojson" and summary["shelters"] == 2 and summary["open_shelters"] == 1
    before = _counts(engine)
    doc = town()
    ok = _line([[40.0, 48.0], [40.0, 48.001]], highway="path")
    doc["features"] += [ok, ok, _line([[40.0, 48.0]], highway="path"), ok]  # features[12] has one position
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(doc))
    with pytest.raises(InvalidInput) as err:
        import_data(engine, bad)
    assert err.value.field == "features[12].geometry"
    (tmp_path / "broken.json").write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(InvalidInput) as err:
        import_data(engine, tmp_path / "broken.json")
    assert err.value.field == "file" and "not valid JSON" in err.value.message
    with pytest.raises(InvalidInput, match="format must be"):
        import_data(engine, good, fmt="shapefile")
    assert _counts(engine) == before


def test_database_failures_become_airwarn_errors(tmp_path: Path) -> None:
    good = tmp_path / "town.geojson"
    good.write_text(json.dumps(town()))
    with pytest.raises(ConfigError, match="cannot open or migrate"):  # a directory, not a database file
        import_data(make_engine(f"sqlite:///{tmp_path}"), good)
    path = tmp_path / "locked.db"
    engine = make_engine(f"sqlite:///{path}")
    import_data(engine, good)
    before = _counts(engine)
    holder = sqlite3.connect(path, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")  # another writer holds the database
    try:
        fast = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})  # gives up at once
        with pytest.raises(AirwarnError) as err:
            import_data(fast, good)
        assert err.value.field == "database" and "locked" in err.value.message
    finally:
        holder.rollback()
        holder.close()
    assert _counts(engine) == before


def test_the_cli_imports_geojson_and_reports_errors_without_a_traceback(tmp_path: Path) -> None:
    from airwarn.cli import build_app

    app = build_app()
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    res = runner.invoke(app, ["shelters", "import-geojson", str(SAMPLE_FILE), "--db", url])
    assert res.exit_code == 0, res.output
    assert "7 shelters (6 open)" in res.stdout and "SYNTHETIC" in res.stdout
    copy_as_json = tmp_path / "sample.json"  # import-osm reads GeoJSON by its suffix too
    copy_as_json.write_text(SAMPLE_FILE.read_text())
    res = runner.invoke(app, ["shelters", "import-osm", str(copy_as_json), "--db", url, "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["format"] == "geojson"
    doc = json.loads(SAMPLE_FILE.read_text())
    doc["features"][12]["geometry"]["coordinates"] = "nowhere"
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(doc))
    res = runner.invoke(app, ["shelters", "import-geojson", str(bad), "--db", url])
    assert res.exit_code == 2 and res.stderr.startswith("Error: features[12].geometry")
    res = runner.invoke(app, ["shelters", "import-geojson", str(SAMPLE_FILE), "--db", f"sqlite:///{tmp_path}"])
    assert res.exit_code == 1 and res.stderr.startswith("Error: cannot open or migrate the database")
    assert "Traceback" not in res.output


def test_the_bundled_sample_is_synthetic_and_answers_with_the_regions_warning_time(tmp_path: Path) -> None:
    meta = sample_metadata()
    assert meta["synthetic"] is True and "SYNTHETIC" in meta["note"] and "not OpenStreetMap" in meta["note"]
    lines, buildings, shelters = parse_features(json.loads(SAMPLE_FILE.read_text()))
    assert len(shelters) == 7 and sum(not s.open for s in shelters) == 1 and buildings
    engine = make_engine(f"sqlite:///{tmp_path / 'sample.db'}")
    territory = demo_territory()
    summary = import_sample(engine, territory)
    assert 200 <= summary["nodes"] <= 1000 and summary["source_meta"]["synthetic"] is True
    rostov = territory.regions["RU-ROS"]
    # the import-wide default differs from Rostov's: the answer must take the region's own warning time
    import_data(engine, SAMPLE_FILE, warning_s=rostov.warning_s + 200)
    svc = ShelterService.from_engine(engine, territory)
    near = svc.nearest(48.92, 40.39)
    assert near["warning_s"] == rostov.warning_s and near["warning_from"] == "region" and near["region"] == "RU-ROS"
    assert near["route"]["type"] == "LineString" and len(near["route"]["coordinates"]) >= 3
    assert near["shelter"]["id"] != "MLR-S5"  # the nearer shelter is closed and never proposed
    assert svc.nearest(48.92, 40.39, warning_s=30)["warning_from"] == "request"
    assert ShelterService.from_engine(engine).nearest(48.92, 40.39)["warning_s"] == rostov.warning_s + 200
    streets = svc.streets((40.38, 48.91, 40.41, 48.93))
    assert streets["features"][0]["properties"]["segments"] > 300
    assert streets["metadata"]["source_meta"]["synthetic"] is True
    assert len([f for f in streets["features"] if f["properties"]["kind"] == "shelter"]) == 7
    assert svc.streets((0, 0, 1, 1))["features"][0]["properties"]["segments"] == 0
    with pytest.raises(InvalidInput):
        svc.streets((1, 0, 0, 1))
