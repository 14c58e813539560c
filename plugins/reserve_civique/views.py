"""View models: what the templates see, built from the catalog (public fields only)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from operator import attrgetter

from catalog import Catalog, PublicMission, SiteModel
from catalog.geo import department_name
from catalog.text import slugify


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
class MissionView(PublicMission):
    """A mission's public shape (see :mod:`catalog.public`), with its card in listings."""

    card: str = ""  # rendered once by the build, with the mission's page


def build_mission_views(catalog: Catalog, today: dt.date, handler_path: str) -> dict[str, MissionView]:
    """A view for every mission, open or not (closed and past pages stay online)."""
    return {
        mission.id: MissionView.of(catalog, mission, today, handler_path)
        for mission in sorted(catalog.missions.values(), key=attrgetter("id"))
    }


def recency(view: MissionView) -> tuple:
    """Sort key of the newest first (reversed): publication date (else start), then id."""
    return view.published or view.start, view.id


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


@dataclass
class SiteView(SiteModel):
    """The site model (see :mod:`catalog.public`) with what the site's pages show of the open missions."""

    domain_counts: dict[str, int]
    open_missions: list[MissionView]
    open_count: int
    open_places: int
    latest: list[MissionView]
    listings: dict[str, list[Listing]]
    today: dt.date
    handler_path: str
