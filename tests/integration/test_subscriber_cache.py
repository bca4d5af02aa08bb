"""The fan-out's in-memory subscribers: what changes after they were loaded, on any node or by any writer,
reaches the next alert; and the rows written are the ones a plain reading of every subscription gives."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import shapely
from shapely.geometry import Polygon
from sqlalchemy import insert, select, text

from airwarn.cap.signing import Signer
from airwarn.delivery import subscriber_cache
from airwarn.delivery.confirming import confirm
from airwarn.delivery.fanout import make_fanout
from airwarn.delivery.subscriptions import SubscriptionDraft, subscribe, unsubscribe
from airwarn.domain.alerts import Alert, Severity
from airwarn.domain.targeting import Preferences, allowed_channels, wants
from airwarn.domain.users import User
from airwarn.service_layer import services
from airwarn.service_layer.bootstrap import cap_renderer
from airwarn.service_layer.deps import Deps
from airwarn.service_layer.intake import ReportDraft
from airwarn.store.delivery_tables import subscriptions as subs
from airwarn.store.engine import make_engine
from airwarn.store.uow import UnitOfWork
from tests.fixtures.fanout import expand
from tests.fixtures.policies import IssueAlone

MILLEROVO = (48.7, 40.2)  # inside Millerovsky and Sholokhovsky districts of the test territory
PENZA = (53.2, 45.2)
SMS = [{"channel": "sms", "address": "+79991234567"}]


@pytest.fixture
def node(deps: Deps) -> Deps:
    """The issuing node: the real fan-out, every alert issued without a second person."""
    deps.fanout = make_fanout(deps.territory)
    deps.approval = IssueAlone()
    return deps


def issue(deps: Deps, operator: User, regime: str, districts: list[str] | None = None) -> str:
    """Declare `regime` in the given Rostov districts, or in the whole region; returns the alert's id."""
    draft = ReportDraft(kind="regime_declared", region="RU-ROS", source_type="official", regime=regime,
                        districts=districts or [])
    alert = services.submit_report(deps, draft, operator).alerts[0]
    assert alert["state"] == "issued"
    expand(deps)  # as the node's dispatcher does right after commit
    return str(alert["identifier"])


def subscriber_targets(deps: Deps, alert_id: str) -> set[tuple[str, str]]:
    with deps.uow.read() as repo:
        return {(r["channel"], r["target"]) for r in repo.outbox_rows(alert_id)
                if r["channel"] in ("sms", "webhook", "webpush")}


CODES: dict[str, str] = {}


def new_subscriber(deps: Deps, *, active: bool = True, **fields: Any) -> tuple[str, str]:
    made = subscribe(deps, SubscriptionDraft(channels=SMS, **fields))
    sub_id, token = made.view["id"], made.view["token"]
    CODES[sub_id] = made.codes[0].code  # what the phone got
    if active:
        confirm(deps, sub_id, token, CODES[sub_id])
    return sub_id, token


@pytest.mark.parametrize(("tail_min_rows", "changes_page"),
                         [(subscriber_cache.TAIL_MIN_ROWS, subscriber_cache.CHANGES_PAGE), (0, 1)],
                         ids=["tail", "merged-page-by-page"])
