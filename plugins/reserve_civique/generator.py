"""The catalog generator: loads the content with the core, renders every page and file."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import logging
import os
from importlib import resources as importlib_resources
from pathlib import Path
from types import SimpleNamespace
from typing import NamedTuple

from jinja2 import FileSystemBytecodeCache
from markupsafe import Markup, escape
from pelican import signals
from pelican.generators import Generator

from catalog import load_content

from . import graphics, opendata, parallel
from .incremental import Manifest, code_key, digest
from .resources import load_resources
from .settings import PluginSettings
from .stats import build_stats
from .views import SiteView, build_listings, build_mission_views, recency, sort_open

log = logging.getLogger(__name__)

INDEX_PAGES = {
    "domaine": "/domaines/",
    "departement": "/departements/",
    "commune": "/communes/",
    "structure": "/structures/",
}

FORM_URL = "\x00applications-url\x00"  # stands for a mission's form action in a shared form


class Fragments(NamedTuple):
    """A mission's pieces of the other files: its card, JSON record, CSV row and calendar event."""

    card: str
    json: str
    csv: str
    event: str


class CatalogBuildError(Exception):
    """The content or the settings do not allow a build; the message lists every problem."""


def _collector_paused() -> None:
    """Pause the cyclic garbage collector for the build.

    It would walk the whole catalog (hundreds of thousands of long-lived
    objects) again and again while pages are made — a third of a rebuild's
    time. A previous build in this process (`make run`'s watching build, the tests) left its
    objects frozen: they are collected first, once.
    """
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
    gc.disable()


def _collector_back() -> None:
    """The collector again, for what follows the build (the sitemap…), which need not walk its objects."""
    gc.freeze()
    gc.enable()


def _paginate(items: list, per_page: int) -> list[list]:
    pages = [items[i : i + per_page] for i in range(0, len(items), per_page)]
    return pages or [[]]


