"""The content model: domains, structures and missions, as immutable values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

DEFAULT_AGE_MIN = 18
DEFAULT_AGE_MAX = 70

STRUCTURE_TYPES: dict[str, str] = {
    "association": "Association (organisme sans but lucratif)",
    "etablissement-scolaire": "Établissement scolaire",
    "etablissement-public-sante": "Établissement public de santé",
    "collectivite-territoriale": "Collectivité territoriale",
    "autre-structure-publique": "Autre structure publique",
    "etablissement-prive-sante-interet-collectif": "Établissement privé de santé d'intérêt collectif",
    "entreprise-esus": "Entreprise solidaire d'utilité sociale (ESUS)",
}

OPEN, CLOSED, PAST = "open", "closed", "past"


@dataclass(frozen=True)
class Domain:
    """A mission domain, with the health guidelines shared by its missions."""

    slug: str
    label: str
    description: str
    health_guidelines: tuple[str, ...]
    age_min: int = DEFAULT_AGE_MIN
    age_max: int = DEFAULT_AGE_MAX


@dataclass(frozen=True)
class Contact:
    """A structure's private contact: used by the form handler, never published."""

    name: str
    email: str
    phone: str | None = None


@dataclass(frozen=True)
class Structure:
    """A host structure (association, public body, ESUS company…)."""

    slug: str
    name: str
    type: str
    description: str
    city: str
    postal_code: str
    contact: Contact = field(repr=False)
    website: str | None = None
    siret: str | None = None
    rna: str | None = None
    fingerprint: str = field(default="", compare=False, repr=False)  # of its file: see loader

    @property
    def type_label(self) -> str:
        """The structure's type in words."""
        return STRUCTURE_TYPES.get(self.type, self.type)

    def public_dict(self) -> dict:
        """Public fields only: the private contact never leaves the server."""
        return {
            "slug": self.slug,
            "name": self.name,
            "type": self.type,
            "type_label": self.type_label,
            "description": self.description,
            "city": self.city,
            "postal_code": self.postal_code,
            "website": self.website,
            "siret": self.siret,
            "rna": self.rna,
        }


@dataclass(frozen=True)
class Location:
    """Where an on-site mission takes place."""

    address: str
    postal_code: str
    city: str


@dataclass(frozen=True)
class Mission:
    """One mission, as curated in ``content/missions/<id>.yaml``."""

    id: str
    title: str
    domain: str
    structure: str
    summary: str
    description: str
    remote: bool
    department: str
    start: dt.date
    places: int
    age_min: int
    age_max: int
    location: Location | None = None
    access: str | None = None  # how to get there, in words
    end: dt.date | None = None
    schedule: str | None = None
    requirements: tuple[str, ...] = ()
    health_guidelines: tuple[str, ...] = ()
    published: dt.date | None = None
    closed: bool = False
    source: str = ""
    fingerprint: str = field(default="", compare=False, repr=False)  # of its file: see loader

    def status(self, today: dt.date) -> str:
        """``open``, ``closed`` (closed early by a coordinator) or ``past`` (ended)."""
        if self.closed:
            return CLOSED
        if self.end is not None and self.end < today:
            return PAST
        return OPEN

    def is_open(self, today: dt.date) -> bool:
        """Whether volunteers can still apply on ``today``."""
        return self.status(today) == OPEN

    @property
    def city(self) -> str | None:
        """The town of an on-site mission (``None`` when remote without a place)."""
        return self.location.city if self.location else None


@dataclass(frozen=True)
class Catalog:
    """All content, cross-checked: every mission's domain and structure exist."""

    domains: dict[str, Domain]
    structures: dict[str, Structure]
    missions: dict[str, Mission]

    def domain_of(self, mission: Mission) -> Domain:
        """The mission's domain."""
        return self.domains[mission.domain]

    def structure_of(self, mission: Mission) -> Structure:
        """The mission's host structure."""
        return self.structures[mission.structure]

    def health_guidelines(self, mission: Mission) -> tuple[str, ...]:
        """The domain's health guidelines followed by the mission's own."""
        return self.domain_of(mission).health_guidelines + mission.health_guidelines
