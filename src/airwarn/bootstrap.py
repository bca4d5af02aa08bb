"""The one place that builds concrete adapters from settings. Nothing here runs at import time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from airwarn.bus import make_bus
from airwarn.cap.signing import Signer, load_or_create
from airwarn.cap.validate import validate
from airwarn.cap.xml import alert_to_xml
from airwarn.delivery.dispatcher import Dispatcher
from airwarn.delivery.fanout import make_fanout
from airwarn.deps import Deps, Renderer
from airwarn.domain.alerts import Alert, ApprovalPolicy, Authority, Severity
from airwarn.domain.territory import Territory
from airwarn.errors import ConfigError
from airwarn.settings import Settings
from airwarn.store.engine import make_engine
from airwarn.store.migrate import upgrade
from airwarn.store.uow import UnitOfWork


def build_engine(settings: Settings) -> Engine:
    """An engine on the configured database, migrated to the newest schema."""
    engine = make_engine(settings.db)
    try:
        upgrade(engine)
    except Exception as exc:
        raise ConfigError(f"cannot open or migrate the database {settings.db!r}: {exc}") from exc
    return engine


def ensure_territory(uow: UnitOfWork) -> Territory:
    """The territory stored in the database; an empty database gets the bundled demo territory."""
    from airwarn.territory_io import demo_territory, load_territory

    with uow.read() as repo:
        features, meta = repo.territory_features()
    if features:
        return load_territory({"type": "FeatureCollection", "features": features, "metadata": meta})
    from airwarn.territory_versions import save_version

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


def build_deps(settings: Settings, engine: Engine | None = None) -> Deps:
    engine = engine or build_engine(settings)
    uow = UnitOfWork(engine)
    try:
        severity = Severity(settings.approval_severity)
    except ValueError:
        raise ConfigError(f"AIRWARN_APPROVAL_SEVERITY must be one of {[s.value for s in Severity]}") from None
    signer = load_or_create(settings.keys_dir)
    territory = ensure_territory(uow)
    return Deps(
        uow=uow,
        territory=territory,
        events=make_bus(settings.bus),
        fanout=make_fanout(territory),
        render=cap_renderer(signer),
        certificate_pem=signer.cert_pem,
        authority=Authority(sender=settings.sender, name_en=settings.sender_name_en,
                            name_ru=settings.sender_name_ru, web=settings.public_url),
        approval=ApprovalPolicy(min_severity=severity),
        future_tolerance=timedelta(seconds=settings.future_tolerance_s),
    )


def import_territory(settings: Settings, raw: dict, *, source: str = "GeoJSON") -> Territory:  # type: ignore[type-arg]
    """Validate a GeoJSON territory fully, then store it as the next version in one transaction."""
    from airwarn.territory_io import load_territory

    return store_territory(settings, load_territory(raw), source=source)


def store_territory(settings: Settings, territory: Territory, *, source: str, actor: str = "admin-cli") -> Territory:
    """Store a checked territory as the next version (current copy, version row and audit commit together)."""
    from airwarn.territory_versions import save_version

    uow = UnitOfWork(build_engine(settings))
    with uow.write() as repo:
        versioned, _ = save_version(repo, territory, actor=actor, source=source, at=datetime.now(UTC))
    return versioned


def build_dispatcher(settings: Settings, deps: Deps) -> Dispatcher:
    """The outbox dispatcher with every channel the settings configure (others' rows wait)."""
    from airwarn.delivery.wiring import dispatcher_from_settings

    return dispatcher_from_settings(settings, deps)
