"""Planning a build: every file of the catalog, its key, and which of them must be made again.

A file's key is a hash of what it is made from (see :mod:`.incremental`); a
file whose key and presence are those the previous build recorded is not made
again. The plan is in two stages: the mission pages first, which also give the
missions' pieces of the other files (see :class:`.writing.Fragments`), then the
listings, the open data and the pages of their own, which are made of those pieces.
Each stage is a list of calls to :class:`.writing.Pages` (``functools.partial``).
"""

from __future__ import annotations

import functools
from importlib import resources as importlib_resources

from catalog.alerts import form_model
from catalog.cache import digest

from . import opendata
from .incremental import Manifest
from .stats import build_stats
from .views import Site
from .writing import Fragments, Pages

INDEX_PAGES = {
    "domaine": "/domaines/",
    "departement": "/departements/",
    "commune": "/communes/",
    "structure": "/structures/",
}


def _listings(site: Site, kind: str) -> dict:
    return {"kind": kind, "listings": site.listings[kind]}


def _stats(site: Site) -> dict:
    return {"stats": build_stats(site.open), **_waiting(site)}


def _waiting(site: Site) -> dict:
    return {"waiting": site.waiting}


def _alert_form(site: Site) -> dict:
    return {"form": form_model(site.catalog)}


def _resources(site: Site) -> dict:
    return {"resources": site.resources}


# Pages of their own: (template, url, in the sitemap, what the template shows besides the site model)
SINGLE_PAGES = [
    *(("listings", url, True, functools.partial(_listings, kind=kind)) for kind, url in INDEX_PAGES.items()),
    ("home", "/", True, None),
    ("stats", "/statistiques/", True, _stats),
    ("resources", "/ressources/", True, _resources),
    ("search", "/recherche/", True, None),
    ("proposal", "/proposer-une-mission/", True, _waiting),
    ("alerts", "/etre-prevenu/", True, _alert_form),
    ("alerts_thanks", "/etre-prevenu/merci/", False, None),
    ("proposal_thanks", "/proposer-une-mission/merci/", False, None),
    ("thanks", "/merci/", False, None),
    ("thanks_waiting", "/merci/liste-attente/", False, None),
    ("not_found", "/404.html", False, None),
]  # fmt: skip


def relpath_of(url: str) -> str:
    """The output file of a page's URL: ``/missions/`` → ``missions/index.html``; ``/404.html`` as it is."""
    return url.lstrip("/") if url.endswith(".html") else (url.strip("/") + "/index.html").lstrip("/")


def _paginate(items: list, per_page: int) -> list[list]:
    pages = [items[i : i + per_page] for i in range(0, len(items), per_page)]
    return pages or [[]]


