"""The catalog generator: loads the content with the core, renders every page and file."""

from __future__ import annotations

import datetime as dt
import json
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from importlib import resources as importlib_resources
from pathlib import Path
from types import SimpleNamespace

from pelican import signals
from pelican.generators import Generator

from catalog import STRUCTURE_TYPES, load_content

from . import graphics, opendata
from .resources import load_resources
from .settings import PluginSettings
from .stats import build_stats
from .views import build_listings, build_mission_views, sort_open

log = logging.getLogger(__name__)

PARALLEL_FROM = 200  # below this many missions, forking costs more than it saves
CHUNK = 250
_ACTIVE = None  # the generator whose mission pages forked workers render


def _render_chunk(ids: list[str]) -> list[tuple[str, str, bool]]:
    """In a forked worker: render and write these missions' files."""
    generator = _ACTIVE
    return [entry for mission_id in ids for entry in generator._mission_files(generator.views[mission_id])]


class CatalogBuildError(Exception):
    """The content or the settings do not allow a build; the message lists every problem."""


def _paginate(items: list, per_page: int) -> list[list]:
    pages = [items[i : i + per_page] for i in range(0, len(items), per_page)]
    return pages or [[]]


class CatalogGenerator(Generator):
    """Builds the mission pages, listings, statistics, resources and open data."""

    def generate_context(self):
        """Load the content; put the site model in the context for every template."""
        try:
            self.options = PluginSettings.from_pelican(self.settings)
        except Exception as error:
            raise CatalogBuildError(str(error)) from None
        content_dir = Path(self.settings["PATH"]).parent / self.options.content_dir
        if not content_dir.is_dir():
            content_dir = Path(self.options.content_dir)
        result = load_content(content_dir, today=self.options.today, display_root=Path.cwd())
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
        self.listings = build_listings(self.catalog, views)
        self.resources = load_resources(content_dir)
        latest = sorted(self.open, key=lambda v: (v.published or v.start, v.id), reverse=True)
        domain_counts = {d.key: len(d.missions) for d in self.listings["domaine"]}
        newest = max((v.published or v.start for v in views.values()), default=self.options.today)
        self.site_date = dt.datetime(newest.year, newest.month, newest.day, tzinfo=dt.UTC)
        self.context["rc"] = SimpleNamespace(
            domains=list(self.catalog.domains.values()),
            domain_counts=domain_counts,
            open_missions=self.open,
            open_count=len(self.open),
            open_places=sum(v.places for v in self.open),
            latest=latest[: self.options.latest],
            listings=self.listings,
            today=self.options.today,
            handler_path=self.options.handler_path,
            structure_types=STRUCTURE_TYPES,
            structures=sorted(self.catalog.structures.values(), key=lambda s: s.name),
        )

    # -- writing -----------------------------------------------------------------

    def _write_file(self, relpath: str, data: str | bytes) -> str:
        """Write one output file; return its path."""
        path = os.path.join(self.output_path, relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        mode, kwargs = ("wb", {}) if isinstance(data, bytes) else ("w", {"encoding": "utf-8", "newline": "\n"})
        with open(path, mode, **kwargs) as handle:
            handle.write(data)
        return path

    def _announce(self, path: str, url: str, indexed: bool) -> None:
        """Tell the sitemap about a page (closed and past missions are left out)."""
        page = SimpleNamespace(url=url.lstrip("/"), date=self.site_date, status="published" if indexed else "hidden")
        signals.content_written.send(path, context={"page": page})

    def _write(self, relpath: str, data: str | bytes, *, url: str | None = None, indexed: bool = True) -> None:
        path = self._write_file(relpath, data)
        if url is not None:
            self._announce(path, url, indexed)

    def _render_html(self, template: str, url: str, **extra) -> str:
        return self.get_template(template).render({**self.context, **extra, "page_url": url})

    def _render(self, template: str, relpath: str, *, url: str, indexed: bool = True, **extra) -> None:
        self._write(relpath, self._render_html(template, url, **extra), url=url, indexed=indexed)

    def _mission_files(self, view) -> list[tuple[str, str, bool]]:
        """Write a mission's page (and calendar); return what the sitemap must hear of."""
        html = self._render_html(
            "mission",
            view.url,
            mission=view,
            qr_svg=graphics.qr_svg(self.site_url + view.url) if view.is_open else "",
            json_ld=self._json_ld(view),
        )
        path = self._write_file(f"missions/{view.id}/index.html", html)
        if view.is_open:
            self._write_file(f"missions/{view.id}/mission.ics", opendata.calendar([view], self.site_url, view.title))
        return [(path, view.url, view.is_open)]

    def _write_missions(self) -> None:
        """Mission pages: in forked worker processes for big catalogs, in this process otherwise."""
        global _ACTIVE
        ids = sorted(self.views)
        processes = self.options.processes
        if processes <= 1 or len(ids) < PARALLEL_FROM:
            written = [entry for i in ids for entry in self._mission_files(self.views[i])]
        else:
            _ACTIVE = self
            chunks = [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
            context = multiprocessing.get_context("fork")
            try:
                with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
                    written = [entry for part in pool.map(_render_chunk, chunks) for entry in part]
            finally:
                _ACTIVE = None
        for path, url, indexed in written:
            self._announce(path, url, indexed)

    def generate_output(self, writer):
        """Write every page and data file of the catalog."""
        self._render("home", "index.html", url="/")
        self._write_paginated("missions", "/missions/", self.open)
        self._write_missions()
        for kind, listings in self.listings.items():
            for listing in listings:
                self._write_paginated("listing", listing.url, listing.missions, listing=listing)
            if kind != "a-distance":
                index_url = {
                    "domaine": "/domaines/",
                    "departement": "/departements/",
                    "commune": "/communes/",
                    "structure": "/structures/",
                }[kind]
                self._render(
                    "listings", index_url.strip("/") + "/index.html", url=index_url, kind=kind, listings=listings
                )
        self._render("stats", "statistiques/index.html", url="/statistiques/", stats=build_stats(self.open))
        self._render("resources", "ressources/index.html", url="/ressources/", resources=self.resources)
        for resource in self.resources:
            self._write(f"ressources/{resource.file}", resource.path.read_bytes())
        self._render("search", "recherche/index.html", url="/recherche/")
        self._render("proposal", "proposer-une-mission/index.html", url="/proposer-une-mission/")
        self._render(
            "proposal_thanks",
            "proposer-une-mission/merci/index.html",
            url="/proposer-une-mission/merci/",
            indexed=False,
        )
        self._render("thanks", "merci/index.html", url="/merci/", indexed=False)
        self._render("thanks_waiting", "merci/liste-attente/index.html", url="/merci/liste-attente/", indexed=False)
        self._render("not_found", "404.html", url="/404.html", indexed=False)
        self._write_open_data()
        self._write("robots.txt", f"User-agent: *\nAllow: /\nSitemap: {self.site_url}/sitemap.xml\n")

    def _write_paginated(self, template: str, base_url: str, missions: list, **extra) -> None:
        """A list of missions over numbered pages: ``base_url``, ``base_url + "page/2/"``…"""
        pages = _paginate(missions, self.options.per_page)
        for number_, items in enumerate(pages, start=1):
            url = base_url if number_ == 1 else f"{base_url}page/{number_}/"
            self._render(
                template,
                url.strip("/") + "/index.html",
                url=url,
                missions=items,
                page_number=number_,
                page_count=len(pages),
                **extra,
            )

    def _write_open_data(self) -> None:
        site = self.site_url
        self._write("missions.json", opendata.missions_json(self.open, site))
        schema = importlib_resources.files("catalog.schemas").joinpath("opendata.schema.json").read_text("utf-8")
        self._write("missions.schema.json", schema)
        self._write("missions.csv", opendata.missions_csv(self.open, site))
        self._write("missions.ics", opendata.calendar(self.open, site, "Missions de la réserve civique"))
        self._write(
            "flux/missions.atom",
            opendata.atom_feed("Missions de la réserve civique", "/flux/missions.atom", "/missions/", self.open, site),
        )
        for listing in self.listings["domaine"] + self.listings["departement"]:
            self._write(
                listing.feed_url.lstrip("/"),
                opendata.atom_feed(
                    f"Missions : {listing.title}", listing.feed_url, listing.url, listing.missions, site
                ),
            )

    def _json_ld(self, view) -> str:
        """schema.org JobPosting (employmentType VOLUNTEER) for an open mission."""
        data = {
            "@context": "https://schema.org",
            "@type": "JobPosting",
            "title": view.title,
            "description": view.summary,
            "datePosted": (view.published or view.start).isoformat(),
            "employmentType": "VOLUNTEER",
            "hiringOrganization": {"@type": "Organization", "name": view.structure["name"]},
            "url": self.site_url + view.url,
            "totalJobOpenings": view.places,
        }
        if view.end:
            data["validThrough"] = view.end.isoformat()
        if view.remote:
            data["jobLocationType"] = "TELECOMMUTE"
            data["applicantLocationRequirements"] = {"@type": "Country", "name": "FR"}
        else:
            data["jobLocation"] = {
                "@type": "Place",
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": view.location.address,
                    "postalCode": view.location.postal_code,
                    "addressLocality": view.location.city,
                    "addressCountry": "FR",
                },
            }
        return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