def test_changes_after_the_cache_was_built_reach_the_next_alert(
    node: Deps, db_url: str, territory: Any, signer: Signer, operator: User, tail_min_rows: int,
    changes_page: int, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(subscriber_cache, "TAIL_MIN_ROWS", tail_min_rows)
    monkeypatch.setattr(subscriber_cache, "CHANGES_PAGE", changes_page)
    leaves, leaves_token = new_subscriber(node, lat=MILLEROVO[0], lon=MILLEROVO[1])
    turns_strict, _ = new_subscriber(node, lat=MILLEROVO[0], lon=MILLEROVO[1])
    moves_away, _ = new_subscriber(node, lat=MILLEROVO[0], lon=MILLEROVO[1])
    late_confirm, late_token = new_subscriber(node, active=False, lat=MILLEROVO[0], lon=MILLEROVO[1])
    first = issue(node, operator, "drone_hazard", ["Millerovsky"])  # the cache is built here
    assert {leaves, turns_strict, moves_away} == {t for _, t in subscriber_targets(node, first)}

    # another node (its own engine and Deps) changes subscriptions through the service…
    other = Deps(uow=UnitOfWork(make_engine(db_url), node.uow.audit_key), territory=territory,
                 render=cap_renderer(signer))
    joins, _ = new_subscriber(other, lat=MILLEROVO[0], lon=MILLEROVO[1])
    joins_by_district, _ = new_subscriber(other, districts=["Sholokhovsky"], lat=PENZA[0], lon=PENZA[1])
    never_confirms, _ = new_subscriber(other, active=False, lat=MILLEROVO[0], lon=MILLEROVO[1])
    unsubscribe(other, leaves, leaves_token)
    confirm(other, late_confirm, late_token, CODES[late_confirm])
    # …and another process writes the table directly, as a tool or a bulk load would
    script = ("import sys; from sqlalchemy import text; from airwarn.store.engine import make_engine\n"
              "with make_engine(sys.argv[1]).begin() as c:\n"
              "    c.execute(text(\"UPDATE subscriptions SET min_severity = 'Extreme' WHERE id = :a\"), "
              "{'a': sys.argv[2]})\n"
              "    c.execute(text('UPDATE subscriptions SET lat = 53.2, lon = 45.2 WHERE id = :b'), {'b': sys.argv[3]})\n")
    subprocess.run([sys.executable, "-c", script, db_url, turns_strict, moves_away], check=True, timeout=60)

    second = issue(node, operator, "airspace_closed", ["Millerovsky", "Sholokhovsky"])  # Moderate
    assert {t for _, t in subscriber_targets(node, second)} == {joins, joins_by_district, late_confirm}
    assert never_confirms not in {t for _, t in subscriber_targets(node, second)}


def test_versions_rise_on_every_insert_and_update(node: Deps) -> None:
    first, _ = new_subscriber(node, active=False, lat=MILLEROVO[0], lon=MILLEROVO[1])
    with node.uow.read() as repo:
        before = repo.conn.execute(select(subs.c.version).where(subs.c.id == first)).scalar_one()
    second, _ = new_subscriber(node, active=False, lat=MILLEROVO[0], lon=MILLEROVO[1])
    with node.uow.engine.begin() as conn:
        conn.execute(text("UPDATE subscriptions SET language = 'ru' WHERE id = :id"), {"id": first})
    with node.uow.read() as repo:
        version = dict(repo.conn.execute(select(subs.c.id, subs.c.version)).all())
    assert 0 < before < version[second] < version[first]


def population(deps: Deps, n: int, seed: int) -> None:
    """A mixed population in the Rostov box: points and district choices, every channel, preferences, states."""
    rng = random.Random(seed)
    x0, y0, x1, y1 = Polygon(deps.territory.regions["RU-ROS"].polygon[0]).bounds
    codes = [d.code for d in deps.territory.districts_of("RU-ROS")]
    channels = [[{"channel": "sms", "address": "+79990000000"}], [{"channel": "webhook", "address": "http://x.test"}],
                [{"channel": "webpush", "address": {"endpoint": "https://push.test/1", "keys": {}}}],
                [{"channel": "sms", "address": "+79990000000"}, {"channel": "webpush", "address": {}},
                 {"channel": "sms", "address": "+79990000001"}]]
    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        placed = rng.random() > 0.15
        quiet = rng.choice([(None, None), ("23:00", "07:00"), ("00:00", "23:59"), ("10:00", "10:00")])
        rows.append({
            "id": f"sub-{seed}-{i:04d}", "lat": rng.uniform(y0, y1) if placed else None,
            "lon": rng.uniform(x0, x1) if placed else None, "cell": None,
            "districts": rng.sample(codes, rng.choice([0, 0, 1, 2])) if placed else [rng.choice(codes)],
            "language": "en", "channels": rng.choice(channels),
            "threat_kinds": rng.choice([[], [], ["missile_hazard"], ["drone_hazard", "airport"]]),
            "min_severity": rng.choice(["Minor", "Minor", "Severe", "Extreme"]),
            "quiet_start": quiet[0], "quiet_end": quiet[1],
            "timezone": rng.choice(["Europe/Moscow", "UTC", "Asia/Tokyo"]),
            "state": rng.choice(["active", "active", "active", "pending", "unsubscribed"]),
            "token_hash": "0" * 64, "created_at": now})
    with deps.uow.write() as repo:
        repo.conn.execute(insert(subs), rows)


def reference(deps: Deps, alert: Alert, restricted: bool = False) -> set[tuple[str, str, str]]:
    """(channel, target, reason) per subscriber row, read and decided one subscription at a time."""
    polygons = [Polygon(ring) for ring in alert.area.polygons]
    covered = set(alert.districts) or {d.code for d in deps.territory.districts_of(alert.region)}
    with deps.uow.read() as repo:
        rows = [dict(r) for r in repo.conn.execute(select(subs)).mappings()]
    out = set()
    for row in rows:
        inside = row["lat"] is not None and any(
            shapely.contains_xy(p, row["lon"], row["lat"]) for p in polygons)
        if row["state"] != "active" or not (inside or set(row["districts"]) & covered):
            continue
        prefs = Preferences(
            threat_kinds=tuple(row["threat_kinds"]), min_severity=Severity(row["min_severity"]),
            quiet_start=datetime.strptime(row["quiet_start"], "%H:%M").time() if row["quiet_start"] else None,
            quiet_end=datetime.strptime(row["quiet_end"], "%H:%M").time() if row["quiet_end"] else None,
            timezone=row["timezone"])
        if not wants(prefs, alert, alert.sent):
            continue
        use, why = allowed_channels([c["channel"] for c in row["channels"]], alert.region, restricted)
        out |= {(c, row["id"], why or f"subscriber in {alert.region}") for c in use
                if c in ("sms", "webhook", "webpush")}
    return out


def assert_rows_as_a_plain_reading_gives(deps: Deps, alert_id: str) -> None:
    with deps.uow.read() as repo:
        found = repo.alert(alert_id)
        assert found is not None
        rows = [r for r in repo.outbox_rows(alert_id) if r["channel"] in ("sms", "webhook", "webpush")]
        stamps = repo.conn.execute(text(
            "SELECT DISTINCT o.created_at, o.next_attempt_at, a.issued_at FROM outbox o "
            "JOIN alerts a ON a.identifier = o.alert_id WHERE o.alert_id = :a"), {"a": alert_id}).all()
    assert len(rows) == len({(r["channel"], r["target"]) for r in rows}) > 0
    assert {(r["channel"], r["target"], r["reason"]) for r in rows} == reference(deps, found[0])
    assert all(r["state"] == "pending" and r["attempts"] == 0 for r in rows)
    assert len(stamps) == 1 and stamps[0][0] == stamps[0][1] == stamps[0][2]  # stored as the alert's time


def test_rows_are_exactly_those_a_plain_reading_of_every_subscription_gives(node: Deps, operator: User) -> None:
    population(node, 400, seed=1)
    assert_rows_as_a_plain_reading_gives(node, issue(node, operator, "drone_hazard"))  # region, Severe; cache built
    population(node, 200, seed=2)
    with node.uow.write() as repo:  # and a tenth of the first ones change state
        repo.conn.execute(text("UPDATE subscriptions SET state = CASE state WHEN 'active' THEN 'unsubscribed' "
                               "ELSE 'active' END WHERE id LIKE 'sub-1-%0'"))
    moderate = issue(node, operator, "airspace_closed", ["Millerovsky", "Sholokhovsky"])
    assert_rows_as_a_plain_reading_gives(node, moderate)
    extreme = issue(node, operator, "missile_hazard", ["Chertkovsky"])  # Extreme, Immediate: goes through
    assert_rows_as_a_plain_reading_gives(node, extreme)


def test_a_region_wide_alert_reaches_those_who_chose_a_district_of_that_region_only(
    node: Deps, operator: User
) -> None:
    millerovsky, _ = new_subscriber(node, districts=["Millerovsky"])
    penza_district = next(d.name_en for d in node.territory.districts_of("RU-PNZ"))
    elsewhere, _ = new_subscriber(node, districts=[penza_district])
    targets = {t for _, t in subscriber_targets(node, issue(node, operator, "drone_hazard"))}
    assert millerovsky in targets and elsewhere not in targets


def test_a_started_node_loads_its_subscribers_before_the_first_alert(node: Deps) -> None:
    from fastapi.testclient import TestClient

    from airwarn.api.app import create_app
    from airwarn.delivery.fanout import ChannelFanout

    new_subscriber(node, lat=MILLEROVO[0], lon=MILLEROVO[1])
    assert isinstance(node.fanout, ChannelFanout) and node.fanout.subscribers.mark is None
    with TestClient(create_app(node)):
        deadline = time.monotonic() + 30  # a bound, not a measurement: the load runs in the background
        while node.fanout.subscribers.mark is None and time.monotonic() < deadline:
            time.sleep(0.01)
    assert node.fanout.subscribers.mark is not None and len(node.fanout.subscribers) == 1
