"""Plain records the shelter service works with (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

#: Average walking speed (m/s) and the slow profile used for the elderly.
DEFAULT_SPEED_M_S = 1.2
ELDERLY_SPEED_M_S = 0.8
#: A manual wheelchair on pavements: about 1 m/s on the flat, less with kerbs and cross-slopes.
WHEELCHAIR_SPEED_M_S = 0.9
PROFILES_M_S = {"default": DEFAULT_SPEED_M_S, "elderly": ELDERLY_SPEED_M_S, "wheelchair": WHEELCHAIR_SPEED_M_S}
#: Profiles that need step-free routes and a shelter that does not say ``wheelchair=no``.
STEP_FREE_PROFILES = frozenset({"wheelchair"})
#: OSM ``wheelchair=*`` values a shelter may carry.
WHEELCHAIR_VALUES = ("yes", "limited", "no")
#: Fixed time to get through a shelter's door and inside (s).
DEFAULT_ENTRY_S = 10.0
#: Warning time assumed for an area when the import does not say (s).
DEFAULT_WARNING_S = 90.0


@dataclass(frozen=True)
class ShelterSite:
    """A public shelter: entrance position, capacity (people; None = unknown) and whether it opens."""

    id: str
    name: str
    lat: float
    lon: float
    capacity: int | None = None
    open: bool = True
    opening: str = ""
    source: str = "registry"
    node: int = -1
    wheelchair: str = ""  # OSM wheelchair=yes|limited|no; "" when nobody says

    def public(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "lat": self.lat, "lon": self.lon, "capacity": self.capacity}


@dataclass(frozen=True)
class Building:
    """A building: centroid, estimated people (floors x footprint x density) and its district."""

    id: str
    name: str
    lat: float
    lon: float
    floors: float
    footprint_m2: float
    population: float
    district: str = ""
    node: int = -1