class Plan:
    """What a build makes, stage by stage, and which pages it announces (``announced``)."""

    def __init__(self, site: Site, pages: Pages, manifest: Manifest, code: str, per_page: int, feed_items: int,
                 drawn: list = ()):  # fmt: skip
        self.site, self.pages, self.manifest = site, pages, manifest
        self.drawn = drawn  # pictures drawn at build: (relpath, key, a function that makes the bytes)
        self.code, self.per_page, self.feed_items = code, per_page, feed_items
        structures = site.catalog.structures
        # a mission's page is made from its file, its structure's file (with what their rules saw), its status
        # and whether it is full (the handler's export): its card, and every listing showing it, with it
        self.mission_keys = {
            mission_id: digest(
                code, (v.mission.fingerprint, structures[v.mission.structure].fingerprint, v.status, v.full)
            )
            for mission_id, v in site.views.items()
        }
        self.announced: list[tuple[str, str, bool]] = [
            (f"missions/{mission_id}/index.html", view.url, view.is_open)
            for mission_id, view in sorted(site.views.items())
        ]

    def _plan(self, jobs: list, job, relpath: str, key: str, url: str | None = None, indexed: bool = True) -> None:
        if not self.manifest.is_current(relpath, key):
            jobs.append(job)
        self.manifest.record(relpath, key)
        if url is not None:
            self.announced.append((relpath, url, indexed))

    def missions(self) -> tuple[list[str], dict[str, Fragments]]:
        """The missions whose files must be made, and the pieces of the others (from the previous build)."""
        todo, pieces = [], {}
        for mission_id, view in self.site.views.items():
            key = self.mission_keys[mission_id]
            files = [f"missions/{mission_id}/index.html"] + [f"missions/{mission_id}/mission.ics"] * view.is_open
            cached = self.manifest.pieces.get(key)
            if cached is None or not all(self.manifest.is_current(f, key) for f in files):
                todo.append(mission_id)
            else:
                pieces[mission_id] = Fragments(*cached)
            for relpath in files:
                self.manifest.record(relpath, key)
        return todo, pieces

    def others(self, fragments: dict[str, Fragments]) -> list:
        """The listings, open data, pages of their own and copied files to make, biggest first (the open data)."""
        site, pages = self.site, self.pages
        data_jobs: list = []
        files, entries = self._open_data(fragments)
        open_key = digest(self.code, [self.mission_keys[v.id] for v in site.open])
        for relpath, make in files.items():
            if relpath in entries:  # a feed changes only with its own entries (a mission among its newest)
                key = digest(self.code, relpath, [self.mission_keys[v.id] for v in entries[relpath]])
            else:  # the files of every open mission
                key = digest(open_key, relpath)
            self._plan(data_jobs, functools.partial(pages.data, relpath, make), relpath, key)

        jobs: list = []
        # listing pages show the counts of every listing (the facets of /missions/)
        listings = [(x.kind, x.key, x.title, len(x.missions)) for group in site.listings.values() for x in group]
        site_key = digest(self.code, listings)
        paginated = [("missions", "/missions/", None, site.open)]
        for group in site.listings.values():
            paginated += [("listing", listing.url, listing, listing.missions) for listing in group]
        for template, base_url, listing, missions in paginated:
            numbered = _paginate(missions, self.per_page)
            heading = listing and (listing.kind, listing.key, listing.title, listing.intro, listing.feed_url)
            for number, items in enumerate(numbered, start=1):
                url = base_url if number == 1 else f"{base_url}page/{number}/"
                relpath = relpath_of(url)
                key = digest(site_key, template, base_url, heading, number, len(numbered),
                             [self.mission_keys[v.id] for v in items])  # fmt: skip
                extra = {"missions": items, "page_number": number, "page_count": len(numbered)}
                if listing is not None:
                    extra["listing"] = listing
                self._plan(jobs, functools.partial(pages.page, template, relpath, url, **extra), relpath, key, url)

        # always made: there are few, and some show what the handler exported (read at each build)
        for template, url, indexed, shows in SINGLE_PAGES:
            relpath = relpath_of(url)
            self.manifest.record(relpath, "")
            self.announced.append((relpath, url, indexed))
            jobs.append(functools.partial(_single_page, pages, template, relpath, url, shows))
        for resource in site.resources:  # copied as they are, or made (the kit's PDF) before the pages
            relpath = f"ressources/{resource.file}"
            self.manifest.record(relpath, "")
            jobs.append(functools.partial(pages.data, relpath, resource.content))
        for relpath, key, make in self.drawn:  # the Open Graph images: drawn again only when their inputs change
            self._plan(jobs, functools.partial(pages.data, relpath, make), relpath, key)
        robots = f"User-agent: *\nAllow: /\nSitemap: {site.url}/sitemap.xml\n"
        self.manifest.record("robots.txt", "")
        jobs.append(functools.partial(pages.data, "robots.txt", functools.partial(str, robots)))
        return data_jobs + jobs

    def _open_data(self, fragments: dict[str, Fragments]) -> tuple[dict, dict]:
        """Open data files and feeds: path -> a function that makes the content; and each feed's entries."""
        site = self.site
        url, views = site.url, site.open
        schema = importlib_resources.files("catalog.schemas").joinpath("opendata.schema.json")
        by_id = sorted(views, key=lambda v: v.id)
        files = {
            "missions.json": lambda: opendata.missions_json([fragments[v.id].json for v in views], url),
            "missions.schema.json": lambda: schema.read_text("utf-8"),
            "missions.csv": lambda: opendata.missions_csv([fragments[v.id].csv for v in views]),
            "missions.ics": lambda: opendata.calendar_from(
                [fragments[v.id].event for v in by_id], "Missions de la réserve civique"
            ),
        }
        feeds = [("Missions de la réserve civique", "/flux/missions.atom", "/missions/", views)]
        feeds += [(f"Missions : {listing.title}", listing.feed_url, listing.url, listing.missions)
                  for listing in site.listings["domaine"] + site.listings["departement"]]  # fmt: skip
        entries = {}
        for title, feed_url, page_url, missions in feeds:
            relpath = feed_url.lstrip("/")
            entries[relpath] = opendata.newest(missions, self.feed_items, site.recent)
            files[relpath] = functools.partial(opendata.atom_feed, title, feed_url, page_url, entries[relpath], url)
        return files, entries


def _single_page(pages: Pages, template: str, relpath: str, url: str, shows) -> None:
    pages.page(template, relpath, url, **(shows(pages.site) if shows else {}))
