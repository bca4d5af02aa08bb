"""`airwarn territory import-osm` on PBF files written here with pyosmium: real-world boundary shapes.

The region's outline is six ways; two districts share its border ways and a zig-zag border between
them; the west district has two holes — an enclave district inside it and an exclave of the east
district — and the east district is a multipolygon of its main part and that exclave.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Polygon
from typer.testing import CliRunner

from airwarn.cli import build_app
from airwarn.geo.osm_boundaries import build_territory, load_mapping, read_boundaries
from airwarn.store.engine import make_engine
from airwarn.store.migrate import upgrade
from airwarn.store.uow import UnitOfWork
from airwarn.territory.io import dump_territory, load_territory
from airwarn.territory.versions import load_stored, versions
from tests.osm_pbf import PbfBuilder

pytest.importorskip("osmium", reason="pyosmium is not installed (pip install osmium)")

W, E, S, N, MID = 40.0, 41.0, 48.5, 49.5, 40.5
ZIGZAG = [(MID + (0.02 if i % 2 else -0.02), S + i * 0.1) for i in range(1, 10)]
ENCLAVE = [(40.15, 48.8), (40.3, 48.8), (40.3, 48.95), (40.15, 48.95)]
EXCLAVE = [(40.2, 49.2), (40.35, 49.2), (40.35, 49.3), (40.2, 49.3)]


def _extract(b: PbfBuilder, *, broken: bool = False, iso: bool = True) -> None:
    """Region RU-ROS with Millerovsky (west), Chertkovsky (east + exclave) and an enclave district."""
    south_w = b.way([(W, S), (MID, S)])
    south_e = b.way([(MID, S), (E, S)])
    east = b.way([(E, S), (E, 49.0), (E, N)])
    north_e = b.way([(E, N), (MID, N)])
    north_w = b.way([(MID, N), (W, N)])
    west = b.way([(W, N), (W - 0.05, 49.2), (W, 49.0), (W - 0.03, 48.7), (W, S)])
    border = b.way([(MID, S), *ZIGZAG, (MID, N)])
    enclave = b.ring_ways(ENCLAVE, pieces=2)
    exclave = b.ring_ways(EXCLAVE, pieces=3)
    region_ways = [south_w, south_e, east, north_e, north_w, west]
    tags = {"ISO3166-2": "RU-ROS"} if iso else {}
    b.boundary(4, [region_ways[:-1] if broken else region_ways], name="Ростовская область",
               **{"name:en": "Rostov Oblast"}, **tags)
    b.boundary(6, [[south_w, border, north_w, west]], [enclave, exclave], name="Миллеровский район")
    b.boundary(6, [[south_e, east, north_e, border], exclave], name="Чертковский район",
               **{"name:en": "Chertkovsky District"})
    b.boundary(6, [enclave], name="Анклавный район")
    b.place((40.3, 49.0), place="town", name="Миллерово", **{"name:en": "Millerovo"}, population="35000")
    b.place((40.27, 49.25), place="village", name="Анклавка")
    b.place((40.2, 48.85), place="village", name="Внутреннее")
    b.place((45.0, 45.0), place="town", name="Далеко")  # outside every region: left out


@pytest.fixture
def pbf(tmp_path: Path) -> Path:
    b = PbfBuilder()
    _extract(b)
    return b.write(tmp_path / "rostov.osm.pbf")


@pytest.fixture
def db(tmp_path: Path, keys_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AIRWARN_KEYS_DIR", str(keys_dir))  # the audit key links the import's audit record
    url = f"sqlite:///{tmp_path / 'territory.db'}"
    upgrade(make_engine(url))
    from airwarn.service_layer.bootstrap import ensure_territory

    ensure_territory(UnitOfWork(make_engine(url)))  # the bundled demo territory, version 1
    return url


def test_relations_over_many_ways_with_holes_and_exclaves_are_assembled(pbf: Path) -> None:
    found = read_boundaries(pbf, (4, 6))
    by_name = {b.tags["name"]: b for b in found.boundaries}
    assert set(by_name) == {"Ростовская область", "Миллеровский район", "Чертковский район", "Анклавный район"}
    assert found.broken == []
    region = by_name["Ростовская область"].shape
    west, east = by_name["Миллеровский район"].shape, by_name["Чертковский район"].shape
    enclave = by_name["Анклавный район"].shape
    assert len(shapely.get_parts(east)) == 2  # main part + exclave
    assert sum(len(p.interiors) for p in shapely.get_parts(west)) == 2  # enclave and exclave cut out
    assert west.union(east).union(enclave).symmetric_difference(region).area < 1e-9
    assert west.intersection(east).area < 1e-12 and west.intersection(enclave).area < 1e-12
    assert {p.name for p in found.places} == {"Миллерово", "Анклавка", "Внутреннее", "Далеко"}


def test_boundaries_map_to_the_known_territory_and_points_find_their_district(pbf: Path) -> None:
    from airwarn.territory.io import demo_territory

    current = demo_territory()
    found = read_boundaries(pbf, (4, 6))
    t, _ = build_territory(found, (4, 6), current, load_mapping(None))
    t = load_territory(dump_territory(t))  # as stored and read back
    ros = {d.code for d in t.districts_of("RU-ROS")}
    assert ros == {"RU-ROS-MILLEROVSKY", "RU-ROS-CHERTKOVSKY", "RU-ROS-ANKLAVNYJ"} or len(ros) == 3
    assert "RU-ROS-MILLEROVSKY" in ros and "RU-ROS-CHERTKOVSKY" in ros
    enclave_code = next(c for c in ros if c not in ("RU-ROS-MILLEROVSKY", "RU-ROS-CHERTKOVSKY"))
    assert t.locate(48.875, 40.2).code == enclave_code  # inside the hole: the enclave, not Millerovsky
    assert t.locate(49.25, 40.27).code == "RU-ROS-CHERTKOVSKY"  # the exclave inside Millerovsky
    assert t.locate(49.0, 40.1).code == "RU-ROS-MILLEROVSKY"
    assert t.locate(49.05, 40.9).code == "RU-ROS-CHERTKOVSKY"
    assert t.locate(49.2, 39.97).code == "RU-ROS-MILLEROVSKY"  # the wiggly region border is kept
    # what the demo knew is kept: names, plans, other regions
    assert t.regions["RU-ROS"].plans == current.regions["RU-ROS"].plans
    assert t.regions["RU-ROS"].warning_s == current.regions["RU-ROS"].warning_s
    assert set(t.regions) == set(current.regions)
    assert len(t.districts_of("RU-VGG")) == len(current.districts_of("RU-VGG"))
    assert not t.districts["RU-ROS-MILLEROVSKY"].polygon_approximate


def test_the_cli_imports_a_new_version_with_places_and_its_changes(pbf: Path, db: str) -> None:
    res = CliRunner().invoke(build_app(), ["territory", "import-osm", str(pbf), "--admin-levels", "4,6",
                                           "--json", "--db", db])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["version"].startswith("2-") and out["previous"].startswith("1-")
    d = out["changes"]["districts"]
    assert {"RU-ROS-MILLEROVSKY", "RU-ROS-CHERTKOVSKY"} <= set(d["reshaped"])
    assert len(d["added"]) == 1 and "RU-ROS-SHOLOKHOVSKY" in d["removed"]
    uow = UnitOfWork(make_engine(db))
    t = load_stored(uow)
    assert t is not None and t.version == out["version"]
    town = t.settlements("Millerovo")
    assert [(p.name, p.district) for p in town] == [("Миллерово", "RU-ROS-MILLEROVSKY")]
    assert t.settlements("Анклавка")[0].district == "RU-ROS-CHERTKOVSKY"
    assert not t.settlements("Далеко")
    assert [v["version"] for v in versions(uow)] == [out["version"], out["previous"]]
    with uow.read() as repo:
        audit = [r for r in repo.audit() if r.action == "territory.imported"]
    assert audit[-1].entity_id == out["version"] and "RU-ROS-SHOLOKHOVSKY" in audit[-1].data["changes"]["districts"]["removed"]


def test_a_broken_relation_or_an_unknown_code_changes_nothing(tmp_path: Path, db: str) -> None:
    uow = UnitOfWork(make_engine(db))
    before = load_stored(uow)
    assert before is not None
    runner, app = CliRunner(), build_app()
    b = PbfBuilder()
    _extract(b, broken=True)
    res = runner.invoke(app, ["territory", "import-osm", str(b.write(tmp_path / "b.osm.pbf")), "--db", db])
    assert res.exit_code != 0 and "could not be assembled" in str(res.exception or res.output)
    b = PbfBuilder()
    _extract(b, iso=False)
    res = runner.invoke(app, ["territory", "import-osm", str(b.write(tmp_path / "c.osm.pbf")), "--db", db])
    assert res.exit_code != 0 and "no ISO3166-2 tag" in str(res.exception or res.output)
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"not a pbf at all" * 10)
    res = runner.invoke(app, ["territory", "import-osm", str(bad), "--db", db])
    assert res.exit_code != 0
    after = load_stored(uow)
    assert after is not None and after.version == before.version and len(versions(uow)) == 1


def test_a_mapping_file_gives_codes_where_osm_has_none(tmp_path: Path, db: str) -> None:
    b = PbfBuilder()
    _extract(b, iso=False)
    pbf = b.write(tmp_path / "m.osm.pbf")
    mapping = tmp_path / "codes.csv"
    mapping.write_text("osm,code,name_en,name_ru,timezone,warning_s\n"
                       "Ростовская область,RU-ROS,,,,\n"
                       "Анклавный район,RU-ROS-ENCLAVE,Enclave,,,\n", encoding="utf-8")
    res = CliRunner().invoke(build_app(), ["territory", "import-osm", str(pbf), "--mapping", str(mapping),
                                           "--json", "--db", db])
    assert res.exit_code == 0, res.output
    t = load_stored(UnitOfWork(make_engine(db)))
    assert t is not None and t.districts["RU-ROS-ENCLAVE"].name_en == "Enclave"
    assert Polygon(t.districts["RU-ROS-ENCLAVE"].polygon[0]).area == pytest.approx(0.15 * 0.15, rel=1e-6)


def test_skip_broken_imports_the_rest_and_lists_what_it_skipped(tmp_path: Path, db: str) -> None:
    b = PbfBuilder()
    _extract(b)
    ways = b.ring_ways([(39.0, 48.0), (39.2, 48.0), (39.2, 48.2), (39.0, 48.2)], pieces=2)
    b.boundary(6, [ways[:1]], name="Обрезанный район")  # one of its two ways is missing: no closed ring
    pbf = b.write(tmp_path / "cut.osm.pbf")
    runner, app = CliRunner(), build_app()
    res = runner.invoke(app, ["territory", "import-osm", str(pbf), "--json", "--db", db])
    assert res.exit_code != 0 and "Обрезанный район" in str(res.exception)
    res = runner.invoke(app, ["territory", "import-osm", str(pbf), "--skip-broken", "--json", "--db", db])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [s["name"] for s in out["skipped"]] == ["Обрезанный район"]
    assert len(out["changes"]["districts"]["added"]) == 1


def test_import_osm_through_a_running_node_switches_it_and_names_the_user(tmp_path: Path) -> None:
    import httpx

    from tests.integration.nodes import Node, add_users, cli, prepare

    env = {"AIRWARN_DB": f"sqlite:///{tmp_path / 'node.db'}", "AIRWARN_KEYS_DIR": str(tmp_path / "keys"),
           "AIRWARN_DISPATCH": "false"}
    prepare(env)
    [token] = add_users(env, ("artem", "approver"))
    b = PbfBuilder()
    _extract(b)
    pbf = b.write(tmp_path / "node.osm.pbf")
    with Node(env, tmp_path / "node.log") as node:
        before = httpx.get(f"{node.url}/api/v1/territory/version").json()["version"]
        through = {"AIRWARN_URL": node.url, "AIRWARN_TOKEN": token, "AIRWARN_DB": "sqlite:///nowhere/never.db"}
        out = json.loads(cli(["territory", "import-osm", str(pbf), "--json"], through))
        assert out["previous"] == before and out["version"] != before
        assert httpx.get(f"{node.url}/api/v1/territory/version").json()["version"] == out["version"]  # at once
        towns = httpx.get(f"{node.url}/api/v1/places", params={"q": "Миллерово"}).json()
        assert towns[0]["district"] == "RU-ROS-MILLEROVSKY"
    uow = UnitOfWork(make_engine(env["AIRWARN_DB"]))
    with uow.read() as repo:
        [record] = [r for r in repo.audit() if r.action == "territory.imported"]
    assert record.actor == "artem" and record.entity_id == out["version"]
