"""View models: what the templates see, built from the catalog (public fields only), and the :class:`Site`
that holds them for one build."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from operator import attrgetter

from catalog import Catalog, PublicMission, SiteModel
from catalog.application import places_left
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
    # new applications go to the waiting list (the handler's ``missions`` export: accepted volunteers
    # reach the places, or the structure said the mission is complete); False without the export
    full: bool = False


def is_full(places: int, counts) -> bool:
    """Whether a mission of ``places`` is full by its counts in the handler's ``missions`` export
    (``None`` or a shape not understood: not full, as a build without the export shows it)."""
    if not isinstance(counts, dict):
        return False
    accepted, offered = counts.get("accepted"), counts.get("offered", 0)
    if counts.get("complete") is True:
        return True
    if not isinstance(accepted, int):
        return False
    return places_left(places, accepted, offered if isinstance(offered, int) else 0, complete=False) == 0


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


@dataclass
class Site:
    """Everything one build's pages and files are made from."""

    catalog: Catalog
    views: dict[str, MissionView]  # every mission (closed and past pages stay online), by id
    open: list[MissionView]  # the open missions, soonest first
    recent: list[MissionView]  # the open missions, newest first
    listings: dict[str, list[Listing]]
    resources: list
    url: str  # the site's address, without a final slash
    date: dt.datetime  # the newest mission's publication: the pages' date in the sitemap
    model: SiteView  # what every template sees as ``rc``
    waiting: list[str] = ()  # « N bénévoles attendent une mission dans l'Aisne » (the handler's export)

    @classmethod
    def of(
        cls, catalog: Catalog, today: dt.date, handler_path: str, latest: int, resources: list, url: str,
        places: dict | None = None, waiting: list[str] = (),
    ) -> Site:  # fmt: skip
        """The views, listings and site model of ``catalog`` on ``today``; what only the form handler
        knows, from its exports: ``places``, its ``missions`` export (mission id -> counts), when
        there is one, and ``waiting``, the sentences of its ``pool`` export."""
        views = build_mission_views(catalog, today, handler_path)
        if isinstance(places, dict):
            for mission_id, view in views.items():
                view.full = view.is_open and is_full(view.places, places.get(mission_id))
        ordered = sort_open(views.values())
        listings = build_listings(catalog, views, ordered)
        recent = sorted(ordered, key=recency, reverse=True)
        newest = max((v.published or v.start for v in views.values()), default=today)
        model = SiteView.of(
            catalog,
            domain_counts={listing.key: len(listing.missions) for listing in listings["domaine"]},
            open_missions=ordered,
            open_count=len(ordered),
            open_places=sum(v.places for v in ordered),
            latest=recent[:latest],
            listings=listings,
            today=today,
            handler_path=handler_path,
        )
        return cls(
            catalog=catalog,
            views=views,
            open=ordered,
            recent=recent,
            listings=listings,
            resources=resources,
            url=url.rstrip("/"),
            date=dt.datetime(newest.year, newest.month, newest.day, tzinfo=dt.UTC),
            model=model,
            waiting=list(waiting),
        )