class CatalogGenerator(Generator):
    """Builds the mission pages, listings, statistics, resources and open data.

    Rendering is planned as jobs with a key each (see :mod:`.incremental`):
    a job whose key and file are those of the previous build is skipped. Jobs
    run in forked worker processes (one per core) when there are many: first
    the mission pages, which also render each mission's card, then the
    listings and the open data, which reuse those cards.
    """

    def generate_context(self):
        """Load the content; put the site model in the context for every template."""
        _collector_paused()
        try:
            self._load()
        except BaseException:
            _collector_back()
            raise

    def _load(self) -> None:
        try:
            self.options = PluginSettings.from_pelican(self.settings)
        except Exception as error:
            raise CatalogBuildError(str(error)) from None
        content_dir = Path(self.settings["PATH"]).parent / self.options.content_dir
        if not content_dir.is_dir():
            content_dir = Path(self.options.content_dir)
        if self.options.incremental:  # compiled templates kept between builds (checked against their source)
            folder = self._cache_folder("jinja")
            os.makedirs(folder, exist_ok=True)
            self.env.bytecode_cache = FileSystemBytecodeCache(folder)
        result = load_content(
            content_dir,
            today=self.options.today,
            display_root=Path.cwd(),
            cache_dir=self._cache_folder("content"),
            processes=self.options.processes,
        )
        if result.warnings:  # details: `make check`; the build only counts them
            log.warning(
                "reserve_civique: %d avertissement(s) de modération ; détail : make check", len(result.warnings)
            )
        if result.errors:
            lines = "\n".join(str(p) for p in result.errors)
            raise CatalogBuildError(f"reserve_civique: le contenu a {len(result.errors)} erreur(s) :\n{lines}")
        self.catalog = result.catalog
        self.content_dir = content_dir
        self.site_url = self.settings.get("SITEURL", "").rstrip("/")
        views = build_mission_views(self.catalog, self.options.today, self.options.handler_path)
        self.views = views
        self.open = sort_open(views.values())
        self.listings = build_listings(self.catalog, views, self.open)
        self.resources = load_resources(content_dir)
        self.recent = sorted(self.open, key=recency, reverse=True)  # newest first
        domain_counts = {d.key: len(d.missions) for d in self.listings["domaine"]}
        newest = max((v.published or v.start for v in views.values()), default=self.options.today)
        self.site_date = dt.datetime(newest.year, newest.month, newest.day, tzinfo=dt.UTC)
        self.context["rc"] = SiteView.of(
            self.catalog,
            domain_counts=domain_counts,
            open_missions=self.open,
            open_count=len(self.open),
            open_places=sum(v.places for v in self.open),
            latest=self.recent[: self.options.latest],
            listings=self.listings,
            today=self.options.today,
            handler_path=self.options.handler_path,
        )

    def _cache_folder(self, name: str) -> str | None:
        if not self.options.incremental:
            return None
        return os.path.join(self.settings["CACHE_PATH"], "reserve_civique", name)

    # -- writing -----------------------------------------------------------------

    def _write_file(self, relpath: str, data: str | bytes) -> str:
        """Write one output file (text in UTF-8, as it is); return its path.

        Plain system calls: a build writes 22,000 files, and a Python file object
        costs as much again as the kernel's own work. Each folder is made once.
        """
        path = os.path.join(self.output_path, relpath)
        folder = os.path.dirname(path)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        left = memoryview(data.encode() if isinstance(data, str) else data)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        try:
            while left:
                left = left[os.write(handle, left) :]
        finally:
            os.close(handle)
        return path

    def _announce(self, pages: list[tuple[str, str, bool]]) -> None:
        """Tell the sitemap (any receiver of ``content_written``) about each ``(relpath, url, indexed)``
        page; closed and past missions are marked hidden, so left out.

        What ``content_written.send`` does for each page, with the receivers looked up once
        rather than 12,000 times (a sender-specific receiver makes no sense for a new file).
        """
        receivers = list(signals.content_written.receivers_for(object()))
        for relpath, url, indexed in pages:
            path = os.path.join(self.output_path, relpath)
            page = SimpleNamespace(
                url=url.lstrip("/"), date=self.site_date, status="published" if indexed else "hidden"
            )
            for receiver in receivers:
                receiver(path, context={"page": page})

    def _render_html(self, template: str, url: str, **extra) -> str:
        return self.get_template(template).render({**self.context, **extra, "page_url": url})

    # -- jobs (run here or in forked workers; each writes its files) -------------------

    def _mission_job(self, mission_id: str) -> tuple[str, Fragments]:
        """Write a mission's page (and calendar); return its pieces of the listings and open data."""
        view = self.views[mission_id]
        html = self._render_html(
            "mission",
            view.url,
            mission=view,
            application_form=self._application_form(view) if view.is_open else "",
            qr_svg=graphics.qr_svg(self.site_url + view.url) if view.is_open else "",
            json_ld=opendata.job_posting(view, self.site_url),
        )
        self._write_file(f"missions/{view.id}/index.html", html)
        event = opendata.event(view, self.site_url)
        record = view.record(self.site_url)
        if view.is_open:
            self._write_file(f"missions/{view.id}/mission.ics", opendata.calendar_from([event], view.title))
        return mission_id, Fragments(
            card=str(self._macros.card(view)),
            json=opendata.json_line(record),
            csv=opendata.csv_row(record),
            event=event,
        )

    def _page_job(self, template: str, relpath: str, url: str, kind: str | None) -> None:
        """A page showing site-wide figures (home, statistics, indexes…)."""
        if kind is not None:
            extra = {"kind": kind, "listings": self.listings[kind]}
        elif template == "stats":
            extra = {"stats": build_stats(self.open)}
        elif template == "resources":
            extra = {"resources": self.resources}
        else:
            extra = {}
        self._write_file(relpath, self._render_html(template, url, **extra))

    def _single_pages(self) -> list:
        """Jobs for the pages that show site-wide figures: always rendered (there are few)."""
        pages = [("listings", url.strip("/") + "/index.html", url, True, kind) for kind, url in INDEX_PAGES.items()]
        pages += [
            ("home", "index.html", "/", True, None),
            ("stats", "statistiques/index.html", "/statistiques/", True, None),
            ("resources", "ressources/index.html", "/ressources/", True, None),
            ("search", "recherche/index.html", "/recherche/", True, None),
            ("proposal", "proposer-une-mission/index.html", "/proposer-une-mission/", True, None),
            ("proposal_thanks", "proposer-une-mission/merci/index.html", "/proposer-une-mission/merci/", False, None),
            ("thanks", "merci/index.html", "/merci/", False, None),
            ("thanks_waiting", "merci/liste-attente/index.html", "/merci/liste-attente/", False, None),
            ("not_found", "404.html", "/404.html", False, None),
        ]
        jobs = []
        for template, relpath, url, indexed, kind in pages:
            self.manifest.record(relpath, "")
            self._pages.append((relpath, url, indexed))
            jobs.append(("_page_job", template, relpath, url, kind))
        return jobs

    def _listing_job(self, template: str, relpath: str, url: str, base_url: str, page_number: int) -> None:
        listing, pages = self._listing_pages[base_url]
        extra = {"missions": pages[page_number - 1], "page_number": page_number, "page_count": len(pages)}
        if listing is not None:
            extra["listing"] = listing
        self._write_file(relpath, self._render_html(template, url, **extra))

    def _data_job(self, relpath: str) -> None:
        self._write_file(relpath, self._open_data[relpath]())

    # -- shared pieces, rendered once per process ------------------------------------------

    def _application_form(self, view) -> Markup:
        """The form of a mission page; missions with the same structure, ages and commitments share it."""
        key = (view.structure["name"], view.age_min, view.age_max, view.requirements)
        cache = self._forms
        if key not in cache:
            shared = SimpleNamespace(
                structure=view.structure,
                age_min=view.age_min,
                age_max=view.age_max,
                requirements=view.requirements,
                applications_url=FORM_URL,
            )
            cache[key] = self.get_template("_application_form").render({**self.context, "mission": shared})
        return Markup(cache[key].replace(FORM_URL, escape(view.applications_url)))

    @functools.cached_property
    def _macros(self):
        return self.get_template("_macros").make_module(self.context)

    # -- planning ------------------------------------------------------------------------

    def generate_output(self, writer):
        """Write every page and data file of the catalog (what changed since the last build only)."""
        try:
            self._write_all()
        finally:
            _collector_back()

    def _write_all(self) -> None:
        self.manifest = Manifest(self.settings["CACHE_PATH"], self.output_path, enabled=self.options.incremental)
        self._forms: dict[tuple, str] = {}  # the application form, by structure, ages and commitments
        self._folders: set[str] = set()  # output folders made by this build, in this process
        code = code_key(self.settings)
        # a mission's page is made from its file, its structure's file (with what their rules saw) and its status
        structures = self.catalog.structures
        self.mission_keys = {
            i: digest(code, (v.mission.fingerprint, structures[v.mission.structure].fingerprint, v.status))
            for i, v in self.views.items()
        }
        pieces: dict[str, Fragments] = {}
        jobs = []
        for mission_id, view in self.views.items():
            key = self.mission_keys[mission_id]
            files = [f"missions/{mission_id}/index.html"] + ([f"missions/{mission_id}/mission.ics"] * view.is_open)
            cached = self.manifest.pieces.get(key)
            if cached is None or not all(self.manifest.is_current(f, key) for f in files):
                jobs.append(("_mission_job", mission_id))
            else:
                pieces[mission_id] = Fragments(*cached)
            for relpath in files:
                self.manifest.record(relpath, key)
        pieces.update(self._run(jobs))
        self.fragments = pieces
        for mission_id, view in self.views.items():
            view.card = Markup(pieces[mission_id].card)
        self._run(self._second_stage_jobs(code))
        for resource in self.resources:  # copied as they are
            self._write_file(f"ressources/{resource.file}", resource.path.read_bytes())
            self.manifest.record(f"ressources/{resource.file}", "")
        self._write_file("robots.txt", f"User-agent: *\nAllow: /\nSitemap: {self.site_url}/sitemap.xml\n")
        self.manifest.record("robots.txt", "")
        for relpath in self.manifest.stale():  # e.g. a mission file was removed
            path = os.path.join(self.output_path, relpath)
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
            with contextlib.suppress(OSError):  # its folder, once empty
                os.removedirs(os.path.dirname(path))
        self.manifest.save({self.mission_keys[i]: tuple(f) for i, f in pieces.items()})
        pages = [(f"missions/{i}/index.html", v.url, v.is_open) for i, v in sorted(self.views.items())]
        self._announce(pages + self._pages)

    def _run(self, jobs: list) -> dict:
        """Run jobs (see :mod:`.parallel`); what they give back, by mission."""
        results = parallel.run(self, jobs, self.options.processes)
        return dict(r for r in results if r is not None)

    def _second_stage_jobs(self, code: str) -> list:
        """Listings, open data and the other pages: the jobs whose inputs changed."""
        jobs, self._pages = [], []
        # listing pages show the counts of every listing (the facets of /missions/)
        site_key = digest(code, [(x.kind, x.key, x.title, len(x.missions)) for g in self.listings.values() for x in g])

        def plan(job: tuple, relpath: str, key: str, url: str | None = None, indexed: bool = True) -> None:
            if not self.manifest.is_current(relpath, key):
                jobs.append(job)
            self.manifest.record(relpath, key)
            if url is not None:
                self._pages.append((relpath, url, indexed))

        self._listing_pages = {}
        paginated = [("missions", "/missions/", None, self.open)]
        for listings in self.listings.values():
            paginated += [("listing", listing.url, listing, listing.missions) for listing in listings]
        for template, base_url, listing, missions in paginated:
            pages = _paginate(missions, self.options.per_page)
            self._listing_pages[base_url] = (listing, pages)
            for number_, items in enumerate(pages, start=1):
                url = base_url if number_ == 1 else f"{base_url}page/{number_}/"
                relpath = url.strip("/") + "/index.html"
                heading = listing and (listing.kind, listing.key, listing.title, listing.intro, listing.feed_url)
                key = digest(site_key, template, base_url, heading, number_, len(pages),
                             [self.mission_keys[v.mission.id] for v in items])  # fmt: skip
                plan(("_listing_job", template, relpath, url, base_url, number_), relpath, key, url)

        self._open_data, entries = self._open_data_files()
        open_key = digest(code, [self.mission_keys[v.id] for v in self.open])
        for relpath in self._open_data:
            if relpath in entries:  # a feed changes only with its own entries (a mission among its newest)
                key = digest(code, relpath, [self.mission_keys[v.mission.id] for v in entries[relpath]])
            else:  # the files of every open mission
                key = digest(open_key, relpath)
            plan(("_data_job", relpath), relpath, key)
        jobs += self._single_pages()
        # the biggest jobs first, so that both workers finish together
        jobs.sort(key=lambda job: job[0] != "_data_job")
        return jobs

    def _open_data_files(self) -> tuple[dict, dict]:
        """Open data files and feeds: path -> a function that makes the content; and each feed's entries."""
        site, views = self.site_url, self.open
        limit = self.options.feed_items
        schema = importlib_resources.files("catalog.schemas").joinpath("opendata.schema.json")
        fragments = self.fragments
        by_id = sorted(views, key=lambda v: v.id)
        files = {
            "missions.json": lambda: opendata.missions_json([fragments[v.id].json for v in views], site),
            "missions.schema.json": lambda: schema.read_text("utf-8"),
            "missions.csv": lambda: opendata.missions_csv([fragments[v.id].csv for v in views]),
            "missions.ics": lambda: opendata.calendar_from(
                [fragments[v.id].event for v in by_id], "Missions de la réserve civique"
            ),
        }
        feeds = [("Missions de la réserve civique", "/flux/missions.atom", "/missions/", views)]
        feeds += [(f"Missions : {listing.title}", listing.feed_url, listing.url, listing.missions)
                  for listing in self.listings["domaine"] + self.listings["departement"]]  # fmt: skip
        entries = {}
        for title, feed_url, page_url, missions in feeds:
            relpath = feed_url.lstrip("/")
            entries[relpath] = opendata.newest(missions, limit, self.recent)
            files[relpath] = functools.partial(opendata.atom_feed, title, feed_url, page_url, entries[relpath], site)
        return files, entries
