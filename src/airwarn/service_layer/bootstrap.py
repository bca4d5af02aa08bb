"""The one place that builds concrete adapters from settings. Nothing here runs at import time."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from airwarn.authority import approval_policy, auto_confirm_policy
from airwarn.bus import make_bus
from airwarn.cap.signing import Signer
from airwarn.cap.validate import validate
from airwarn.cap.xml import alert_to_xml
from airwarn.delivery.dispatcher import Dispatcher
from airwarn.delivery.fanout import FANOUT_SHARDS, make_fanout
from airwarn.domain.alerts import Alert, Authority
from airwarn.domain.expiry import ExpiryPolicy
from airwarn.domain.territory import Territory
from airwarn.errors import ConfigError
from airwarn.keyring import load_keys
from airwarn.redact import mask_secrets, mask_url
from airwarn.service_layer.deps import Deps, Renderer
from airwarn.settings import Settings
from airwarn.store.engine import make_engine
from airwarn.store.migrate import pending_migrations, upgrade
from airwarn.store.uow import UnitOfWork


def build_engine(settings: Settings) -> Engine:
    """An engine on the configured database, created if need be and migrated to the newest schema
    (only `serve`, `demo` and `airwarn db upgrade` do this).

    A database that does not answer is tried again with backoff until `startup_timeout_s`; then (or at once,
    for an error that waiting cannot fix) a ConfigError says why, with the password masked.
    """
    engine = make_engine(settings.db)
    deadline = time.monotonic() + settings.startup_timeout_s
    delay_s = 0.25
    while True:
        try:
            upgrade(engine)
            return engine
        except OperationalError as exc:  # refused, unreachable, starting up: worth another try
            if time.monotonic() + delay_s >= deadline:
                raise ConfigError(f"cannot reach the database {mask_url(settings.db)} within "
                                  f"{settings.startup_timeout_s:g} s: {_reason(exc)}") from None
        except Exception as exc:
            raise ConfigError(f"cannot open or migrate the database {mask_url(settings.db)}: {_reason(exc)}") from None
        time.sleep(delay_s)
        delay_s = min(delay_s * 2, 2.0)


def _reason(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return mask_secrets(text[0] if text else type(exc).__name__)


def open_engine(settings: Settings) -> Engine:
    """An engine on a database that exists and is migrated; says so, and creates nothing, otherwise."""
    how = "create it with `airwarn db upgrade` (or run `airwarn serve`), or set AIRWARN_DB"
    engine = make_engine(settings.db)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database not in (None, "", ":memory:"):
        from pathlib import Path

        if not Path(database).exists():
            engine.dispose()
            raise ConfigError(f"no database at {database}: {how}")
    try:
        missing = pending_migrations(engine)
    except Exception as exc:
        engine.dispose()
        raise ConfigError(f"cannot open the database {engine.url.render_as_string()}: "
                          f"{str(exc).splitlines()[0]}") from None
    if missing is None:
        raise ConfigError(f"{engine.url.render_as_string()} holds no airwarn database: {how}")
    if missing:
        raise ConfigError(f"the database {engine.url.render_as_string()} needs migrations "
                          f"({', '.join(sorted(missing))}): run `airwarn db upgrade`")
    return engine


def ensure_territory(uow: UnitOfWork) -> Territory:
    """The territory stored in the database; an empty database gets the bundled demo territory."""
    from airwarn.territory.io import demo_territory, load_territory

    with uow.read() as repo:
        features, meta = repo.territory_features()
    if features:
        return load_territory({"type": "FeatureCollection", "features": features, "metadata": meta})
    from airwarn.territory.versions import save_version

    with uow.write() as repo:  # the bundled territory is version 1; not an import, so not in the audit
        territory, _ = save_version(repo, demo_territory(), actor="system", source="bundled demo territory",
                                    at=datetime.now(UTC), audit=False)
    return territory


def cap_renderer(signer: Signer) -> Renderer:
    def render(alert: Alert) -> str:
        xml = alert_to_xml(alert)
        validate(xml)
        signed = signer.sign(xml)
        return signed.decode()

    return render


def build_deps(settings: Settings, engine: Engine | None = None, *, create_db: bool = True) -> Deps:
    """Everything the use cases need. The keys must exist in AIRWARN_KEYS_DIR (`airwarn keys init`);
    with `create_db` False the database must exist too (CLI commands never create one)."""
    approval = approval_policy(settings)
    auto_confirm = auto_confirm_policy(settings)
    try:
        expiry = ExpiryPolicy.from_spec(settings.alert_lifetimes, settings.renew_before_s)
    except ValueError as exc:
        raise ConfigError(f"AIRWARN_ALERT_LIFETIMES / AIRWARN_RENEW_BEFORE_S: {exc}") from None
    keys = load_keys(settings.keys_dir)
    signer = keys.signer
    engine = engine or (build_engine(settings) if create_db else open_engine(settings))
    uow = UnitOfWork(engine, keys.audit, hot_s=settings.region_hot_ms / 1000)
    if create_db:  # serve/demo: a log from before the audit key gets linked into the keyed chain once
        from airwarn.auditing import seal_legacy

        seal_legacy(uow)
    territory = ensure_territory(uow)
    return Deps(
        uow=uow,
        territory=territory,
        events=make_bus(settings.bus),
        # a node that does not send keeps no subscriber copy (only dispatchers expand jobs): its alerts get
        # every shard, so that any number of dispatch processes can share them
        fanout=make_fanout(territory, siren_tests=settings.siren_tests,
                           shards=None if settings.dispatch else FANOUT_SHARDS),
        render=cap_renderer(signer),
        certificate_pem=signer.cert_pem,
        sign_head=signer.sign_bytes,
        authority=Authority(sender=settings.sender, name_en=settings.sender_name_en,
                            name_ru=settings.sender_name_ru, web=settings.public_url),
        approval=approval,
        auto_confirm=auto_confirm,
        expiry=expiry,
        future_tolerance=timedelta(seconds=settings.future_tolerance_s),
    )


def import_territory(settings: Settings, raw: dict, *, source: str = "GeoJSON") -> Territory:  # type: ignore[type-arg]
    """Validate a GeoJSON territory fully, then store it as the next version in one transaction."""
    from airwarn.territory.io import load_territory

    return store_territory(settings, load_territory(raw), source=source)[0]


def store_territory(
    settings: Settings, territory: Territory, *, source: str, actor: str = "admin-cli"
) -> tuple[Territory, dict]:  # type: ignore[type-arg]
    """Store a checked territory as the next version (current copy, version row and audit commit together);
    returns it versioned, with its version, the previous one and the changes."""
    from airwarn.territory.versions import save_version

    uow = UnitOfWork(open_engine(settings), load_keys(settings.keys_dir).audit)
    with uow.write() as repo:
        return save_version(repo, territory, actor=actor, source=source, at=datetime.now(UTC))


def build_dispatcher(settings: Settings, deps: Deps) -> Dispatcher:
    """The outbox dispatcher with every channel the settings configure (others' rows wait)."""
    from airwarn.delivery.wiring import dispatcher_from_settings

    return dispatcher_from_settings(settings, deps)
