"""View models: what the templates see, built from the catalog (public fields only)."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from operator import attrgetter
from urllib.parse import quote_plus

from catalog import Catalog, Domain, Mission
from catalog.geo import department_name
from catalog.text import date_long, date_range, render_markdown, slugify

STATUS_TEXT = {
    "open": "Ouverte",
    "closed": "Close : cette mission ne recrute plus.",
    "past": "Terminée : la date de fin de cette mission est passée.",
}


@dataclass(frozen=True)
class Listing:
    """A list of open missions under one heading (a domain, a department, a town…)."""

    kind: str  # domaine, departement, commune, structure, a-distance
    key: str
    title: str
    url: str
    missions: list
    intro: str = ""
    feed_url: str = ""


@dataclass
class MissionView:
    """One mission as shown on the site."""

    mission: Mission
    domain: Domain
    structure: dict
    status: str
    health_guidelines: tuple[str, ...]
    url: str
    town_url: str | None
    department_name: str
    applications_url: str
    structure_fingerprint: str = ""
    card: str = ""  # the mission's card in listings, rendered once by the build
    extra: dict = field(default_factory=dict)

    def __getattr__(self, name):
        # mission fields (title, summary, places…) read through, e.g. ``view.title``
        return getattr(self.mission, name)

    # the fields every listing and key reads, without the read-through's failed lookup first
    id = property(lambda self: self.mission.id)
    title = property(lambda self: self.mission.title)
    city = property(lambda self: self.mission.city)
    remote = property(lambda self: self.mission.remote)
    places = property(lambda self: self.mission.places)
    department = property(lambda self: self.mission.department)

    def public_key(self) -> tuple:
        """What a page of this mission is made from, for the build's cache keys.

        The fingerprints hash the mission's and its structure's files with all
        their rules depend on (the date, the domains): equal fingerprints,
        equal data.
        """
        return (self.mission.fingerprint, self.structure_fingerprint, self.status)

    @property
    def description_html(self) -> str:
        """The description, Markdown rendered and sanitised (only when a page needs it)."""
        return render_markdown(self.mission.description)

    @property
    def dates_text(self) -> str:
        """``du lundi 7 décembre 2026 au mercredi 31 mars 2027`` (Babel, cached: computed when shown)."""
        return date_range(self.mission.start, self.mission.end)

    @property
    def start_text(self) -> str:
        return date_long(self.mission.start)

    @functools.cached_property
    def order(self) -> tuple:
        """Soonest first, then by title."""
        return (self.mission.start, self.mission.title, self.mission.id)

    @property
    def osm_url(self) -> str | None:
        """A plain link to the address on OpenStreetMap (only when a page needs it)."""
        return osm_link(self.mission)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]

    @property
    def structure_url(self) -> str:
        return f"/structures/{self.structure['slug']}/"

    @property
    def domain_url(self) -> str:
        return f"/domaines/{self.domain.slug}/"


def mission_url(mission_id: str) -> str:
    """Root-relative URL of a mission page."""
    return f"/missions/{mission_id}/"


def osm_link(mission: Mission) -> str | None:
    """A plain link to OpenStreetMap's search for the mission's address (nothing embedded)."""
    if mission.location is None:
        return None
    loc = mission.location
    return "https://www.openstreetmap.org/search?query=" + quote_plus(f"{loc.address}, {loc.postal_code} {loc.city}")


def build_mission_views(catalog: Catalog, today: dt.date, handler_path: str) -> dict[str, MissionView]:
    """A view for every mission, open or not (closed and past pages stay online)."""
    views = {}
    for mission in sorted(catalog.missions.values(), key=lambda m: m.id):
        structure = catalog.structure_of(mission)
        views[mission.id] = MissionView(
            mission=mission,
            domain=catalog.domain_of(mission),
            structure=structure.public_dict(),
            status=mission.status(today),
            health_guidelines=catalog.health_guidelines(mission),
            url=mission_url(mission.id),
            town_url=f"/communes/{slugify(mission.city)}/" if mission.city else None,
            department_name=department_name(mission.department),
            applications_url=f"{handler_path}/missions/{mission.id}/applications",
            structure_fingerprint=structure.fingerprint,
        )
    return views


def sort_open(views) -> list[MissionView]:
    """Open missions, soonest first."""
    return sorted((v for v in views if v.is_open), key=attrgetter("order"))


def _open(views: list[MissionView]) -> list[MissionView]:
    return [v for v in views if v.is_open]


def build_listings(
    catalog: Catalog, views: dict[str, MissionView], ordered: list[MissionView]
) -> dict[str, list[Listing]]:
    """Listings by domain, department, town, structure, and the remote one; each sorted by title.

    ``ordered``: the open missions as :func:`sort_open` gives them (soonest first).
    """
    by: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    # open missions first, soonest first: each listing's open missions come out in order
    for view in [*ordered, *(v for v in views.values() if not v.is_open)]:
        by["domaine"][view.domain.slug].append(view)
        by["departement"][view.department].append(view)
        if view.city:
            by["commune"][slugify(view.city)].append(view)
        by["structure"][view.structure["slug"]].append(view)
    listings: dict[str, list[Listing]] = {}
    listings["domaine"] = [
        Listing(
            "domaine",
            d.slug,
            d.label,
            f"/domaines/{d.slug}/",
            _open(by["domaine"].get(d.slug, [])),
            intro=d.description,
            feed_url=f"/flux/domaines/{d.slug}.atom",
        )
        for d in catalog.domains.values()
    ]
    listings["departement"] = [
        Listing(
            "departement",
            code,
            f"{department_name(code)} ({code})",
            f"/departements/{code}/",
            _open(items),
            feed_url=f"/flux/departements/{code}.atom",
        )
        for code, items in sorted(by["departement"].items())
    ]
    listings["commune"] = sorted(
        (
            Listing("commune", slug, items[0].city, f"/communes/{slug}/", _open(items))
            for slug, items in by["commune"].items()
        ),
        key=lambda listing: listing.key,
    )
    listings["structure"] = [
        Listing(
            "structure",
            s.slug,
            s.name,
            f"/structures/{s.slug}/",
            _open(by["structure"].get(s.slug, [])),
            intro=s.description,
        )
        for s in sorted(catalog.structures.values(), key=lambda s: s.slug)
    ]
    remote = [v for v in ordered if v.remote]
    listings["a-distance"] = [
        Listing(
            "a-distance",
            "a-distance",
            "Missions à distance",
            "/a-distance/",
            remote,
            intro="Des missions à faire depuis chez soi, par téléphone, par visio ou par courrier.",
        )
    ]
    return listings
