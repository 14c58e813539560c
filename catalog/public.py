"""What the public sees: a mission's public shape, and the site model.

A mission is shown — on its page, in listings and feeds, by its application
form (on the site, and again with its errors by the form handler), in the open
data (its record, in JSON and as a CSV row) — through :class:`PublicMission`; the lists every page and the proposal
form offer (domains, structure types, structures) come from :class:`SiteModel`.
Neither holds a structure's private contact.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from urllib.parse import quote_plus

from .geo import department_name
from .models import STRUCTURE_TYPES, Catalog, Domain, Mission
from .text import date_range, render_markdown, slugify

STATUS_TEXT = {
    "open": "Ouverte",
    "closed": "Close : cette mission ne recrute plus.",
    "past": "Terminée : la date de fin de cette mission est passée.",
}
HANDLER_PATH = "/api"  # where the form handler answers, on the site's origin
# The open data's CSV file: the record's columns, flattened (see csv_values)
CSV_COLUMNS = [
    "id", "url", "title", "domain", "domain_label", "structure", "structure_name", "structure_type", "summary",
    "remote", "address", "postal_code", "city", "access", "department", "start", "end", "schedule", "places",
    "age_min", "age_max", "requirements", "health_guidelines", "published",
]  # fmt: skip


@dataclass
class PublicMission:
    """A mission as the public sees it on a given day: its fields (``title``, ``summary``,
    ``places``… read through from :attr:`mission`), its domain, its structure's public
    fields, its status that day and its addresses."""

    mission: Mission
    domain: Domain
    structure: dict  # Structure.public_dict(): never the private contact
    status: str  # Mission.status(day)
    is_open: bool  # Mission.is_open(day)
    health_guidelines: tuple[str, ...]  # the domain's, then the mission's
    url: str
    town_url: str | None
    department_name: str
    applications_url: str  # where its form is sent

    @classmethod
    def of(cls, catalog: Catalog, mission: Mission, today: dt.date, handler_path: str = HANDLER_PATH):
        """``mission`` of ``catalog`` as the public sees it on ``today``."""
        return cls(
            mission=mission,
            domain=catalog.domain_of(mission),
            structure=catalog.structure_of(mission).public_dict(),
            status=mission.status(today),
            is_open=mission.is_open(today),
            health_guidelines=catalog.health_guidelines(mission),
            url=f"/missions/{mission.id}/",
            town_url=f"/communes/{slugify(mission.city)}/" if mission.city else None,
            department_name=department_name(mission.department),
            applications_url=f"{handler_path}/missions/{mission.id}/applications",
        )

    def __getattr__(self, name):
        # the mission's fields (summary, schedule, location…) read through, e.g. ``view.summary``
        return getattr(self.mission, name)

    # the fields every listing and key reads, without the read-through's failed lookup first
    id = property(lambda self: self.mission.id)
    title = property(lambda self: self.mission.title)
    city = property(lambda self: self.mission.city)
    remote = property(lambda self: self.mission.remote)
    places = property(lambda self: self.mission.places)
    department = property(lambda self: self.mission.department)

    @property
    def description_html(self) -> str:
        """The description, Markdown rendered and sanitised (only when a page needs it)."""
        return render_markdown(self.mission.description)

    @property
    def dates_text(self) -> str:
        """``du lundi 7 décembre 2026 au mercredi 31 mars 2027`` (Babel, cached: computed when shown)."""
        return date_range(self.mission.start, self.mission.end)

    @functools.cached_property
    def order(self) -> tuple:
        """Soonest first, then by title."""
        return (self.mission.start, self.mission.title, self.mission.id)

    @property
    def osm_url(self) -> str | None:
        """A plain link to OpenStreetMap's search for the address (nothing embedded)."""
        loc = self.mission.location
        if loc is None:
            return None
        address = f"{loc.address}, {loc.postal_code} {loc.city}"
        return "https://www.openstreetmap.org/search?query=" + quote_plus(address)

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]

    @property
    def structure_url(self) -> str:
        return f"/structures/{self.structure['slug']}/"

    @property
    def domain_url(self) -> str:
        return f"/domaines/{self.domain.slug}/"

    def record(self, site_url: str) -> dict:
        """The mission as plain data: the open data's record (``schemas/opendata.schema.json``; as CSV,
        :func:`csv_values`)."""
        m = self.mission
        loc = m.location
        return {
            "id": m.id,
            "url": site_url + self.url,
            "title": m.title,
            "domain": {"slug": self.domain.slug, "label": self.domain.label},
            "structure": {k: self.structure[k] for k in ("slug", "name", "type", "type_label", "city")},
            "summary": m.summary,
            "description": m.description,
            "remote": m.remote,
            "location": {"address": loc.address, "postal_code": loc.postal_code, "city": loc.city} if loc else None,
            "access": m.access,
            "department": m.department,
            "start": m.start.isoformat(),
            "end": m.end.isoformat() if m.end else None,
            "schedule": m.schedule,
            "places": m.places,
            "age_min": m.age_min,
            "age_max": m.age_max,
            "requirements": list(m.requirements),
            "health_guidelines": list(self.health_guidelines),
            "published": m.published.isoformat() if m.published else None,
        }


def csv_values(record: dict) -> list:
    """A mission's record (:meth:`PublicMission.record`) as the values of ``CSV_COLUMNS``: nested
    fields flattened, ``oui``/``non`` for true and false, lists joined with `` | ``."""
    r = record
    loc = r["location"] or {}
    row = {
        **{k: r[k] for k in ("id", "url", "title", "summary", "department", "start", "end", "schedule", "places",
                             "age_min", "age_max", "published")},
        "domain": r["domain"]["slug"], "domain_label": r["domain"]["label"],
        "structure": r["structure"]["slug"], "structure_name": r["structure"]["name"],
        "structure_type": r["structure"]["type"],
        "remote": "oui" if r["remote"] else "non",
        "address": loc.get("address", ""), "postal_code": loc.get("postal_code", ""), "city": loc.get("city", ""),
        "access": r["access"] or "",
        "requirements": " | ".join(r["requirements"]), "health_guidelines": " | ".join(r["health_guidelines"]),
    }  # fmt: skip
    return [row[column] for column in CSV_COLUMNS]


@dataclass
class SiteModel:
    """What the whole site offers to choose from: the domains, the structure types, and the
    structures (their public fields, by name)."""

    domains: list[Domain]
    structure_types: dict[str, str]
    structures: list[dict]

    @classmethod
    def of(cls, catalog: Catalog, **more):
        """The site model of ``catalog`` (``more``: the fields of a subclass)."""
        return cls(
            domains=list(catalog.domains.values()),
            structure_types=STRUCTURE_TYPES,
            structures=[s.public_dict() for s in sorted(catalog.structures.values(), key=lambda s: s.name)],
            **more,
        )
