"""The bundled SYNTHETIC street sample (central Millerovo) that `airwarn demo` imports.

Built by ``scripts/build_demo_streets.py`` from a fixed seed: a plausible layout for demonstrating
the shelter service offline, not OpenStreetMap data and not the real streets or shelters of Millerovo.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sqlalchemy.engine import Engine

from airwarn.domain.territory import Territory
from airwarn.shelters.importer import import_data
from airwarn.shelters.model import DEFAULT_WARNING_S

#: Where the sample lives inside the ``airwarn.data`` package.
SAMPLE = "streets/millerovo.geojson"


def sample_metadata() -> dict[str, Any]:
    """The sample's own metadata: ``synthetic``, ``note``, ``place``, ``centre`` [lat, lon], ``seed``."""
    text = resources.files("airwarn.data").joinpath(SAMPLE).read_text(encoding="utf-8")
    meta = json.loads(text).get("metadata") or {}
    return dict(meta)


def import_sample(engine: Engine, territory: Territory | None = None) -> dict[str, Any]:
    """Import the sample into ``engine`` (all or nothing); the import's default warning time is that of
    the region around the sample's centre when a territory is given. Returns the import summary."""
    meta = sample_metadata()
    warning_s = DEFAULT_WARNING_S
    if territory is not None and meta.get("centre"):
        region = territory.locate_region(*meta["centre"])
        warning_s = float(region.warning_s) if region is not None else warning_s
    with resources.as_file(resources.files("airwarn.data").joinpath(SAMPLE)) as path:
        return import_data(engine, path, fmt="geojson", warning_s=warning_s)
